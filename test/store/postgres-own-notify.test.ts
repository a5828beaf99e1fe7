import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { IntegrationKey } from '../../src/store/store.js';
import { postgresAvailable, postgresTestUrl as url } from '../helpers/stores.js';
import { testActor } from '../helpers/actors.js';

const prefix = `sb_own_notify_${randomBytes(4).toString('hex')}`;
const stores: PostgresStore[] = [];
const schemas: string[] = [];
const admin = new pg.Client({ connectionString: url });
const now = 1_700_000_000;
const key: IntegrationKey = { accountId: 7, integration: 'crm' };

/** Two store objects (two nodes) on one schema, each with its LISTEN connection in place. */
async function twoNodes(configHistory: boolean): Promise<[PostgresStore, PostgresStore]> {
  const schema = `${prefix}_${schemas.length}`;
  schemas.push(schema);
  const nodes = [0, 1].map(() => new PostgresStore(url, { schema, configHistory }));
  stores.push(...nodes);
  for (const node of nodes) await node.migrate();
  return nodes as [PostgresStore, PostgresStore];
}

/** Every account a node's listeners are told of, in order; resolves once its LISTEN is in place. */
async function heardBy(node: PostgresStore): Promise<number[]> {
  const heard: number[] = [];
  node.onConfigChanged((accountId) => heard.push(accountId));
  for (let i = 0; i < 150 && node.capabilities.feedState() !== 'listening'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(node.capabilities.feedState()).toBe('listening');
  return heard;
}

async function until(done: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * A node tells its own listeners of its own config writes before it answers; the NOTIFY the
 * write (or its numbering) sent comes back to the node's LISTEN connection and is passed
 * over, so the node's read cache forgets its kept answers once per write, not twice.
 * Notifications reach a listener in commit order, so once another node's later write is
 * heard, the first write's echo would have been heard before it.
 */
describe.runIf(postgresAvailable)('PostgreSQL: a node’s own NOTIFY', () => {
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  for (const configHistory of [true, false]) {
    it(`tells a node of its own write once, and of another node’s write once (history ${configHistory ? 'on' : 'off'})`, async () => {
      const [a, b] = await twoNodes(configHistory);
      const heardByA = await heardBy(a);
      const heardByB = await heardBy(b);

      await a.createConfig(key, { scope: 'own', configJson: '{"n":1}', nowSeconds: now, actor: testActor });
      // Told before the write resolved: the node's own.
      expect(heardByA).toEqual([7]);

      await b.createConfig(key, { scope: 'other', configJson: '{"n":2}', nowSeconds: now, actor: testActor });
      await until(() => heardByA.length >= 2);
      // Let any later wake-up arrive before counting.
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Before: [7, 7, 7] (A's own, the echo of A's NOTIFY, B's).
      expect(heardByA).toEqual([7, 7]);
      // B heard A's write through NOTIFY, and its own write once.
      expect(heardByB).toEqual([7, 7]);
    });
  }
});
