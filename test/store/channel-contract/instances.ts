import { describe, expect, it } from 'vitest';
import type { ChannelStore } from '../../../src/store/channel-store.js';
import { NulCharacterError } from '../../../src/store/nul-guard.js';
import type { ChannelStoreKind } from '../../helpers/channel-stores.js';
import { opaqueTexts } from '../../helpers/opaque-texts.js';
import { A, B, T0, useContractStore } from './fixtures.js';

/** Instances: their fields, accounts kept apart, opaque metadata and state, activation. */
export function instancesSuite(kind: ChannelStoreKind): void {
  describe('instances', () => {
    let channels: ChannelStore;
    const { integration, instance, completion, claim } = useContractStore(kind, (opened) => {
      channels = opened.channels;
    });

    it('creates an instance, active and due at once', async () => {
      const on = await integration();
      const made = await instance(on, { name: 'Support', metadata: '{"k":1}', state: 's0', now: T0 + 7 });
      expect(made).toEqual({
        id: expect.any(Number),
        accountId: A,
        integrationId: on.id,
        name: 'Support',
        metadata: '{"k":1}',
        state: 's0',
        stateVersion: expect.any(Number),
        instancePushId: expect.stringMatching(/^push-/),
        pushTokenHash: expect.stringMatching(/^hash-/),
        active: true,
        deactivatedReason: null,
        metadataNeedsUpdate: false,
        consecutiveFailures: 0,
        nextPullAt: T0 + 7,
        lastPullAt: null,
        createdAt: T0 + 7,
        updatedAt: T0 + 7,
      });
      expect(await channels.getInstance(A, made.id)).toEqual(made);
    });

    it('lists by account and integration, and keeps accounts apart', async () => {
      const one = await integration();
      const two = await integration();
      const theirs = await integration(B);
      const a1 = await instance(one);
      const a2 = await instance(two);
      const a3 = await instance(one);
      const b1 = await instance(theirs);

      expect((await channels.listInstances(A, { integrationId: one.id })).map((i) => i.id)).toEqual([a1.id, a3.id]);
      expect((await channels.listInstances(A, { integrationId: two.id })).map((i) => i.id)).toEqual([a2.id]);
      expect(await channels.listInstances(A, { integrationId: theirs.id })).toEqual([]);
      const all = (await channels.listInstances(A)).map((i) => i.id);
      expect(all).toEqual(expect.arrayContaining([a1.id, a2.id, a3.id]));
      expect(all).not.toContain(b1.id);
      expect(all).toEqual([...all].sort((a, b) => a - b));
      expect(await channels.getInstance(B, a1.id)).toBeUndefined();
      expect(await channels.updateInstance(B, a1.id, { name: 'stolen', nowMs: T0 })).toBeUndefined();
      expect(await channels.deleteInstance(B, a1.id)).toBe(false);
      expect(await channels.getInstance(A, a1.id)).toEqual(a1);
    });

    it('refuses an instance of another account’s integration', async () => {
      const theirs = await integration(B);
      await expect(
        channels.createInstance({
          accountId: A,
          integrationId: theirs.id,
          name: 'x',
          metadata: '',
          state: '',
          instancePushId: `push-cross-${Math.random()}`,
          pushTokenHash: 'h',
          nowMs: T0,
        }),
      ).rejects.toThrow();
    });

    it('refuses a taken instance_push_id', async () => {
      const on = await integration();
      const made = await instance(on);
      await expect(
        channels.createInstance({
          accountId: A,
          integrationId: on.id,
          name: 'dup',
          metadata: '',
          state: '',
          instancePushId: made.instancePushId,
          pushTokenHash: 'h',
          nowMs: T0,
        }),
      ).rejects.toThrow();
    });

    it.each(Object.entries(opaqueTexts))('stores %s metadata and state byte for byte', async (_name, value) => {
      const on = await integration();
      const made = await instance(on, { metadata: value, state: value });
      expect(made.metadata).toBe(value);
      expect(made.state).toBe(value);
      const read = (await channels.getInstance(A, made.id))!;
      expect(read.metadata).toBe(value);
      expect(read.state).toBe(value);
      expect((await channels.findInstanceByPushId(made.instancePushId))!.metadata).toBe(value);
      expect((await channels.listInstances(A, { integrationId: on.id }))[0]!.state).toBe(value);

      const other = await instance(on, { metadata: 'm', state: 's' });
      const updated = (await channels.updateInstance(A, other.id, { metadata: value, state: value, nowMs: T0 + 1 }))!;
      expect([updated.metadata, updated.state]).toEqual([value, value]);

      const pulled = await instance(on, { metadata: 'm', state: 's' });
      const target = await claim(pulled);
      await channels.completePull(completion(target, { newState: value, newMetadata: value }));
      const after = (await channels.getInstance(A, pulled.id))!;
      expect([after.metadata, after.state]).toEqual([value, value]);
    });

    it('finds an instance by push id across accounts', async () => {
      const theirs = await instance(await integration(B));
      expect(await channels.findInstanceByPushId(theirs.instancePushId)).toEqual(theirs);
      expect(await channels.findInstanceByPushId('push-unknown')).toBeUndefined();
      expect(await channels.findInstanceByPushId('push\u0000')).toBeUndefined();
    });

    it('finds an instance by its push token hash across accounts; a hash names one instance', async () => {
      const on = await integration(B);
      const theirs = await instance(on);
      expect(await channels.findInstanceByPushTokenHash(theirs.pushTokenHash)).toEqual(theirs);
      expect(await channels.findInstanceByPushTokenHash('hash-unknown')).toBeUndefined();
      expect(await channels.findInstanceByPushTokenHash('hash\u0000')).toBeUndefined();
      // The unique index (migration 0015): a second instance cannot take the same token.
      const second = {
        accountId: B,
        integrationId: on.id,
        name: 'same token',
        metadata: '',
        state: '',
        instancePushId: `push-same-token-${Math.random()}`,
        pushTokenHash: theirs.pushTokenHash,
        nowMs: T0,
      };
      await expect(channels.createInstance(second)).rejects.toThrow();
      const other = await instance(on);
      await expect(
        channels.updateInstance(B, other.id, { pushTokenHash: theirs.pushTokenHash, nowMs: T0 }),
      ).rejects.toThrow();
      expect((await channels.getInstance(B, other.id))!.pushTokenHash).toBe(other.pushTokenHash);
    });

    it('updates the given fields; a state change bumps stateVersion', async () => {
      const made = await instance(await integration(), { state: 'a' });
      const renamed = (await channels.updateInstance(A, made.id, { name: 'New name', nowMs: T0 + 1 }))!;
      expect(renamed).toEqual({ ...made, name: 'New name', updatedAt: T0 + 1 });

      const stated = (await channels.updateInstance(A, made.id, { state: 'b', nowMs: T0 + 2 }))!;
      expect(stated.state).toBe('b');
      expect(stated.stateVersion).toBe(made.stateVersion + 1);
      // The same state again is no change.
      const same = (await channels.updateInstance(A, made.id, { state: 'b', nowMs: T0 + 3 }))!;
      expect(same.stateVersion).toBe(stated.stateVersion);

      const rest = (await channels.updateInstance(A, made.id, {
        metadata: 'm2',
        metadataNeedsUpdate: true,
        pushTokenHash: 'hash-new',
        nowMs: T0 + 4,
      }))!;
      expect(rest).toMatchObject({ metadata: 'm2', metadataNeedsUpdate: true, pushTokenHash: 'hash-new', state: 'b' });
      expect(rest.stateVersion).toBe(stated.stateVersion);
      expect(await channels.getInstance(A, made.id)).toEqual(rest);
      expect(await channels.updateInstance(A, 987654, { name: 'x', nowMs: T0 })).toBeUndefined();
    });

    it('deactivates with a reason, and activating resets failures and makes it due now', async () => {
      const made = await instance(await integration());
      await channels.completePull(
        completion(await claim(made), { outcome: 'failed', error: 'HTTP 500', httpStatus: 500 }),
      );
      const off = (await channels.updateInstance(A, made.id, {
        active: false,
        deactivatedReason: 'deactivated through the API',
        nowMs: T0 + 10,
      }))!;
      expect(off).toMatchObject({
        active: false,
        deactivatedReason: 'deactivated through the API',
        consecutiveFailures: 1,
      });
      expect(await channels.claimInstance(A, made.id, { nowMs: T0 + 10, leaseMs: 1000, owner: 'x' })).toBe('inactive');

      const on = (await channels.updateInstance(A, made.id, {
        active: true,
        deactivatedReason: null,
        nowMs: T0 + 20,
      }))!;
      expect(on).toMatchObject({ active: true, deactivatedReason: null, consecutiveFailures: 0, nextPullAt: T0 + 20 });
    });

    it('deletes an instance', async () => {
      const made = await instance(await integration());
      expect(await channels.deleteInstance(A, made.id)).toBe(true);
      expect(await channels.deleteInstance(A, made.id)).toBe(false);
      expect(await channels.getInstance(A, made.id)).toBeUndefined();
      expect(await channels.findInstanceByPushId(made.instancePushId)).toBeUndefined();
    });

    it('refuses U+0000 in metadata and state, writing nothing', async () => {
      const on = await integration();
      const made = await instance(on, { metadata: 'm', state: 's' });
      await expect(instance(on, { metadata: 'a\u0000b' })).rejects.toBeInstanceOf(NulCharacterError);
      await expect(channels.updateInstance(A, made.id, { state: '\u0000', nowMs: T0 + 1 })).rejects.toBeInstanceOf(
        NulCharacterError,
      );
      expect(await channels.listInstances(A, { integrationId: on.id })).toEqual([made]);
    });
  });
}
