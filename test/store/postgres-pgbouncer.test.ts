import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/store/migration-files.js';
import { openStore } from '../../src/store/open-store.js';
import type { StoreOptions } from '../../src/store/store-driver.js';
import type { Actor, IntegrationKey, Store } from '../../src/store/store.js';
import type { PgBouncer } from '../helpers/pgbouncer.js';
import { createTenant } from '../helpers/server.js';
import { createPostgresDatabase, sharedPgBouncer, storeProfiles } from '../helpers/stores.js';

const latest = readMigrations(fileURLToPath(new URL('../../src/store/postgres/migrations', import.meta.url))).at(
  -1,
)!.version;
const now = 1_700_000_000;
const actor: Actor = { type: 'token', id: '1', requestId: 'req-1' };

/** Resolves with the next account id a listener hears, or undefined after `ms`. */
function nextChange(store: Store, ms: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stop();
      resolve(undefined);
    }, ms);
    const stop = store.onConfigChanged((accountId) => {
      clearTimeout(timer);
      stop();
      resolve(accountId);
    });
  });
}

/**
 * `SWITCHBOARD_POSTGRES_STATEMENTS=unnamed` behind PgBouncer in transaction mode (the usual
 * pooler setting): what the contract suites' `pgbouncer` profile does not show, with the
 * `postgres://` driver as an operator runs it. Each test has a database of its own.
 */
describe.runIf(storeProfiles.some((kind) => kind.name === 'pgbouncer'))('PostgreSQL through PgBouncer', () => {
  let bouncer: PgBouncer;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    bouncer = await sharedPgBouncer();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** A fresh database: its direct URL, and its URL through PgBouncer. */
  async function freshDatabase(): Promise<{ direct: string; pooled: string; name: string }> {
    const database = await createPostgresDatabase();
    cleanups.push(database.drop);
    return { direct: database.url, pooled: bouncer.urlFor(database.name), name: database.name };
  }
  async function open(url: string, options: StoreOptions = {}): Promise<Store> {
    const store = await openStore(url, options);
    cleanups.push(() => store.close());
    return store;
  }
  async function directRows<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }
  /** The sessions on a database that LISTEN, whoever opened them. */
  const listeningSessions = async (direct: string, name: string) =>
    Number(
      (
        await directRows<{ n: string }>(
          direct,
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN %'`,
          [name],
        )
      )[0]!.n,
    );

  it('is a transaction pooler: a named statement prepared by one client is taken on the next one’s', async () => {
    const { pooled } = await freshDatabase();
    const [a, b] = [new pg.Client({ connectionString: pooled }), new pg.Client({ connectionString: pooled })];
    await Promise.all([a.connect(), b.connect()]);
    try {
      const named = { name: 'sb_same_text', text: 'SELECT $1::int AS n', values: [1] };
      await a.query(named);
      // One server connection so far: PgBouncer hands it to b, where the name is taken.
      await expect(b.query(named)).rejects.toThrow(/prepared statement "sb_same_text" already exists/);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('serves two nodes’ concurrent reads and writes with unnamed statements; named ones fail there', async () => {
    const { pooled } = await freshDatabase();
    // An error and its cause: a protocol error from the pooler (08P01) answers as "unavailable", the cause says why.
    const described = (error: unknown) =>
      `${String(error)} ${String((error as { cause?: { message?: string } }).cause?.message ?? '')}`;
    const load = async (stores: Store[]) => {
      const tenant = await createTenant(stores[0]!, `t${stores.length}${Date.now()}`, ['crm']).catch(
        (error: unknown) => ({ error }),
      );
      if ('error' in tenant) return [described(tenant.error)];
      const key: IntegrationKey = { accountId: tenant.accountId, integration: 'crm' };
      const results = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) => {
          const store = stores[i % stores.length]!;
          return i % 3 === 0
            ? store.createConfig(key, { scope: `s/${i}`, configJson: '{"a":1}', nowSeconds: now, actor })
            : store.getConfig(key, `s/${i - (i % 3)}`);
        }),
      );
      return results.filter((r) => r.status === 'rejected').map((r) => described((r as PromiseRejectedResult).reason));
    };
    const unnamed = [await open(pooled, { postgresStatements: 'unnamed' })];
    await unnamed[0]!.migrate();
    unnamed.push(await open(pooled, { postgresStatements: 'unnamed' }));
    expect(await load(unnamed)).toEqual([]);
    // The failure, so the test above can fail: named statements through the same pooler.
    // Server-side bounds left to the server: their start-up `options` would be refused by the pooler first.
    const leftToServer = {
      postgres: {
        poolSize: 10,
        connectTimeoutMs: 5000,
        acquireTimeoutMs: 5000,
        queryTimeoutMs: 10_000,
        statementTimeoutMs: 0,
        lockTimeoutMs: 0,
        idleInTransactionTimeoutMs: 0,
      },
    };
    const named = [await open(pooled, leftToServer), await open(pooled, leftToServer)];
    const failures = await load(named);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.join('\n')).toMatch(/prepared statement "sb_\w+" (already exists|does not exist)/);
  });

  it('migrates a fresh database once when two nodes migrate through it at once (transaction-scoped advisory lock)', async () => {
    const { pooled, direct } = await freshDatabase();
    const nodes = [
      await open(pooled, { postgresStatements: 'unnamed' }),
      await open(pooled, { postgresStatements: 'unnamed' }),
    ];
    const reports = await Promise.all(nodes.map((node) => node.migrate()));
    expect(reports.map((r) => r.from).sort((x, y) => x - y)).toEqual([0, latest]);
    expect(reports.every((r) => r.to === latest)).toBe(true);
    const rows = await directRows<{ version: number }>(
      direct,
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((r) => r.version)).toEqual([...new Set(rows.map((r) => r.version))]);
    expect(rows.at(-1)!.version).toBe(latest);
    // The advisory lock served: no lock table was needed.
    expect(await directRows(direct, `SELECT 1 FROM pg_tables WHERE tablename = 'switchboard_locks'`)).toEqual([]);
  });

  it('hears another node’s change through NOTIFY on a direct LISTEN URL', async () => {
    const { pooled, direct, name } = await freshDatabase();
    const options: StoreOptions = { postgresStatements: 'unnamed', postgresListenUrl: direct };
    const [a, b] = [await open(pooled, options), await open(pooled, options)];
    await a.migrate();
    const tenant = await createTenant(b, 'listen', ['crm']);
    const heard = nextChange(a, 10_000);
    // The LISTEN connection is direct (PgBouncer would not pass a notification on): wait for it.
    await expect.poll(() => listeningSessions(direct, name), { timeout: 5000 }).toBe(1);
    const key = { accountId: tenant.accountId, integration: 'crm' };
    expect(await b.createConfig(key, { scope: 'x', configJson: '{}', nowSeconds: now, actor })).not.toBe('exists');
    expect(await heard).toBe(tenant.accountId);
  });

  it('polls for another node’s change without a LISTEN URL: it still arrives, and nothing LISTENs', async () => {
    const { pooled, direct, name } = await freshDatabase();
    const options: StoreOptions = { postgresStatements: 'unnamed' };
    const [a, b] = [await open(pooled, options), await open(pooled, options)];
    await a.migrate();
    const tenant = await createTenant(b, 'poll', ['crm']);
    const heard = nextChange(a, 10_000);
    // Let a's first poll see the counters as they are before the write.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const key = { accountId: tenant.accountId, integration: 'crm' };
    expect(await b.createConfig(key, { scope: 'x', configJson: '{}', nowSeconds: now, actor })).not.toBe('exists');
    expect(await heard).toBe(tenant.accountId);
    expect(await listeningSessions(direct, name)).toBe(0);
  });

  it('counts auth failures from two nodes through it: the limiter’s own named statements go unnamed', async () => {
    const { pooled } = await freshDatabase();
    const nodes = [
      await open(pooled, { postgresStatements: 'unnamed' }),
      await open(pooled, { postgresStatements: 'unnamed' }),
    ];
    await nodes[0]!.migrate();
    const limits = { perAddress: 1000, perCredential: 5, windowSeconds: 60 };
    const limiters = nodes.map((node) => node.createFailureLimiter(limits));
    const counts = await Promise.all(
      Array.from({ length: 12 }, (_, i) => limiters[i % 2]!.recordFailure(`10.0.0.${i}`, 'guessed')),
    );
    // Five pass, the other seven are past the limit: every failure was counted, by either node.
    expect(counts.filter((count) => count.limited)).toHaveLength(7);
  });

  it('refuses a schema of its own in pooler mode: a transaction pooler keeps no search_path', async () => {
    const { PostgresStore } = await import('../../src/store/postgres/postgres-store.js');
    const { pooled } = await freshDatabase();
    expect(() => new PostgresStore(pooled, { schema: 'elsewhere', pooler: true })).toThrow(/search_path/);
  });
});
