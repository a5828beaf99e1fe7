import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import { storeDrivers } from '../../src/store/store-drivers.js';
import type { Store } from '../../src/store/store.js';
import { openTempSqlite } from './server.js';
import { pgBouncerProblem, startPgBouncer, type PgBouncer } from './pgbouncer.js';

/** A migrated store of one kind, with the URL a separate process can open it by. */
export interface OpenedStore {
  store: Store;
  url: string;
  cleanup: () => Promise<void>;
}

export interface StoreKind {
  /** The store driver's name (src/store/store-drivers.ts), or `pgbouncer`: `postgres-basic` through PgBouncer. */
  name: 'sqlite' | 'postgres' | 'postgres-basic' | 'pgbouncer';
  /** The SQL a test must write behind the store's back. */
  dialect: 'sqlite' | 'postgres';
  open: () => Promise<OpenedStore>;
}

/** The PostgreSQL server the tests use; CI starts one at this address. */
export const postgresTestUrl = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresTestUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

const postgresProblem = process.env.SWITCHBOARD_TEST_POSTGRES === 'off' ? 'turned off' : await postgresReachable();
if (postgresProblem && process.env.CI === 'true') {
  throw new Error(`CI needs PostgreSQL at ${postgresTestUrl}, and it is unreachable: ${postgresProblem}`);
}
if (postgresProblem && !(globalThis as { switchboardSkipNoted?: boolean }).switchboardSkipNoted) {
  (globalThis as { switchboardSkipNoted?: boolean }).switchboardSkipNoted = true;
  console.warn(
    `PostgreSQL suite skipped (${postgresProblem}): start PostgreSQL at ${postgresTestUrl} or set SWITCHBOARD_TEST_POSTGRES_URL.`,
  );
}

/** Whether the PostgreSQL variants run in this test run. */
export const postgresAvailable = postgresProblem === undefined;

/** A URL whose connections all use `schema` as their search path. */
export function postgresUrlWithSchema(schema: string): string {
  const url = new URL(postgresTestUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** A fresh schema on the test server, dropped by the returned function. */
export async function createPostgresSchema(): Promise<{ schema: string; url: string; drop: () => Promise<void> }> {
  const schema = `sb_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresTestUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  return {
    schema,
    url: postgresUrlWithSchema(schema),
    drop: async () => {
      const client = new pg.Client({ connectionString: postgresTestUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

/** A fresh database on the test server (made on the direct connection), dropped by the returned function. */
export async function createPostgresDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `sb_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresTestUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgresTestUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: postgresTestUrl });
      await client.connect();
      // FORCE: PgBouncer may still hold server connections to it.
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** The same database through another driver: its scheme instead of `postgres://`. */
export function urlForDriver(url: string, driverName: string): string {
  const driver = storeDrivers.find((d) => d.name === driverName)!;
  return url.replace(/^[a-z-]+:\/\//, driver.schemes[0]!);
}

async function openTempPostgres(driverName = 'postgres'): Promise<OpenedStore> {
  const created = await createPostgresSchema();
  const url = urlForDriver(created.url, driverName);
  const drop = created.drop;
  const store = await openStore(url);
  await store.migrate();
  return {
    store,
    url,
    cleanup: async () => {
      await store.close();
      await drop();
    },
  };
}

if (postgresProblem === undefined && pgBouncerProblem && process.env.CI === 'true') {
  throw new Error(`CI needs PgBouncer for the pgbouncer store profile: ${pgBouncerProblem}`);
}
if (
  postgresProblem === undefined &&
  pgBouncerProblem &&
  !(globalThis as { pgBouncerSkipNoted?: boolean }).pgBouncerSkipNoted
) {
  (globalThis as { pgBouncerSkipNoted?: boolean }).pgBouncerSkipNoted = true;
  console.warn(`PgBouncer store profile skipped (${pgBouncerProblem}).`);
}

let pgBouncer: Promise<PgBouncer> | undefined;
/** This test process's PgBouncer (transaction mode) in front of the test server: started once, stopped at exit. */
export function sharedPgBouncer(): Promise<PgBouncer> {
  pgBouncer ??= startPgBouncer(postgresTestUrl);
  return pgBouncer;
}

/**
 * A store through PgBouncer in transaction mode, on a database of its own (a transaction
 * pooler keeps no search_path): `postgres-basic://`, every capability off and no session state.
 */
async function openThroughPgBouncer(): Promise<OpenedStore> {
  const bouncer = await sharedPgBouncer();
  const database = await createPostgresDatabase();
  const url = urlForDriver(bouncer.urlFor(database.name), 'postgres-basic');
  const store = await openStore(url);
  await store.migrate();
  return {
    store,
    url,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
}

const sqliteKind: StoreKind = { name: 'sqlite', dialect: 'sqlite', open: openTempSqlite };
const postgresKind: StoreKind = { name: 'postgres', dialect: 'postgres', open: () => openTempPostgres() };
/** PostgreSQL with LISTEN/NOTIFY, advisory locks and named statements off: each one's fallback. */
const postgresBasicKind: StoreKind = {
  name: 'postgres-basic',
  dialect: 'postgres',
  open: () => openTempPostgres('postgres-basic'),
};

/** The postgres-basic profile through PgBouncer in transaction mode, isolated by database. */
const pgBouncerKind: StoreKind = { name: 'pgbouncer', dialect: 'postgres', open: openThroughPgBouncer };

/** Every store kind this run tests: SQLite always, PostgreSQL when reachable. */
export const storeKinds: StoreKind[] = postgresAvailable ? [sqliteKind, postgresKind] : [sqliteKind];

/**
 * The store kinds plus the driver profiles: for the store contract suites (test/store/) and
 * the change feed only, which prove each capability's fallback. Other tests use
 * {@link storeKinds}: a profile changes nothing above the store.
 */
export const storeProfiles: StoreKind[] = postgresAvailable
  ? [...storeKinds, postgresBasicKind, ...(pgBouncerProblem ? [] : [pgBouncerKind])]
  : storeKinds;
