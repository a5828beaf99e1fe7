import { describe, expect, it } from 'vitest';
import type { ChannelStore } from '../../../src/store/channel-store.js';
import { NulCharacterError } from '../../../src/store/nul-guard.js';
import type { ChannelStoreKind } from '../../helpers/channel-stores.js';
import { A, B, T0, manifestJson, useContractStore } from './fixtures.js';

/** Integrations: create, list, get, update, delete, per account. */
export function integrationsSuite(kind: ChannelStoreKind): void {
  describe('integrations', () => {
    let channels: ChannelStore;
    const { integration, instance } = useContractStore(kind, (opened) => {
      channels = opened.channels;
    });

    it('creates, lists, gets, updates and deletes, within one account', async () => {
      const first = await integration(A, undefined, T0);
      expect(first).toEqual({
        id: expect.any(Number),
        accountId: A,
        remoteId: 'com.example.chat',
        name: 'Chat',
        manifestUrl: 'https://chat.example/manifest.json',
        manifestJson: manifestJson(),
        createdAt: T0,
        updatedAt: T0,
      });
      const second = await integration(A);
      const theirs = await integration(B);
      expect(second.id).toBeGreaterThan(first.id);

      const listed = await channels.listIntegrations(A);
      expect(listed.map((i) => i.id)).toEqual(expect.arrayContaining([first.id, second.id]));
      expect(listed.map((i) => i.id)).not.toContain(theirs.id);
      expect(listed.map((i) => i.id)).toEqual([...listed.map((i) => i.id)].sort((a, b) => a - b));
      expect(await channels.getIntegration(A, first.id)).toEqual(first);
      expect(await channels.getIntegration(B, first.id)).toBeUndefined();
      expect(await channels.getIntegration(A, 987654)).toBeUndefined();

      const changed = manifestJson('https://chat.example/pull-v2');
      const updated = await channels.updateIntegrationManifest(A, first.id, {
        manifestJson: changed,
        name: 'Chat v2',
        nowMs: T0 + 5,
      });
      expect(updated).toEqual({ ...first, name: 'Chat v2', manifestJson: changed, updatedAt: T0 + 5 });
      expect(await channels.getIntegration(A, first.id)).toEqual(updated);
      expect(
        await channels.updateIntegrationManifest(B, first.id, { manifestJson: changed, name: 'x', nowMs: T0 }),
      ).toBe(undefined);
      expect(await channels.getIntegration(A, first.id)).toEqual(updated);

      expect(await channels.deleteIntegration(B, first.id)).toBe(false);
      expect(await channels.deleteIntegration(A, first.id)).toBe(true);
      expect(await channels.deleteIntegration(A, first.id)).toBe(false);
      expect(await channels.getIntegration(A, first.id)).toBeUndefined();
      expect(await channels.getIntegration(B, theirs.id)).toEqual(theirs);
    });

    it('never reuses an id', async () => {
      const made = await integration(A);
      await channels.deleteIntegration(A, made.id);
      expect((await integration(A)).id).toBeGreaterThan(made.id);
      const on = await integration(A);
      const gone = await instance(on);
      await channels.deleteInstance(A, gone.id);
      expect((await instance(on)).id).toBeGreaterThan(gone.id);
    });

    it('refuses U+0000, writing nothing', async () => {
      const before = (await channels.listIntegrations(A)).length;
      await expect(
        channels.createIntegration({
          accountId: A,
          remoteId: 'x',
          name: 'nul\u0000name',
          manifestUrl: 'https://x',
          manifestJson: manifestJson(),
          nowMs: T0,
        }),
      ).rejects.toBeInstanceOf(NulCharacterError);
      expect(await channels.listIntegrations(A)).toHaveLength(before);
    });
  });
}
