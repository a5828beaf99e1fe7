import type pg from 'pg';
import { fileURLToPath } from 'node:url';
import { DatabaseTooNewError, readMigrations } from '../migration-files.js';
import type { MigrationReport } from '../store.js';
import { sql } from './queries.js';
import { createLockTable, lockMigrations } from './transaction-locks.js';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** A schema or table name as SQL: identifiers cannot be parameters. */
export const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Brings the database (and the store's own schema, if it has one) to the newest migration in
 * `migrations/`, each recorded with `nowSeconds`; refuses a database migrated by a newer
 * Switchboard. One transaction under one lock (advisory, or a row of the lock table): nodes
 * starting together take turns, the first migrates and the others find nothing left to do.
 * PostgreSQL DDL is transactional.
 */
export async function applyPostgresMigrations(options: {
  transaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
  schema: string | undefined;
  advisoryLocks: boolean;
  nowSeconds: () => number;
}): Promise<MigrationReport> {
  const { transaction, schema, advisoryLocks } = options;
  const migrations = readMigrations(migrationsFolder);
  const known = migrations.at(-1)?.version ?? 0;
  const createSchema = schema === undefined ? undefined : `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`;
  if (!advisoryLocks) await createLockTable(transaction, createSchema);
  return transaction(async (client) => {
    await lockMigrations(client, advisoryLocks);
    if (schema !== undefined) {
      const { rowCount } = await client.query(sql.schemaExists, [schema]);
      if (!rowCount) await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    }
    await client.query(sql.createMigrationsTable);
    const { rows } = await client.query<{ version: number | null }>(sql.currentSchemaVersion);
    const from = rows[0]?.version ?? 0;
    if (from > known) throw new DatabaseTooNewError(from, known);
    for (const migration of migrations.filter((m) => m.version > from)) {
      await client.query(migration.sql);
      await client.query(sql.recordMigration, [migration.version, migration.name, options.nowSeconds()]);
    }
    return { from, to: known };
  });
}
