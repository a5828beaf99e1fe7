import { describe, expect, it } from 'vitest';
import type { ChannelStore } from '../../../src/store/channel-store.js';
import { NulCharacterError } from '../../../src/store/nul-guard.js';
import type { ChannelStoreKind } from '../../helpers/channel-stores.js';
import { A, B, T0, resource, useContractStore } from './fixtures.js';

/** What a pull changes on its instance: state (compare-and-swap), metadata, failures, deactivation. */
export function completePullSuite(kind: ChannelStoreKind): void {
  describe('completePull', () => {
    let channels: ChannelStore;
    const { integration, instance, completion, claim } = useContractStore(kind, (opened) => {
      channels = opened.channels;
    });

    describe('success', () => {
      it('replaces state and metadata, resets failures, reschedules and releases the lease', async () => {
        const made = await instance(await integration(), { state: 'cursor=0', metadata: 'm0' });
        await channels.completePull(completion(await claim(made), { outcome: 'failed', error: 'boom' }));
        expect((await channels.getInstance(A, made.id))!.consecutiveFailures).toBe(1);

        const target = await claim(made, T0 + 300_000);
        const record = await channels.completePull(
          completion(target, {
            startedAt: T0 + 300_000,
            newState: 'cursor=5',
            newMetadata: 'm1',
            metadataNeedsUpdate: true,
            nextPullAt: T0 + 420_000,
            nowMs: T0 + 300_500,
          }),
        );
        expect(record).toMatchObject({ outcome: 'ok', stateConflict: false, resourcesStored: 0 });
        const after = (await channels.getInstance(A, made.id))!;
        expect(after).toEqual({
          ...made,
          state: 'cursor=5',
          stateVersion: made.stateVersion + 1,
          metadata: 'm1',
          metadataNeedsUpdate: true,
          consecutiveFailures: 0,
          lastPullAt: T0 + 300_000,
          nextPullAt: T0 + 420_000,
          updatedAt: T0 + 300_500,
        });

        // Absent state, metadata and flag keep what is stored; the same state is no change.
        const again = await claim(made, T0 + 500_000);
        await channels.completePull(completion(again, { startedAt: T0 + 500_000, newState: 'cursor=5' }));
        expect(await channels.getInstance(A, made.id)).toMatchObject({
          state: 'cursor=5',
          stateVersion: made.stateVersion + 1,
          metadata: 'm1',
          metadataNeedsUpdate: true,
          lastPullAt: T0 + 500_000,
        });
        // An empty metadata string replaces; false clears the flag.
        await channels.completePull(
          completion(await claim(made, T0 + 600_000), { newMetadata: '', metadataNeedsUpdate: false }),
        );
        expect(await channels.getInstance(A, made.id)).toMatchObject({ metadata: '', metadataNeedsUpdate: false });
      });

      it('keeps the state changed during the pull (compare-and-swap) and says so', async () => {
        const made = await instance(await integration(), { state: 'cursor=0', metadata: 'm0' });
        const target = await claim(made);
        // An admin changes the state while the pull is under way.
        const changed = (await channels.updateInstance(A, made.id, { state: 'reset', nowMs: T0 + 1100 }))!;
        const record = await channels.completePull(
          completion(target, { newState: 'cursor=9', newMetadata: 'm1', resources: [resource('x1')] }),
        );
        expect(record).toMatchObject({ outcome: 'ok', stateConflict: true, resourcesStored: 1 });
        const after = (await channels.getInstance(A, made.id))!;
        expect(after).toMatchObject({
          state: 'reset',
          stateVersion: changed.stateVersion,
          metadata: 'm1',
          consecutiveFailures: 0,
        });
        // No state in the answer: nothing to conflict with.
        const later = await claim(made, T0 + 200_000);
        await channels.updateInstance(A, made.id, { state: 'reset again', nowMs: T0 + 200_001 });
        expect(await channels.completePull(completion(later))).toMatchObject({ stateConflict: false });
        expect((await channels.listPulls(A, made.id, 10)).map((p) => p.stateConflict)).toEqual([false, true]);
      });
    });

    describe('failure', () => {
      it('stores nothing, counts failures and deactivates after deactivateAfter in a row', async () => {
        const made = await instance(await integration(), { state: 's0', metadata: 'm0' });
        const fail = async (n: number) =>
          channels.completePull(
            completion(await claim(made, T0 + n * 100_000), {
              startedAt: T0 + n * 100_000,
              outcome: 'failed',
              httpStatus: 502,
              error: `pull_url answered HTTP 502 (#${n})`,
              resources: [resource(`f${n}`)],
              newState: 'must not be stored',
              newMetadata: 'must not be stored',
              metadataNeedsUpdate: true,
              nextPullAt: T0 + n * 100_000 + 50_000,
              deactivateAfter: 3,
            }),
          );
        const first = await fail(1);
        expect(first).toEqual({
          id: expect.any(Number),
          instanceId: made.id,
          startedAt: T0 + 100_000,
          durationMs: 250,
          outcome: 'failed',
          httpStatus: 502,
          resourcesStored: 0,
          duplicates: 0,
          stateConflict: false,
          error: 'pull_url answered HTTP 502 (#1)',
          deactivated: false,
        });
        expect(await channels.getInstance(A, made.id)).toEqual({
          ...made,
          consecutiveFailures: 1,
          nextPullAt: T0 + 150_000,
          updatedAt: T0 + 1250,
        });
        expect(await fail(2)).toMatchObject({ deactivated: false });
        const third = await fail(3);
        expect(third).toMatchObject({ deactivated: true, error: 'pull_url answered HTTP 502 (#3)' });

        const after = (await channels.getInstance(A, made.id))!;
        expect(after).toMatchObject({
          active: false,
          deactivatedReason: 'pull_url answered HTTP 502 (#3)',
          consecutiveFailures: 3,
          state: 's0',
          metadata: 'm0',
          metadataNeedsUpdate: false,
          lastPullAt: null,
        });
        expect(await channels.listResources(A, made.id)).toEqual([]);
        expect(await channels.listThreads(A, made.id)).toEqual([]);

        const log = await channels.listPulls(A, made.id, 50);
        expect(log.map((p) => p.error)).toEqual([3, 2, 1].map((n) => `pull_url answered HTTP 502 (#${n})`));
        expect(log.map((p) => p.deactivated)).toEqual([true, false, false]);
        expect(log[0]!.id).toBeGreaterThan(log[1]!.id);
        expect(await channels.listPulls(A, made.id, 2)).toEqual(log.slice(0, 2));
        expect(await channels.listPulls(B, made.id, 50)).toEqual([]);
      });

      it('does not re-deactivate an instance deactivated during the pull', async () => {
        const made = await instance(await integration());
        const target = await claim(made);
        await channels.updateInstance(A, made.id, { active: false, deactivatedReason: 'by admin', nowMs: T0 + 1001 });
        const record = await channels.completePull(
          completion(target, { outcome: 'failed', error: 'boom', deactivateAfter: 1 }),
        );
        expect(record.deactivated).toBe(false);
        expect(await channels.getInstance(A, made.id)).toMatchObject({ active: false, deactivatedReason: 'by admin' });
      });

      it('refuses U+0000 in what a pull would store, recording nothing', async () => {
        const made = await instance(await integration());
        const target = await claim(made);
        await expect(channels.completePull(completion(target, { newState: 'a\u0000' }))).rejects.toBeInstanceOf(
          NulCharacterError,
        );
        await expect(
          channels.completePull(completion(target, { resources: [resource('x\u0000')] })),
        ).rejects.toBeInstanceOf(NulCharacterError);
        expect(await channels.listPulls(A, made.id, 10)).toEqual([]);
        // A failure stores none of it, so only its error is checked.
        await channels.completePull(
          completion(target, { outcome: 'failed', error: 'bad', newState: '\u0000', resources: [resource('\u0000')] }),
        );
        expect(await channels.listPulls(A, made.id, 10)).toHaveLength(1);
      });
    });
  });
}
