import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HeldLease } from '../../src/channels/leases/lease-keeper.js';
import { LeaseLostError } from '../../src/channels/pull/pull-leases.js';
import { LeasedWorker, type LeasedWorkerOptions } from '../../src/channels/work/leased-worker.js';
import type { ChannelStore, Instance, PullTarget } from '../../src/store/channel-store.js';
import { channelStoreKinds, type OpenedChannelStore } from '../helpers/channel-stores.js';
import { until } from '../helpers/node-kill.js';
import { A, builders, openContractStore } from '../store/channel-contract/fixtures.js';

/** Long: a lease another owner can claim at once was handed back, not run out. */
const leaseMs = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A gate the test opens by hand. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * The leased worker's shutdown rule, over a real store's pull leases: after `stop()` nothing
 * is begun, a claimed item is finished or handed back, and `stop()` resolves only then.
 */
describe.each(channelStoreKinds)('the leased worker on $name', (kind) => {
  let opened: OpenedChannelStore;
  let channels: ChannelStore;
  const { integration, instance } = builders(() => channels);
  let worker: LeasedWorker<PullTarget> | undefined;

  // A store each: a claim takes every due instance of the database.
  beforeEach(async () => {
    opened = await openContractStore(kind);
    channels = opened.channels;
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await opened?.cleanup();
  });

  const claimedElsewhere = async (made: Instance) =>
    typeof (await channels.claimInstance(A, made.id, { nowMs: Date.now(), leaseMs, owner: 'elsewhere' })) !== 'string';

  const newWorker = (
    options: Partial<LeasedWorkerOptions<PullTarget>> & Pick<LeasedWorkerOptions<PullTarget>, 'run'>,
  ) =>
    (worker = new LeasedWorker<PullTarget>({
      owner: 'me',
      leaseMs,
      nowMs: Date.now,
      concurrency: 4,
      tickMs: 50,
      claim: async (request) =>
        (await channels.claimDueInstances(request)).map((target) => ({
          id: target.instance.id,
          leasedAt: target.leasedAt,
          item: target,
        })),
      renew: ({ ids, ...renewal }) => channels.renewPullLeases({ ...renewal, instanceIds: ids }),
      lost: (id, reason) => new LeaseLostError(id, reason),
      ...options,
    }));

  it('claims for items that end together once, within refillWithinMs, while more than refillAt are in flight', async () => {
    const on = await integration();
    for (let n = 0; n < 7; n++) await instance(on);
    const claims: { at: number; limit: number; got: number }[] = [];
    const finish = new Map<number, () => void>();
    const loop = newWorker({
      concurrency: 4,
      refillAt: 1,
      refillWithinMs: 1000,
      tickMs: 60_000,
      claim: async (request) => {
        const got = (await channels.claimDueInstances(request)).map((target) => ({
          id: target.instance.id,
          leasedAt: target.leasedAt,
          item: target,
        }));
        claims.push({ at: Date.now(), limit: request.limit, got: got.length });
        return got;
      },
      run: (target) => new Promise<void>((resolve) => finish.set(target.instance.id, resolve)),
    });
    loop.start();
    await until(() => finish.size === 4, 10_000, 'the first claim');
    expect(claims.map((c) => c.limit)).toEqual([4]);

    // Two end in one turn, leaving two in flight, more than refillAt (1): no claim at once,
    // but one claim for both, no sooner than refillWithinMs after they ended.
    const [first, second] = [...finish.keys()];
    const endedAt = Date.now();
    finish.get(first!)!();
    finish.get(second!)!();
    await until(() => claims.length === 2, 10_000, 'the delayed claim');
    expect(claims[1]!.limit).toBe(2);
    expect(claims[1]!.got).toBe(2);
    expect(claims[1]!.at - endedAt).toBeGreaterThanOrEqual(990);

    // Three more end, down to refillAt in flight: a claim at once, for all the room (one
    // instance is left to take).
    const before = Date.now();
    for (const id of [...finish.keys()].slice(2, 5)) finish.get(id)!();
    await until(() => claims.length === 3, 10_000, 'the claim at once');
    expect(claims[2]!.limit).toBe(3);
    expect(claims[2]!.got).toBe(1);
    expect(claims[2]!.at - before).toBeLessThan(990);
    for (const end of finish.values()) end();
  });

  it('hands back, never begun, what a claim under way brings in after stop()', async () => {
    const made = await instance(await integration());
    const claimStarted = gate();
    const claimMayEnd = gate();
    let ran = 0;
    const loop = newWorker({
      claim: async (request) => {
        claimStarted.open();
        await claimMayEnd.opened;
        return (await channels.claimDueInstances(request)).map((target) => ({
          id: target.instance.id,
          leasedAt: target.leasedAt,
          item: target,
        }));
      },
      run: async () => {
        ran++;
      },
    });
    loop.start();
    await claimStarted.opened;
    const stopped = loop.stop();
    claimMayEnd.open();
    await stopped;
    expect(ran).toBe(0);
    // Handed back: another owner takes it at once, long before the 60 s lease would end.
    expect(await claimedElsewhere(made)).toBe(true);
    expect(await loop.tick()).toBe(0);
  });

  it('hands back what a one-off run (runDue) claims as stop() comes, and stop() waits for that claim', async () => {
    const made = await instance(await integration());
    const claimStarted = gate();
    const claimMayEnd = gate();
    let ran = 0;
    const loop = newWorker({
      claim: async (request) => {
        claimStarted.open();
        await claimMayEnd.opened;
        return (await channels.claimDueInstances(request)).map((target) => ({
          id: target.instance.id,
          leasedAt: target.leasedAt,
          item: target,
        }));
      },
      run: async () => {
        ran++;
      },
    });
    const oneOff = loop.runDue();
    await claimStarted.opened;
    let stoppedYet = false;
    const stopped = loop.stop().then(() => (stoppedYet = true));
    await sleep(100);
    // The claim is still out: stop() has not resolved.
    expect(stoppedYet).toBe(false);
    claimMayEnd.open();
    await stopped;
    expect(await oneOff).toBe(0);
    expect(ran).toBe(0);
    expect(await claimedElsewhere(made)).toBe(true);
  });

  it('lets an item under way finish within the drain, and stop() waits for it', async () => {
    const made = await instance(await integration());
    const began = gate();
    const mayFinish = gate();
    let finishedAt = 0;
    const loop = newWorker({
      drainMs: 10_000,
      run: async (target, lease: HeldLease) => {
        began.open();
        await mayFinish.opened;
        // As a pull records its answer: the lease is released by its owner.
        await channels.completePull({
          instanceId: target.instance.id,
          startedAt: Date.now(),
          durationMs: 1,
          outcome: 'ok',
          httpStatus: 200,
          error: null,
          stateVersionAtStart: target.instance.stateVersion,
          resources: [],
          nextPullAt: Date.now() + 3_600_000,
          deactivateAfter: 10,
          nowMs: Date.now(),
          owner: lease.owner,
        });
        finishedAt = Date.now();
      },
    });
    loop.start();
    await began.opened;
    const stopping = loop.stop();
    await sleep(200);
    expect(finishedAt).toBe(0);
    mayFinish.open();
    await stopping;
    expect(finishedAt).toBeGreaterThan(0);
    const [pull] = await channels.listPulls(A, made.id, 10);
    expect(pull).toMatchObject({ outcome: 'ok' });
  });

  it('cuts off an item that outlasts the drain, hands its lease back, and reports no error for it', async () => {
    const made = await instance(await integration());
    const began = gate();
    const errors: unknown[] = [];
    let reason: unknown;
    const loop = newWorker({
      drainMs: 300,
      onError: (error) => errors.push(error),
      run: async (_target, lease) => {
        began.open();
        // A call that never answers: only the lease's signal ends it, as it cuts an HTTP call off.
        await new Promise((_, reject) =>
          lease.signal.addEventListener('abort', () => reject((reason = lease.signal.reason))),
        );
      },
    });
    loop.start();
    await began.opened;
    const stopAt = Date.now();
    await loop.stop();
    expect(Date.now() - stopAt).toBeGreaterThanOrEqual(250);
    expect(Date.now() - stopAt).toBeLessThan(leaseMs / 2);
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as Error).message).toMatch(/this node is stopping/);
    expect(errors).toEqual([]);
    expect(await claimedElsewhere(made)).toBe(true);
  });
});
