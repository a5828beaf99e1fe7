import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createPostgresSchema, postgresAvailable, postgresTestUrl } from '../helpers/stores.js';
import { testActor } from '../helpers/actors.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** Config changes across nodes: NOTIFY inside the write, one LISTEN connection per store. */
describe.runIf(postgresAvailable)('PostgreSQL change listener', () => {
  let schema: string;
  let drop: () => Promise<void>;
  let nodeA: Store;
  let nodeB: Store;
  const heardOnA: number[] = [];

  beforeAll(async () => {
    const created = await createPostgresSchema();
    ({ schema, drop } = created);
    nodeA = await openStore(created.url);
    nodeB = await openStore(created.url);
    await nodeA.migrate();
    nodeA.onConfigChanged((accountId) => heardOnA.push(accountId));
    await sleep(300);
  });
  afterAll(async () => {
    await nodeA.close();
    await nodeB.close();
    await drop();
  });

  const write = (store: Store, accountId: number, scope: string) =>
    store.createConfig({ accountId, integration: 'crm' }, { scope, configJson: '{}', nowSeconds: 1, actor: testActor });

  it('hears a change committed on another node, and its own', async () => {
    await write(nodeB, 21, 'from-b');
    await until(() => heardOnA.includes(21));
    await write(nodeA, 22, 'from-a');
    await until(() => heardOnA.includes(22));
  });

  it('reconnects after its connection is killed, and wakes every account on the way back', async () => {
    const admin = new pg.Client({ connectionString: postgresTestUrl });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
        [`switchboard-listen ${schema}`],
      );
      expect(rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    heardOnA.length = 0;
    // Back within a few retries: the accounts with history are woken, whatever was missed.
    await until(() => heardOnA.includes(21) && heardOnA.includes(22));
    heardOnA.length = 0;
    await write(nodeB, 23, 'after-reconnect');
    await until(() => heardOnA.includes(23));
  });
});
