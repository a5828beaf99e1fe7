import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelStore } from '../../src/store/channel-store.js';
import { channelStoreKinds, type OpenedChannelStore } from '../helpers/channel-stores.js';
import { postgresAvailable } from '../helpers/stores.js';
import { A, T0, builders, openContractStore, resource } from './channel-contract/fixtures.js';

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
});
