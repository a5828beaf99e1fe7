import type { RawSql, DriverCapabilities, StoreDriver, StoreOptions } from './store-driver.js';

const everything: DriverCapabilities = { listenNotify: true, advisoryLocks: true, namedStatements: true };
const none: DriverCapabilities = { listenNotify: false, advisoryLocks: false, namedStatements: false };

async function sqliteRaw(url: string): Promise<RawSql> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(url.slice('sqlite:'.length));
  return {
    exec: async (statements) => {
      db.exec(statements);
    },
    rows: async <T>(statement: string, values: unknown[] = []) => db.prepare(statement).all(...values) as T[],
    close: async () => {
      db.close();
    },
  };
}

/** The connection string pg understands: a profile's own scheme becomes `postgres://`. */
export function postgresConnectionString(url: string): string {
  return url.replace(/^postgres-basic:\/\//, 'postgres://');
}

async function postgresRaw(url: string): Promise<RawSql> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: postgresConnectionString(url) });
  await client.connect();
  return {
    exec: async (statements) => {
      await client.query(statements);
    },
    rows: async <T>(statement: string, values: unknown[] = []) => (await client.query(statement, values)).rows as T[],
    close: () => client.end(),
  };
}

function postgresDriver(
  name: string,
  schemes: string[],
  capabilities: DriverCapabilities,
  profile: { pooler: boolean },
): StoreDriver {
  return {
    name,
    dialect: 'postgres',
    schemes,
    capabilities,
    open: async (url: string, options: StoreOptions) => {
      const { PostgresStore } = await import('./postgres/postgres-store.js');
      const { postgresMode } = await import('./postgres/pooler-mode.js');
      const mode = postgresMode({ capabilities, pooler: profile.pooler }, options);
      return new PostgresStore(postgresConnectionString(url), {
        // Pool size and bounds (settings); the mode's fields below are the driver's to set.
        ...options.postgres,
        clock: options.clock,
        cipher: options.cipher,
        configHistory: options.configHistory,
        pullBatch: options.postgresPullBatch,
        capabilities: mode.capabilities,
        pooler: mode.pooler,
        ...(mode.listenUrl === undefined ? {} : { listenUrl: mode.listenUrl }),
      });
    },
    connectRaw: postgresRaw,
  };
}

/** Every store driver, by the URL schemes it opens. */
export const storeDrivers: readonly StoreDriver[] = [
  {
    name: 'sqlite',
    dialect: 'sqlite',
    schemes: ['sqlite:'],
    // One process writes; none of the three applies.
    capabilities: none,
    open: async (url, options) => {
      const { SqliteStore } = await import('./sqlite/sqlite-store.js');
      return new SqliteStore(url.slice('sqlite:'.length), options);
    },
    connectRaw: sqliteRaw,
  },
  // SWITCHBOARD_POSTGRES_STATEMENTS=unnamed puts it in pooler mode (postgres/pooler-mode.ts).
  postgresDriver('postgres', ['postgres://', 'postgresql://'], everything, { pooler: false }),
  // PostgreSQL with every capability off and no session state: what a transaction-mode
  // pooler (PgBouncer) or a PostgreSQL-wire engine without LISTEN/NOTIFY and advisory locks can serve.
  postgresDriver('postgres-basic', ['postgres-basic://'], none, { pooler: true }),
];

/** The driver for a database URL, or undefined for a scheme no driver opens. */
export function driverFor(url: string): StoreDriver | undefined {
  return storeDrivers.find((driver) => driver.schemes.some((scheme) => url.startsWith(scheme)));
}
