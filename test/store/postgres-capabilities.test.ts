import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/store/migration-files.js';
import { openStore } from '../../src/store/open-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { configChangesChannel } from '../../src/store/postgres/revision-queries.js';
import type { Store } from '../../src/store/store.js';
import { driverFor } from '../../src/store/store-drivers.js';
import { transactionLock } from '../../src/store/postgres/transaction-locks.js';
import { createPostgresSchema, postgresAvailable, postgresTestUrl, urlForDriver } from '../helpers/stores.js';

// Each capability's fallback, shown on the server itself; the contract suites run whole on
// the `postgres-basic` profile too (storeProfiles in test/helpers/stores.ts).

const latest = readMigrations(fileURLToPath(new URL('../../src/store/postgres/migrations', import.meta.url))).at(
  -1,
)!.version;
const none = { listenNotify: false, advisoryLocks: false, namedStatements: false };
const token = { type: 'token', id: '1' } as const;

describe.runIf(postgresAvailable)('PostgreSQL without LISTEN/NOTIFY, advisory locks or named statements', () => {
  const admin = new pg.Client({ connectionString: postgresTestUrl });
  const schemas: string[] = [];
  const stores: Pick<Store, 'close'>[] = [];
  const freshSchema = () => {
    const schema = `sb_caps_${randomBytes(5).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  const basicStore = (schema: string, poolSize?: number) => {
    const store = new PostgresStore(postgresTestUrl, { schema, capabilities: none, ...(poolSize ? { poolSize } : {}) });
    stores.push(store);
    return store;
  };

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('is the driver of postgres-basic:// URLs, with every capability off', () => {
    const driver = driverFor(urlForDriver(postgresTestUrl, 'postgres-basic'))!;
    expect(driver.name).toBe('postgres-basic');
    expect(driver.capabilities).toEqual(none);
    expect(driverFor(postgresTestUrl)!.capabilities).toEqual({
      listenNotify: true,
      advisoryLocks: true,
      namedStatements: true,
    });
  });

  it('lets two nodes migrate the same fresh schema at once under the lock row; exactly one migrates', async () => {
    const schema = freshSchema();
    const reports = await Promise.all([basicStore(schema).migrate(), basicStore(schema).migrate()]);
    expect(reports.map((r) => r.from).sort((x, y) => x - y)).toEqual([0, latest]);
    const { rows } = await admin.query(`SELECT name FROM "${schema}".switchboard_locks`);
    expect(rows).toEqual([{ name: 'migrations' }]);
  });

  it('waits to migrate while another transaction holds the migration lock row', async () => {
    const schema = freshSchema();
    await basicStore(schema).migrate();
    const holder = new pg.Client({ connectionString: postgresTestUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT name FROM "${schema}".switchboard_locks WHERE name = 'migrations' FOR UPDATE`);
      let done = false;
      const migrating = basicStore(schema)
        .migrate()
        .then((report) => ((done = true), report));
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(done).toBe(false);
      await holder.query('COMMIT');
      expect(await migrating).toEqual({ from: latest, to: latest });
    } finally {
      await holder.end();
    }
  });

  it('holds a lock row taken while another transaction was creating it (first use of a name)', async () => {
    const schema = freshSchema();
    await basicStore(schema).migrate();
    const lock = transactionLock(false);
    const clients = [0, 1, 2].map(() => new pg.Client({ connectionString: postgresTestUrl }));
    await Promise.all(clients.map((client) => client.connect()));
    const [a, b, c] = clients as [pg.Client, pg.Client, pg.Client];
    const settled = (promise: Promise<unknown>) => {
      const state = { done: false };
      void promise.then(() => (state.done = true));
      return state;
    };
    const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
    try {
      for (const client of clients) await client.query(`SET search_path TO "${schema}"; BEGIN`);
      await lock(a, 'bundle/first-use'); // a creates the row, uncommitted
      const bLocked = lock(b, 'bundle/first-use');
      const bState = settled(bLocked);
      await pause();
      expect(bState.done).toBe(false);
      await a.query('COMMIT');
      await bLocked; // b now holds it: c must wait for b
      const cState = settled(lock(c, 'bundle/first-use'));
      await pause();
      expect(cState.done).toBe(false);
      await b.query('COMMIT');
      await pause();
      expect(cState.done).toBe(true);
      await c.query('COMMIT');
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });

  it('sends unnamed statements only: nothing is prepared on its connections', async () => {
    const store = basicStore(freshSchema(), 1);
    await store.migrate();
    for (let i = 0; i < 3; i++) await store.findAccountBySubdomain(`nobody${i}`);
    const pool = (store as unknown as { pool: pg.Pool }).pool;
    const { rows } = await pool.query('SELECT name FROM pg_prepared_statements');
    expect(rows).toEqual([]);
  });

  it('opens no LISTEN connection and sends no NOTIFY; another node’s change reaches listeners by its poll', async () => {
    const { url, schema, drop } = await createPostgresSchema();
    const basicUrl = urlForDriver(url, 'postgres-basic');
    const [a, b] = [await openStore(basicUrl), await openStore(basicUrl)];
    stores.push(a, b);
    await a.migrate();
    await b.migrate();
    const listener = new pg.Client({ connectionString: postgresTestUrl });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (message) => notified.push(message.payload ?? ''));
    await listener.query(`LISTEN ${configChangesChannel}`);
    try {
      const heard = new Promise<number>((resolve) => a.onConfigChanged(resolve));
      // a's poll learns where each account stands before b writes.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await b.createConfig(
        { accountId: 7, integration: 'crm' },
        { scope: 'across', configJson: '{}', nowSeconds: 1_700_000_000, actor: token },
      );
      const began = Date.now();
      expect(await heard).toBe(7);
      expect(Date.now() - began).toBeLessThan(3000);
      expect(notified.filter((payload) => payload.startsWith(`${schema}:`))).toEqual([]);
      const { rows } = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1`, [
        `switchboard-listen ${schema}`,
      ]);
      expect(rows).toEqual([]);
    } finally {
      await listener.end();
      await a.close();
      await b.close();
      await drop();
    }
  });
});
