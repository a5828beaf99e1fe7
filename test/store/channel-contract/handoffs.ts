import { describe, expect, it } from 'vitest';
import type { ChannelStore } from '../../../src/store/channel-store.js';
import type { ChannelStoreKind } from '../../helpers/channel-stores.js';
import { A, B, T0, useContractStore } from './fixtures.js';

/** Admin UI hand-offs: used once, until they expire, within one account. */
export function handoffsSuite(kind: ChannelStoreKind): void {
  describe('admin UI hand-offs', () => {
    let channels: ChannelStore;
    const { integration, instance } = useContractStore(kind, (opened) => {
      channels = opened.channels;
    });

    const handoff = (tokenHash: string, fields: { instanceId?: number | null; expiresAt?: number } = {}) => ({
      tokenHash,
      accountId: A,
      integrationId: 0,
      instanceId: fields.instanceId ?? null,
      instancePushId: `push-${tokenHash}`,
      pushTokenHash: `hash-${tokenHash}`,
      expiresAt: fields.expiresAt ?? T0 + 600_000,
      nowMs: T0,
    });

    it('hands off once', async () => {
      const on = await integration();
      const made = await instance(on);
      await channels.createHandoff({ ...handoff('ho-1'), integrationId: on.id });
      await channels.createHandoff({ ...handoff('ho-2', { instanceId: made.id }), integrationId: on.id });
      expect(await channels.consumeHandoff('ho-1', T0 + 1)).toEqual({
        accountId: A,
        integrationId: on.id,
        instanceId: null,
        instancePushId: 'push-ho-1',
        pushTokenHash: 'hash-ho-1',
      });
      expect(await channels.consumeHandoff('ho-1', T0 + 2)).toBeUndefined();
      const both = await Promise.all([
        channels.consumeHandoff('ho-2', T0 + 3),
        channels.consumeHandoff('ho-2', T0 + 3),
      ]);
      expect(both.filter((h) => h !== undefined)).toEqual([
        {
          accountId: A,
          integrationId: on.id,
          instanceId: made.id,
          instancePushId: 'push-ho-2',
          pushTokenHash: 'hash-ho-2',
        },
      ]);
      expect(await channels.consumeHandoff('unknown', T0)).toBeUndefined();
      expect(await channels.consumeHandoff('ho\u0000', T0)).toBeUndefined();
    });

    it('expires', async () => {
      const on = await integration();
      await channels.createHandoff({ ...handoff('ho-exp', { expiresAt: T0 + 1000 }), integrationId: on.id });
      await channels.createHandoff({ ...handoff('ho-live', { expiresAt: T0 + 1000 }), integrationId: on.id });
      expect(await channels.consumeHandoff('ho-exp', T0 + 1000)).toBeUndefined();
      expect(await channels.consumeHandoff('ho-live', T0 + 999)).toMatchObject({ integrationId: on.id });
    });

    it('belongs to an integration of the same account', async () => {
      const theirs = await integration(B);
      await expect(channels.createHandoff({ ...handoff('ho-cross'), integrationId: theirs.id })).rejects.toThrow();
    });
  });
}
