import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError, PullLeases } from '../../src/channels/pull/pull-leases.js';
import type { ChannelStore, Instance } from '../../src/store/channel-store.js';
import { channelStoreKinds, type OpenedChannelStore } from '../helpers/channel-stores.js';
import { A, builders, openContractStore } from '../store/channel-contract/fixtures.js';

const leaseMs = 1200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The leases a node keeps while it pulls: renewed, or its pull aborted before the lease ends. */
describe.each(channelStoreKinds)('pull leases on $name', (kind) => {
  let opened: OpenedChannelStore;
  let channels: ChannelStore;
  const { integration, instance } = builders(() => channels);

  beforeAll(async () => {
    opened = await openContractStore(kind);
    channels = opened.channels;
  });
  afterAll(async () => {
    await opened?.cleanup();
  });

  const claim = async (made: Instance, owner: string) => {
    const claimed = await channels.claimInstance(A, made.id, { nowMs: Date.now(), leaseMs, owner });
    if (typeof claimed === 'string') throw new Error(`claim refused: ${claimed}`);
    return claimed;
  };
  const claimElsewhere = (made: Instance) =>
    channels.claimInstance(A, made.id, { nowMs: Date.now(), leaseMs, owner: 'elsewhere' });

  it('renews a held lease while the pull runs, past several lease lengths', async () => {
    const made = await instance(await integration());
    const leases = new PullLeases(channels, { owner: 'me', leaseMs, nowMs: Date.now });
    leases.start();
    const target = await claim(made, 'me');
    const held = leases.hold(made.id, target.leasedAt);
    try {
      await sleep(leaseMs * 3);
      expect(held.signal.aborted).toBe(false);
      expect(await claimElsewhere(made)).toBe('busy');
    } finally {
      held.release();
      leases.stop();
    }
  });

  it('aborts the pull before its lease ends when it cannot renew', async () => {
    const made = await instance(await integration());
    // Never started: no renewal happens, as when the database is out of reach.
    const leases = new PullLeases(channels, { owner: 'me', leaseMs, nowMs: Date.now });
    const target = await claim(made, 'me');
    const held = leases.hold(made.id, target.leasedAt);
    const aborted = new Promise<number>((resolve) => held.signal.addEventListener('abort', () => resolve(Date.now())));
    const at = await aborted;
    expect(at).toBeLessThan(target.leasedAt + leaseMs);
    expect(held.signal.reason).toBeInstanceOf(LeaseLostError);
    held.release();
  });

  it('aborts the pull at the next renewal once another claimer holds the instance', async () => {
    const made = await instance(await integration());
    const leases = new PullLeases(channels, { owner: 'me', leaseMs: 60_000, nowMs: Date.now });
    const target = await claim(made, 'me');
    const held = leases.hold(made.id, target.leasedAt);
    // The lease ran out meanwhile (here: taken at once by a claim from its end) and another node took it.
    await channels.claimInstance(A, made.id, { nowMs: Date.now() + leaseMs, leaseMs, owner: 'elsewhere' });
    await leases.renew();
    expect(held.signal.aborted).toBe(true);
    expect((held.signal.reason as Error).message).toMatch(/no longer this node/);
    held.release();
  });
});
