import type pg from 'pg';
import { codeOf } from './connection-errors.js';
import { lockSql } from './lock-queries.js';

/** Held until `client`'s transaction ends: transactions locking the same name take turns. */
export type TransactionLock = (client: pg.ClientBase, name: string) => Promise<void>;

/** The lock by name, as the engine allows: an advisory lock, or a row of the lock table. */
export function transactionLock(advisoryLocks: boolean): TransactionLock {
  const statement = advisoryLocks ? lockSql.advisoryLock : lockSql.rowLock;
  return async (client, name) => {
    await client.query(statement, [name]);
  };
}

/** Inside the migration transaction, before reading the schema version: one migrator at a time. */
export async function lockMigrations(client: pg.ClientBase, advisoryLocks: boolean): Promise<void> {
  if (advisoryLocks) await client.query(lockSql.advisoryMigrationLock);
  else await transactionLock(false)(client, 'migrations');
}

/** A concurrent creator won the race for a schema or a table (it exists now): not a failure. */
const lostCreateRace = (error: unknown) => ['23505', '42P06', '42P07'].includes(codeOf(error) as string);

/**
 * Without advisory locks, before migrating: the schema (if the store has its own) and the
 * lock table, each created once however many nodes start together.
 */
export async function createLockTable(
  transaction: (work: (client: pg.PoolClient) => Promise<void>) => Promise<void>,
  createSchema: string | undefined,
): Promise<void> {
  try {
    await transaction(async (client) => {
      if (createSchema !== undefined) await client.query(createSchema);
      await client.query(lockSql.createLockTable);
    });
  } catch (error) {
    if (!lostCreateRace(error)) throw error;
  }
}
