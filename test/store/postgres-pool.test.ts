import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseHealth } from '../../src/store/database-health.js';
import { PostgresPool, type PoolBounds } from '../../src/store/postgres/postgres-pool.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { parsePostgresUrl } from '../../src/store/postgres/postgres-url.js';
import { postgresAvailable, postgresTestUrl, postgresUrlWithSchema } from '../helpers/stores.js';

const bounds: PoolBounds = {
  poolSize: 2,
  connectTimeoutMs: 2000,
  acquireTimeoutMs: 2000,
  queryTimeoutMs: 5000,
  statementTimeoutMs: 4000,
  lockTimeoutMs: 1500,
  idleInTransactionTimeoutMs: 7000,
  pooler: false,
};
const pools: PostgresPool[] = [];
const closers: Array<() => Promise<void>> = [];

function openPool(overrides: Partial<PoolBounds> = {}, url = postgresTestUrl) {
  const health = new DatabaseHealth();
  const pool = new PostgresPool({
    url: parsePostgresUrl(url),
    bounds: { ...bounds, ...overrides },
    health,
    onConnect: async () => {},
  });
  pools.push(pool);
  return { pool, health };
}

const show = async (pool: PostgresPool, name: string) =>
  (await pool.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name];

/** The pool's bounds on PostgreSQL (postgres-pool.ts), on the shared test server. */
describe.runIf(postgresAvailable)('PostgreSQL pool bounds', () => {
  afterAll(async () => {
    for (const pool of pools) await pool.end().catch(() => {});
    for (const close of closers) await close();
  });

  it('sets the server-side bounds on each direct connection, beside the URL’s own options', async () => {
    const { pool } = openPool({}, postgresUrlWithSchema('sb_pool_path'));
    expect(await show(pool, 'statement_timeout')).toBe('4s');
    expect(await show(pool, 'lock_timeout')).toBe('1500ms');
    expect(await show(pool, 'idle_in_transaction_session_timeout')).toBe('7s');
    expect(await show(pool, 'search_path')).toBe('sb_pool_path');
  });

  it('leaves them to the server behind a pooler, and names the ALTER ROLE to run when they are missing', async () => {
    const { pool } = openPool({ pooler: true });
    // The shared test server has none of them set.
    expect(await show(pool, 'statement_timeout')).toBe('0');
    expect(await pool.missingServerTimeouts()).toEqual([
      "ALTER ROLE CURRENT_USER SET statement_timeout = '4000ms'",
      "ALTER ROLE CURRENT_USER SET lock_timeout = '1500ms'",
      "ALTER ROLE CURRENT_USER SET idle_in_transaction_session_timeout = '7000ms'",
    ]);
  });

  it('in pooler mode, warns once at migrate() with what to run', async () => {
    // A database of its own: pooler mode keeps no session search_path, so it takes no schema.
    const database = `sb_pooler_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresTestUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const url = new URL(postgresTestUrl);
    url.pathname = `/${database}`;
    const health = new DatabaseHealth();
    const store = new PostgresStore(url.toString(), { pooler: true, databaseHealth: health });
    closers.push(async () => {
      await store.close();
      const dropper = new pg.Client({ connectionString: postgresTestUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await dropper.end();
    });
    await store.migrate();
    expect(health.warnings).toHaveLength(1);
    expect(health.warnings[0]).toContain("run: ALTER ROLE CURRENT_USER SET statement_timeout = '10000ms'");
  });

  it('discards a connection whose statement outlived the query timeout, and the next statement runs on a new one', async () => {
    const { pool, health } = openPool({ queryTimeoutMs: 300, statementTimeoutMs: 0 });
    const pid = async () => (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const before = await pid();
    await expect(pool.query('SELECT pg_sleep(2)')).rejects.toThrow('Query read timeout');
    expect(health.counters).toMatchObject({ queryTimeouts: 1, discarded: 1, renewals: 1 });
    expect(pool.stats()).toMatchObject({ total: 0 });
    expect(await pid()).not.toBe(before);
  });

  it('keeps a connection whose statement the server cancelled at statement_timeout: it is still sound', async () => {
    const { pool, health } = openPool({ statementTimeoutMs: 200 });
    const pid = async () => (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const before = await pid();
    await expect(pool.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
    expect(health.counters).toMatchObject({ serverTimeouts: 1, discarded: 0, renewals: 0 });
    expect(await pid()).toBe(before);
  });

  it('discards a connection the server terminated (57P01) and re-makes the pool', async () => {
    const { pool, health } = openPool();
    const victim = await pool.connect();
    const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const idle = await pool.connect();
    pool.release(idle);
    // Caught at once: the victim's error may arrive before the terminating query's answer,
    // and a rejection with no handler yet fails the run.
    const running = victim.query('SELECT pg_sleep(5)').catch((e: unknown) => e);
    await pool.query('SELECT pg_terminate_backend($1)', [pid]);
    const error = await running;
    expect(error).toMatchObject({ code: '57P01' });
    pool.release(victim, error);
    expect(health.counters).toMatchObject({ discarded: 1, renewals: 1 });
    // The idle connection of the old pool is closed too; new statements run on new connections.
    expect(pool.stats()).toMatchObject({ total: 0 });
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  // Debian's socket directory for the shared server; elsewhere the test server may have none.
  it.runIf(existsSync('/var/run/postgresql/.s.PGSQL.5432'))(
    'connects through a Unix socket named in the authority (percent-encoded) or as the host parameter',
    async () => {
      for (const url of [
        'postgres://postgres@%2Fvar%2Frun%2Fpostgresql:5432/test',
        'postgres://postgres@/test?host=/var/run/postgresql',
      ]) {
        const { pool } = openPool({}, url);
        const { rows } = await pool.query<{ socket: boolean }>('SELECT inet_server_addr() IS NULL AS socket');
        expect(rows, url).toEqual([{ socket: true }]);
      }
    },
  );

  it('gives up waiting for a connection at the acquire timeout', async () => {
    const { pool, health } = openPool({ poolSize: 1, acquireTimeoutMs: 300 });
    const held = await pool.connect();
    const started = performance.now();
    await expect(pool.connect()).rejects.toThrow('timeout exceeded when trying to connect');
    expect(performance.now() - started).toBeLessThan(1300);
    expect(health.counters).toMatchObject({ poolWaits: 1, acquireTimeouts: 1 });
    pool.release(held);
  });
});
