import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { openTempSqlite } from './server.js';

/** A migrated store of one kind, with the URL a separate process can open it by. */
export interface OpenedStore {
  store: Store;
  url: string;
  cleanup: () => Promise<void>;
}

export interface StoreKind {
  name: 'sqlite' | 'postgres';
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

async function openTempPostgres(): Promise<OpenedStore> {
  const { url, drop } = await createPostgresSchema();
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

const sqliteKind: StoreKind = { name: 'sqlite', open: openTempSqlite };
const postgresKind: StoreKind = { name: 'postgres', open: openTempPostgres };

/** Every store kind this run tests: SQLite always, PostgreSQL when reachable. */
export const storeKinds: StoreKind[] = postgresAvailable ? [sqliteKind, postgresKind] : [sqliteKind];
