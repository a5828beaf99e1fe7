import type pg from 'pg';
import { driveAsync, type SqlRunner, type Step, type WriteBody } from '../sql-runner.js';
import { isUniqueViolation } from './connection-errors.js';
import type { TransactionLock } from './transaction-locks.js';

/**
 * The store's pool as its sub-stores reach it (`PostgresAccess`, restated: no import cycle),
 * and (if it offers one) the row count of a statement.
 */
export interface CountingAccess {
  /** One statement on any pooled connection (autocommit). */
  rows<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** `work` in a transaction on one connection: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** One statement on any pooled connection: how many rows it changed. */
  result?(text: string, values: unknown[]): Promise<number>;
}

/**
 * The {@link SqlRunner} of the PostgreSQL store: one statement is autocommit on any pooled
 * connection; a write's body runs in one transaction on one connection, its named lock (if
 * any) taken first.
 */
export class PostgresRunner implements SqlRunner {
  readonly dialect = 'postgres';

  constructor(
    private readonly db: CountingAccess,
    /** How a write takes its named lock; a runner without one takes no write with `lock`. */
    private readonly lock?: TransactionLock,
  ) {}

  rows<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.db.rows<R & pg.QueryResultRow>(sql, [...params]);
  }

  writeRows<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.rows<R>(sql, params);
  }

  writeCount(sql: string, params: readonly unknown[] = []): Promise<number> {
    if (this.db.result) return this.db.result(sql, [...params]);
    return this.db.transaction(async (client) => (await client.query(sql, [...params])).rowCount ?? 0);
  }

  write<T>(body: () => WriteBody<T>, options: { lock?: string } = {}): Promise<T> {
    return this.db.transaction(async (client) => {
      if (options.lock !== undefined) {
        if (!this.lock) throw new Error(`PostgresRunner: no lock for ${options.lock}`);
        await this.lock(client, options.lock);
      }
      return driveAsync(body(), (step) => answer(client, step));
    });
  }

  isUniqueViolation(error: unknown): boolean {
    return isUniqueViolation(error);
  }
}

/** One step of a write's body, on the transaction's connection. */
export async function answer(client: pg.ClientBase, step: Step): Promise<unknown> {
  const result = await client.query(step.sql, [...step.params]);
  return step.want === 'rows' ? result.rows : (result.rowCount ?? 0);
}
