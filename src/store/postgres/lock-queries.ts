/**
 * Transaction-scoped locks by name, two ways: an advisory lock, or (without advisory locks)
 * a row of `switchboard_locks` locked FOR UPDATE. Both are held until the transaction ends.
 */
export const lockSql = {
  /** Any constant will do, as long as every Switchboard uses the same one. */
  advisoryMigrationLock: `SELECT pg_advisory_xact_lock(8315122045027101529)`,
  advisoryLock: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
  /**
   * Not a numbered migration: the migrations themselves run under a lock in it. Created by
   * `migrate()` of a store without advisory locks, beside schema_migrations.
   */
  createLockTable: `CREATE TABLE IF NOT EXISTS switchboard_locks (name text PRIMARY KEY)`,
  /**
   * The lock row, created on first use. A new row is locked by its insert (a second inserter
   * waits for it at the unique index, then finds it committed and done with); an existing
   * one by FOR UPDATE.
   */
  rowLock: `
    WITH created AS (INSERT INTO switchboard_locks (name) VALUES ($1) ON CONFLICT (name) DO NOTHING)
    SELECT name FROM switchboard_locks WHERE name = $1 FOR UPDATE`,
} as const;
