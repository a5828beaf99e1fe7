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
   * The lock row, created on first use, and locked in the same statement: an upsert whose
   * DO UPDATE takes the row lock, waiting for whoever holds it (or is inserting it) to
   * finish. (An `INSERT … DO NOTHING` in a CTE beside `SELECT … FOR UPDATE` is not enough:
   * both read the statement's one snapshot, so a row another transaction committed while
   * this one waited at the unique index is invisible to the SELECT, which then locks nothing.)
   */
  rowLock: `
    INSERT INTO switchboard_locks (name) VALUES ($1)
    ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name`,
} as const;
