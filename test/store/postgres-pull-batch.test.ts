import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelStore } from '../../src/store/channel-store.js';
import { channelStoreKinds, type OpenedChannelStore } from '../helpers/channel-stores.js';
import { postgresAvailable } from '../helpers/stores.js';
import { A, B, T0, builders, openContractStore, resource } from './channel-contract/fixtures.js';

/** PostgreSQL records finished pulls that arrive together in one transaction (goal: ≥ 1,000 pulls/s on one node). */
describe.runIf(postgresAvailable)('PostgreSQL pull completions', () => {
  let opened: OpenedChannelStore;
  let channels: ChannelStore;
  const { integration, instance, completion } = builders(() => channels);

  beforeAll(async () => {
    opened = await openContractStore(channelStoreKinds.find((kind) => kind.name === 'postgres')!);
    channels = opened.channels;
  });
  afterAll(async () => {
    await opened?.cleanup();
  });

  /** The transactions (by xmin) that wrote these instances' pull log entries. */
  async function transactionsOf(instanceIds: number[]): Promise<number> {
    const client = new pg.Client({ connectionString: opened.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        'SELECT count(DISTINCT xmin::text) AS n FROM pulls WHERE instance_id = ANY ($1::bigint[])',
        [instanceIds],
      );
      return Number(rows[0]!.n);
    } finally {
      await client.end();
    }
  }

  it('shares one transaction among the pulls that finish together', async () => {
    const on = await integration();
    const made = await Promise.all(Array.from({ length: 20 }, () => instance(on)));
    const targets = await channels.claimDueInstances({ nowMs: T0 + 1000, limit: 20, leaseMs: 10_000, owner: 'n' });
    expect(targets).toHaveLength(20);
    const records = await Promise.all(
      targets.map((target, i) =>
        channels.completePull(completion(target, { owner: 'n', newState: `s${i}`, resources: [resource(`r${i}`)] })),
      ),
    );
    expect(records.map((record) => record.resourcesStored)).toEqual(made.map(() => 1));
    expect(await transactionsOf(made.map((m) => m.id))).toBe(1);
    // One by one, each pull has a transaction of its own.
    const again = await channels.claimDueInstances({ nowMs: T0 + 200_000, limit: 2, leaseMs: 10_000, owner: 'n' });
    for (const target of again) await channels.completePull(completion(target, { owner: 'n' }));
    expect(await transactionsOf(again.map((t) => t.instance.id))).toBe(3);
    expect(await channels.getInstance(A, targets[3]!.instance.id)).toMatchObject({ state: 's3' });
  });

  /**
   * Claims exactly `count` due instances for owner 'n': the tests leave nothing else due
   * before T0 + 120,000 (the fixtures' next pull after a completion).
   */
  async function claimAll(count: number, nowMs: number) {
    const targets = await channels.claimDueInstances({ nowMs, limit: count, leaseMs: 10_000, owner: 'n' });
    expect(targets).toHaveLength(count);
    return targets;
  }

  it('keeps the compare-and-swap of state per instance inside one batch', async () => {
    const on = await integration(B);
    const made = await Promise.all(Array.from({ length: 4 }, () => instance(on, { state: 'start' })));
    const targets = await claimAll(4, T0 + 1000);
    // Instance 1's state changes (through the API) while its pull runs: its answer is stale.
    const stale = targets[1]!.instance;
    await channels.updateInstance(B, stale.id, { state: 'set by the API', nowMs: T0 + 1100 });
    const records = await Promise.all(
      targets.map((target, i) => channels.completePull(completion(target, { owner: 'n', newState: `pulled ${i}` }))),
    );
    expect(records.map((record) => record.stateConflict)).toEqual([false, true, false, false]);
    expect(await transactionsOf(made.map((m) => m.id))).toBe(1);
    const after = await Promise.all(targets.map((target) => channels.getInstance(B, target.instance.id)));
    expect(after.map((i) => i!.state)).toEqual(['pulled 0', 'set by the API', 'pulled 2', 'pulled 3']);
    expect(after.map((i) => i!.stateVersion)).toEqual([2, 2, 2, 2]);
    // The late answer of the stale pull, recorded again, still cannot apply.
    const late = await channels.completePull(
      completion(targets[1]!, { owner: 'n', newState: 'late', stateVersionAtStart: stale.stateVersion }),
    );
    expect(late.stateConflict).toBe(true);
    expect(await channels.getInstance(B, stale.id)).toMatchObject({ state: 'set by the API', stateVersion: 2 });
  });

  it('completes the others of a batch when one instance was deleted meanwhile', async () => {
    const on = await integration(B);
    await Promise.all(Array.from({ length: 3 }, () => instance(on)));
    const targets = await claimAll(3, T0 + 1000);
    await channels.deleteInstance(B, targets[0]!.instance.id, T0 + 1100);
    const settled = await Promise.allSettled(
      targets.map((target, i) =>
        channels.completePull(completion(target, { owner: 'n', resources: [resource(`gone-${i}`)] })),
      ),
    );
    expect(settled[0]).toMatchObject({
      status: 'rejected',
      reason: { message: expect.stringMatching(/no longer exists/) },
    });
    expect(settled.slice(1).map((s) => s.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await transactionsOf(targets.slice(1).map((t) => t.instance.id))).toBe(1);
    for (const target of targets.slice(1)) {
      expect((await channels.listResources(B, target.instance.id)).map((r) => r.externalId)).toHaveLength(1);
    }
  });

  it('retries a failed batch one by one: the bad completion fails alone, the others are recorded', async () => {
    const on = await integration(B);
    await Promise.all(Array.from({ length: 3 }, () => instance(on, { state: 'start' })));
    const targets = await claimAll(3, T0 + 1000);
    const settled = await Promise.allSettled(
      targets.map((target, i) =>
        channels.completePull(
          completion(target, {
            owner: 'n',
            newState: `pulled ${i}`,
            resources: [resource(`retry-${i}`)],
            // Too large for the integer column: the whole batch's statement fails.
            ...(i === 1 ? { httpStatus: 2 ** 40 } : {}),
          }),
        ),
      ),
    );
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // Nothing of the failed batch stayed: the bad one stored nothing, the others once each.
    const bad = targets[1]!.instance.id;
    expect(await channels.getInstance(B, bad)).toMatchObject({ state: 'start', stateVersion: 1 });
    expect(await channels.listResources(B, bad)).toEqual([]);
    expect(await channels.listPulls(B, bad, 10)).toEqual([]);
    for (const [i, target] of targets.entries()) {
      if (i === 1) continue;
      expect(await channels.getInstance(B, target.instance.id)).toMatchObject({ state: `pulled ${i}` });
      expect(await channels.listResources(B, target.instance.id)).toHaveLength(1);
      expect(await channels.listPulls(B, target.instance.id, 10)).toHaveLength(1);
    }
    // The retries: one transaction each.
    expect(await transactionsOf([targets[0]!.instance.id, targets[2]!.instance.id])).toBe(2);
    // Its lease is still held: its next answer is recorded.
    await channels.completePull(completion(targets[1]!, { owner: 'n', newState: 'pulled again' }));
    expect(await channels.getInstance(B, bad)).toMatchObject({ state: 'pulled again', stateVersion: 2 });
  });

  it('threads the resources of several instances in one batch: new threads counted, existing ones added to', async () => {
    const on = await integration(B);
    await Promise.all(Array.from({ length: 2 }, () => instance(on)));
    const first = await claimAll(2, T0 + 1000);
    // Before the batch: instance 0 has thread "t" with one resource.
    const soon = { owner: 'n', nextPullAt: T0 + 5000 };
    await channels.completePull(completion(first[0]!, { ...soon, resources: [resource('a', { threadId: 't' })] }));
    await channels.completePull(completion(first[1]!, soon));
    const targets = await claimAll(2, T0 + 6000);
    const byId = new Map(targets.map((target) => [target.instance.id, target]));
    const [zero, one] = [byId.get(first[0]!.instance.id)!, byId.get(first[1]!.instance.id)!];
    const records = await Promise.all([
      // Joins "t", starts "b" with a reply, and repeats "a" (a duplicate).
      channels.completePull(
        completion(zero, {
          owner: 'n',
          resources: [
            resource('c', { threadId: 't' }),
            resource('b'),
            resource('b-reply', { parentId: 'b' }),
            resource('a', { threadId: 't' }),
          ],
        }),
      ),
      // Another instance with the same keys: threads are per instance.
      channels.completePull(
        completion(one, { owner: 'n', resources: [resource('a', { threadId: 't' }), resource('b')] }),
      ),
    ]);
    expect(records.map((r) => [r.resourcesStored, r.duplicates])).toEqual([
      [3, 1],
      [2, 0],
    ]);
    // Two transactions for the first pulls (one at a time), one for the batch.
    expect(await transactionsOf([zero.instance.id, one.instance.id])).toBe(3);
    const threadsOf = async (id: number) =>
      (await channels.listThreads(B, id)).map((t) => [t.threadKey, t.resourceCount]);
    expect(await threadsOf(zero.instance.id)).toEqual([
      ['t', 2],
      ['b', 2],
    ]);
    expect(await threadsOf(one.instance.id)).toEqual([
      ['t', 1],
      ['b', 1],
    ]);
    const resources = await channels.listResources(B, zero.instance.id);
    expect(resources.map((r) => r.externalId)).toEqual(['a', 'c', 'b', 'b-reply']);
    const threads = await channels.listThreads(B, zero.instance.id);
    expect(resources.map((r) => threads.find((t) => t.id === r.threadId)!.threadKey)).toEqual(['t', 't', 'b', 'b']);
  });
});
