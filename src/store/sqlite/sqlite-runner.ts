import Database from 'better-sqlite3';
import { driveSync, type SqlRunner, type Step, type WriteBody } from '../sql-runner.js';
import type { WriteQueue } from './group-commit.js';

/** A statement with `$1`, `$2`, … takes its parameters by number (named `1`, `2`, … in SQLite). */
const numbered = /\$\d/;

/**
 * SQLite binds no booleans: 1 and 0, as its columns hold them. An array (ids, say) is bound
 * as JSON text, which the statement reads with `json_each` (PostgreSQL takes it as an array).
 */
const bindable = (value: unknown) =>
  typeof value === 'boolean' ? Number(value) : Array.isArray(value) ? JSON.stringify(value) : value;

/**
 * The {@link SqlRunner} of the embedded SQLite store: reads on the store's connection at once,
 * every write through its group commit (a write's body runs synchronously inside the batch's
 * transaction, in its own savepoint).
 */
export class SqliteRunner implements SqlRunner {
  readonly dialect = 'sqlite';
  private readonly statements = new Map<string, { statement: Database.Statement; numbered: boolean }>();

  constructor(
    private readonly db: Database.Database,
    private readonly writes: WriteQueue,
  ) {}

  async rows<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.all(sql, params) as R[];
  }

  writeRows<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.writes.enqueue(() => this.all(sql, params) as R[]);
  }

  writeCount(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.writes.enqueue(() => this.count(sql, params));
  }

  write<T>(body: () => WriteBody<T>): Promise<T> {
    return this.writes.enqueue(() => driveSync(body(), (step) => this.answer(step)));
  }

  isUniqueViolation(error: unknown): boolean {
    return error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
  }

  /** One step of a write's body, answered at once. */
  answer(step: Step): unknown {
    return step.want === 'rows' ? this.all(step.sql, step.params) : this.count(step.sql, step.params);
  }

  private all(sql: string, params: readonly unknown[]): unknown[] {
    const { statement, numbered } = this.prepared(sql);
    return statement.all(...this.bound(params, numbered));
  }

  private count(sql: string, params: readonly unknown[]): number {
    const { statement, numbered } = this.prepared(sql);
    const bound = this.bound(params, numbered);
    return statement.reader ? statement.all(...bound).length : statement.run(...bound).changes;
  }

  private bound(params: readonly unknown[], byNumber: boolean): unknown[] {
    const values = params.map(bindable);
    return byNumber ? [Object.fromEntries(values.map((value, i) => [String(i + 1), value]))] : values;
  }

  /** Prepared on first use (the tables exist only once the store is migrated), then kept. */
  private prepared(sql: string): { statement: Database.Statement; numbered: boolean } {
    let entry = this.statements.get(sql);
    if (!entry) {
      entry = { statement: this.db.prepare(sql), numbered: numbered.test(sql) };
      this.statements.set(sql, entry);
    }
    return entry;
  }
}
