import { afterAll, describe, expect, it } from 'vitest';
import type { ChannelStore, Instance, PullTarget } from '../../../src/store/channel-store.js';
import type { ChannelStoreKind, OpenedChannelStore } from '../../helpers/channel-stores.js';
import { A, B, T0, builders, manifestJson, openContractStore, useContractStore } from './fixtures.js';

/** Leases: one instance on demand (claimInstance), due instances for the scheduler (claimDueInstances). */
export function pullClaimsSuite(kind: ChannelStoreKind): void {
  describe('claimInstance', () => {
    let channels: ChannelStore;
    const { integration, instance, completion, claim } = useContractStore(kind, (opened) => {
      channels = opened.channels;
    });

    it('leases an instance for an on-demand pull', async () => {
      const on = await integration();
      const made = await instance(on);
      const target = await channels.claimInstance(A, made.id, { nowMs: T0 + 5, leaseMs: 60_000, owner: 'me' });
      expect(target).toEqual({
        instance: made,
        integration: on,
        pullUrl: 'https://chat.example/pull',
        leasedAt: T0 + 5,
      });
    });

    it('answers not_found, inactive, no_pull_url and busy', async () => {
      const claimOf = (accountId: number, id: number, now = T0) =>
        channels.claimInstance(accountId, id, { nowMs: now, leaseMs: 60_000, owner: 'me' });
      const made = await instance(await integration());
      expect(await claimOf(A, 987654)).toBe('not_found');
      expect(await claimOf(B, made.id)).toBe('not_found');

      const off = await instance(await integration());
      await channels.updateInstance(A, off.id, { active: false, nowMs: T0 });
      expect(await claimOf(A, off.id)).toBe('inactive');

      const pushOnly = await integration(A, null);
      const unpullable = await instance(pushOnly);
      expect(await claimOf(A, unpullable.id)).toBe('no_pull_url');
      // A re-read manifest that gains a pull_url (here a plain string) makes it pullable.
      await channels.updateIntegrationManifest(A, pushOnly.id, {
        manifestJson: manifestJson('https://chat.example/p'),
        name: 'Chat',
        nowMs: T0,
      });
      expect(await claimOf(A, unpullable.id)).toMatchObject({ pullUrl: 'https://chat.example/p' });

      expect(await claimOf(A, made.id, T0)).toMatchObject({ leasedAt: T0 });
      expect(await claimOf(A, made.id, T0 + 59_999)).toBe('busy');
      // The lease ran out: claimable again.
      expect(await claimOf(A, made.id, T0 + 60_000)).toMatchObject({ leasedAt: T0 + 60_000 });
    });

    it('is free again once the pull is recorded', async () => {
      const made = await instance(await integration());
      const target = await claim(made);
      expect(await channels.claimInstance(A, made.id, { nowMs: T0 + 1001, leaseMs: 1, owner: 'x' })).toBe('busy');
      await channels.completePull(completion(target));
      expect(await channels.claimInstance(A, made.id, { nowMs: T0 + 1300, leaseMs: 1, owner: 'x' })).toMatchObject({
        leasedAt: T0 + 1300,
      });
    });
  });

  /** The scheduler's claims, each on a store of its own: claims see every instance in it. */
  describe('claimDueInstances', () => {
    const stores: OpenedChannelStore[] = [];
    afterAll(async () => {
      for (const opened of stores) await opened.cleanup();
    });

    async function fresh() {
      const opened = await openContractStore(kind);
      stores.push(opened);
      const channels = opened.channels;
      return { opened, channels, ...builders(() => channels) };
    }
    const claimAt = (channels: ChannelStore, now: number, limit = 10, owner = 'node-1') =>
      channels.claimDueInstances({ nowMs: now, limit, leaseMs: 60_000, owner });
    const ids = (targets: PullTarget[]) => targets.map((t) => t.instance.id);

    it('leases due, active, pullable instances, oldest due first, each once while its lease runs', async () => {
      const { channels, integration, instance, completion } = await fresh();
      const pullable = await integration(A, undefined, 1);
      const pushOnly = await integration(A, null, 1);
      const late = await instance(pullable, { now: 3000 });
      const early = await instance(pullable, { now: 1000 });
      const middle = await instance(pullable, { now: 2000 });
      const sameTime = await instance(pullable, { now: 2000 });
      const off = await instance(pullable, { now: 500 });
      await channels.updateInstance(A, off.id, { active: false, nowMs: 500 });
      await instance(pushOnly, { now: 100 });
      const notDue = await instance(pullable, { now: 10_000 });

      const firstBatch = await claimAt(channels, 5000, 3);
      expect(ids(firstBatch)).toEqual([early.id, middle.id, sameTime.id]);
      expect(firstBatch[0]).toEqual({
        instance: early,
        integration: pullable,
        pullUrl: 'https://chat.example/pull',
        leasedAt: 5000,
      });
      expect(ids(await claimAt(channels, 5000))).toEqual([late.id]);
      expect(await claimAt(channels, 5001)).toEqual([]);
      // A leased instance is busy for an on-demand pull too.
      expect(await channels.claimInstance(A, early.id, { nowMs: 5002, leaseMs: 1, owner: 'x' })).toBe('busy');

      // A pull recorded releases the lease; the instance is due again at its next time.
      await channels.completePull(completion(firstBatch[0]!, { nextPullAt: 20_000, nowMs: 6000 }));
      // By 64 999 notDue and early have come due; the other leases run out at 65 000.
      expect(ids(await claimAt(channels, 64_999))).toEqual([notDue.id, early.id]);
      expect(ids(await claimAt(channels, 65_000))).toEqual([middle.id, sameTime.id, late.id]);
      expect(await claimAt(channels, 65_000)).toEqual([]);
    });

    it('never hands one instance to two concurrent claimers', async () => {
      const { opened, channels, integration, instance } = await fresh();
      const other = await opened.another();
      const on = await integration(A, undefined, 1);
      const made: Instance[] = [];
      for (let i = 0; i < 60; i++) made.push(await instance(on, { now: 1000 + (i % 7) }));

      const claimers = [channels, other, channels, other, channels, other];
      const rounds = await Promise.all(
        claimers.map(async (store, i) => {
          const got: number[] = [];
          for (let round = 0; round < 6; round++) got.push(...ids(await claimAt(store, 2000, 4, `node-${i}`)));
          return got;
        }),
      );
      const all = rounds.flat();
      expect(new Set(all).size).toBe(all.length);
      expect([...all].sort((a, b) => a - b)).toEqual(made.map((m) => m.id).sort((a, b) => a - b));
    });
  });
}
