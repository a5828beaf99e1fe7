import pg from 'pg';
import type { Clock } from '../../clock.js';
import type { DatabaseHealth } from '../database-health.js';
import type { ValueCipher } from '../encryption/value-cipher.js';
import type { DriverCapabilities } from '../store-driver.js';
import type { PoolBounds } from './postgres-pool.js';

/** The pool's size and bounds (postgres-pool.ts: `PoolBounds`, each with its default), and: */
export interface PostgresOptions extends Partial<PoolBounds> {
  /** A schema to work in instead of the search_path's default; created by `migrate()`. */
  schema?: string;
  /** Where availability changes, counters and warnings go; a new one by default. */
  databaseHealth?: DatabaseHealth;
  /** Dates the migrations it applies; the system clock by default. */
  clock?: Clock;
  /** Encrypts instances' metadata and state; none (plaintext) by default. */
  cipher?: ValueCipher;
  /** Config writes record revisions (default); false only to measure what history costs. */
  configHistory?: boolean;
  /** Most finished pulls recorded in one transaction (default 64; 1: one transaction per pull). */
  pullBatch?: number;
  /** How often revisions a stopped node left unnumbered are numbered (default 10 s; also once at migrate()). */
  revisionSweepMs?: number;
  /** What the server offers (store-driver.ts); all of it by default. */
  capabilities?: DriverCapabilities;
  /** A direct URL for the LISTEN connection (`SWITCHBOARD_POSTGRES_LISTEN_URL`; default: the store's URL). */
  listenUrl?: string;
}

export const allCapabilities: DriverCapabilities = { listenNotify: true, advisoryLocks: true, namedStatements: true };

/** bigint (int8) columns as JS numbers, for this pool only: pg's global parsers stay as they are. */
export const int8AsNumber: pg.CustomTypesConfig = {
  getTypeParser: (oid, format) =>
    oid === pg.types.builtins.INT8 && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format),
};
