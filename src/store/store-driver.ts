import type { Clock } from '../clock.js';
import type { PostgresSettings } from '../postgres-settings.js';
import type { SqliteOptions } from './sqlite/sqlite-store.js';
import type { StoreStorage } from './wrap-store.js';

/**
 * What a database engine offers that the store would otherwise work around. Each flag has a
 * real use and a fallback (docs/ARCHITECTURE.md, "Driver profiles"):
 */
export interface DriverCapabilities {
  /** LISTEN/NOTIFY: other nodes' config changes wake the feed at once; else the store polls for them. */
  listenNotify: boolean;
  /** Advisory locks for migrations and bundle uploads; else a row of a lock table, locked FOR UPDATE. */
  advisoryLocks: boolean;
  /** Named (server-side prepared) statements; else unnamed ones, as a transaction-mode pooler needs. */
  namedStatements: boolean;
}

/** What `openStore` passes on to a driver. */
export type StoreOptions = SqliteOptions & {
  clock?: Clock;
  postgresPullBatch?: number;
  /** PostgreSQL: pool size and bounds (settings.ts); PostgresOptions' defaults when absent. */
  postgres?: PostgresSettings;
  /**
   * PostgreSQL (`SWITCHBOARD_POSTGRES_STATEMENTS`): `unnamed` for a transaction-mode pooler
   * (PgBouncer): no named prepared statements, no session state, no LISTEN on the pooled URL.
   */
  postgresStatements?: 'named' | 'unnamed';
  /** PostgreSQL: a direct URL (not through a pooler) for LISTEN/NOTIFY. */
  postgresListenUrl?: string;
};

/** SQL behind a store's back, on the database a URL names: for tests and tools, never for the store itself. */
export interface RawSql {
  /** Runs one or more statements without parameters. */
  exec(statements: string): Promise<void>;
  /** The rows of one statement, `?` (SQLite) or `$1` (PostgreSQL) for its parameters. */
  rows<T>(statement: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * One way to open a store: the URL schemes it answers to, what its engine can do, how it
 * opens a store, and a raw connection for tests. A third engine is a driver, not a fork.
 */
export interface StoreDriver {
  /** The driver's name, as the tests and the docs call it (`sqlite`, `postgres`, `postgres-basic`). */
  name: string;
  /** The SQL dialect its statements are written in (src/store/sqlite or src/store/postgres). */
  dialect: 'sqlite' | 'postgres';
  /** URL prefixes it opens, e.g. `postgres://`. */
  schemes: readonly string[];
  capabilities: DriverCapabilities;
  /** A store on the database `url` names, unwrapped (`openStore` wraps it); not migrated. */
  open(url: string, options: StoreOptions): Promise<StoreStorage>;
  /** A connection for SQL the store would refuse (set-up of a future migration, checks its contract cannot make). */
  connectRaw(url: string): Promise<RawSql>;
}
