import { describe, expect, it } from 'vitest';
import type { ChannelStore, Instance } from '../../../src/store/channel-store.js';
import type { ChannelStoreKind } from '../../helpers/channel-stores.js';
import { A, T0, resource, useContractStore } from './fixtures.js';

/** Renewing pull leases, a late answer from a node that lost its lease, and completions arriving together. */
export function pullLeasesSuite(kind: ChannelStoreKind): void {
  describe('pull leases and batched completions', () => {
    let channels: ChannelStore;
    const { integration, instance, completion } = useContractStore(kind, (opened) => {
      channels = opened.channels;
    });
    const claimBy = async (made: Instance, owner: string, now: number, leaseMs = 10_000) => {
      const claimed = await channels.claimInstance(A, made.id, { nowMs: now, leaseMs, owner });
      if (typeof claimed === 'string') throw new Error(`claim refused: ${claimed}`);
      return claimed;
    };
    const claimOther = (made: Instance, now: number) =>
      channels.claimInstance(A, made.id, { nowMs: now, leaseMs: 10_000, owner: 'other' });

    it("renews only the owner's leases and answers which ones", async () => {
      const on = await integration();
      const [mine, theirs, free] = [await instance(on), await instance(on), await instance(on)];
      await claimBy(mine, 'me', T0);
      await claimBy(theirs, 'them', T0);
      const renewed = await channels.renewPullLeases({
        owner: 'me',
        instanceIds: [mine.id, theirs.id, free.id, 987654],
        nowMs: T0 + 8000,
        leaseMs: 10_000,
      });
      expect(renewed).toEqual([mine.id]);
      // Renewed to T0 + 18 s: still busy after the first lease's end, free after the new one's.
      expect(await claimOther(mine, T0 + 17_999)).toBe('busy');
      expect(await claimOther(theirs, T0 + 10_000)).toMatchObject({ leasedAt: T0 + 10_000 });
      expect(await claimOther(mine, T0 + 18_000)).toMatchObject({ leasedAt: T0 + 18_000 });
      // Taken over: the old owner's renewal no longer finds it.
      expect(
        await channels.renewPullLeases({ owner: 'me', instanceIds: [mine.id], nowMs: T0 + 18_001, leaseMs: 10_000 }),
      ).toEqual([]);
      expect(await channels.renewPullLeases({ owner: 'me', instanceIds: [], nowMs: T0, leaseMs: 1 })).toEqual([]);
    });

    it("keeps a late answer from touching the new holder's lease and schedule; its state applies once", async () => {
      const made = await instance(await integration(), { state: 'cursor=0' });
      const late = await claimBy(made, 'dead-node', T0);
      // The lease ran out; another node took the instance and is pulling it.
      const current = await claimBy(made, 'live-node', T0 + 10_000);
      const lateRecord = await channels.completePull(
        completion(late, {
          owner: 'dead-node',
          newState: 'cursor=1',
          resources: [resource('r1')],
          nextPullAt: T0 + 999_000,
          nowMs: T0 + 11_000,
        }),
      );
      expect(lateRecord).toMatchObject({ outcome: 'ok', resourcesStored: 1, stateConflict: false });
      const afterLate = (await channels.getInstance(A, made.id))!;
      expect(afterLate).toMatchObject({ state: 'cursor=1', nextPullAt: made.nextPullAt });
      // The live node still holds its lease.
      expect(await claimOther(made, T0 + 12_000)).toBe('busy');

      // The live node's answer began from the old state: the compare-and-swap refuses it.
      const record = await channels.completePull(
        completion(current, {
          owner: 'live-node',
          newState: 'cursor=1-again',
          resources: [resource('r1'), resource('r2')],
          nextPullAt: T0 + 130_000,
          nowMs: T0 + 12_500,
        }),
      );
      expect(record).toMatchObject({ stateConflict: true, resourcesStored: 1, duplicates: 1 });
      expect(await channels.getInstance(A, made.id)).toMatchObject({
        state: 'cursor=1',
        stateVersion: afterLate.stateVersion,
        nextPullAt: T0 + 130_000,
      });
      expect(await claimOther(made, T0 + 12_501)).toMatchObject({ leasedAt: T0 + 12_501 });
    });

    it('records many completions arriving together, each under its own compare-and-swap', async () => {
      const on = await integration();
      const made = await Promise.all(Array.from({ length: 12 }, (_, i) => instance(on, { state: `s${i}` })));
      const targets = await Promise.all(made.map((m, i) => claimBy(m, 'node', T0 + i)));
      // Instance 0's state changes during its pull: its answer's state must not apply.
      await channels.updateInstance(A, made[0]!.id, { state: 'changed', nowMs: T0 + 50 });
      // Instance 1 is deleted during its pull: its completion fails alone.
      await channels.deleteInstance(A, made[1]!.id, T0 + 60);
      const settled = await Promise.allSettled(
        targets.map((target, i) =>
          channels.completePull(
            completion(target, {
              owner: 'node',
              newState: `next${i}`,
              resources: [resource(`x${i}`), resource(`y${i}`, { parentId: `x${i}` }), resource(`x${i}`)],
              outcome: i === 5 ? 'failed' : 'ok',
              error: i === 5 ? 'HTTP 500' : null,
              nextPullAt: T0 + 120_000 + i,
            }),
          ),
        ),
      );
      expect(settled[1]).toMatchObject({ status: 'rejected' });
      for (const [i, result] of settled.entries()) {
        if (i === 1) continue;
        expect(result.status).toBe('fulfilled');
        const record = (result as PromiseFulfilledResult<Awaited<ReturnType<ChannelStore['completePull']>>>).value;
        expect(record.instanceId).toBe(made[i]!.id);
        const after = (await channels.getInstance(A, made[i]!.id))!;
        expect(after.nextPullAt).toBe(T0 + 120_000 + i);
        if (i === 5) {
          expect(record).toMatchObject({ outcome: 'failed', resourcesStored: 0 });
          expect(after).toMatchObject({ state: 's5', consecutiveFailures: 1 });
          continue;
        }
        expect(record).toMatchObject({ outcome: 'ok', resourcesStored: 2, duplicates: 1, stateConflict: i === 0 });
        expect(after.state).toBe(i === 0 ? 'changed' : `next${i}`);
        const threads = await channels.listThreads(A, made[i]!.id);
        expect(threads).toEqual([expect.objectContaining({ threadKey: `x${i}`, resourceCount: 2 })]);
        const resources = await channels.listResources(A, made[i]!.id);
        expect(resources.map((r) => r.externalId)).toEqual([`x${i}`, `y${i}`]);
      }
      // Every lease was released.
      for (const [i, m] of made.entries()) {
        if (i !== 1) expect(await claimOther(m, T0 + 100)).toMatchObject({ leasedAt: T0 + 100 });
      }
    });
  });
}
