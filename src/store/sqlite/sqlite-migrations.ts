import type Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { DatabaseTooNewError, readMigrations } from '../migration-files.js';
import type { MigrationReport } from '../store.js';
import { sql } from './queries.js';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * Brings the database to the newest migration in `migrations/`, each recorded with
 * `nowSeconds`; refuses a database migrated by a newer Switchboard. Not yet durable when it
 * returns on a connection whose COMMIT does not fsync (the caller syncs).
 */
export function applyMigrations(db: Database.Database, nowSeconds: number): MigrationReport {
  const migrations = readMigrations(migrationsFolder);
  const known = migrations.at(-1)?.version ?? 0;
  db.exec(sql.createMigrationsTable);
  // IMMEDIATE takes the write lock first, so two processes starting at once migrate once.
  return db
    .transaction((): MigrationReport => {
      const from = (db.prepare(sql.currentSchemaVersion).pluck().get() as number | null) ?? 0;
      if (from > known) throw new DatabaseTooNewError(from, known);
      for (const migration of migrations.filter((m) => m.version > from)) {
        db.prepare(sql.recordMigration).run(migration.version, migration.name, nowSeconds);
        db.exec(migration.sql);
      }
      return { from, to: known };
    })
    .immediate();
}
