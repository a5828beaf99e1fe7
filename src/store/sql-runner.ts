// One seam for the sub-stores both engines run alike (the ZIS registry, grants, …): a class
// written once over this runner, with its statements rendered per dialect. A write that runs
// several statements is a generator: it yields each statement and gets its answer back, so
// the same body runs synchronously inside SQLite's group commit and awaited in a
// PostgreSQL transaction.

/** The SQL dialect a runner speaks (which statements it takes). */
export type Dialect = 'sqlite' | 'postgres';

/** One statement a write's body asks for: its rows, or how many rows it changed. */
export interface Step {
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly want: 'rows' | 'count';
}

/** A write's body: yields statements, receives each one's answer, returns the write's result. */
export type WriteBody<T> = Generator<Step, T, unknown>;

/**
 * Runs statements on one store. Parameters are positional in the statement's order (`?` or
 * `$n`); booleans are bound as the engine stores them, an array as an array (PostgreSQL) or
 * JSON text (SQLite, read with `json_each`).
 */
export interface SqlRunner {
  readonly dialect: Dialect;
  /** A read: its rows (SQLite answers from its own connection at once). */
  rows<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** One write statement on its own: its rows (`RETURNING`). */
  writeRows<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** One write statement on its own: how many rows it changed. */
  writeCount(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * `body`'s statements in one transaction, all or nothing. With `lock`, the transaction
   * first takes that named lock (writes of one name take turns; SQLite's writes always do).
   */
  write<T>(body: () => WriteBody<T>, options?: { lock?: string }): Promise<T>;
  /** Whether `error` is a unique constraint refusing a row. */
  isUniqueViolation(error: unknown): boolean;
}

/** Inside a write's body: `const rows = yield* rowsOf<R>(sql, params)`. */
export function* rowsOf<R>(sql: string, params: readonly unknown[]): Generator<Step, R[], unknown> {
  return (yield { sql, params, want: 'rows' }) as R[];
}

/** Inside a write's body: `const changed = yield* countOf(sql, params)`. */
export function* countOf(sql: string, params: readonly unknown[]): Generator<Step, number, unknown> {
  return (yield { sql, params, want: 'count' }) as number;
}

/** Runs `body` to its end, answering each statement with `answer` (synchronous). */
export function driveSync<T>(body: WriteBody<T>, answer: (step: Step) => unknown): T {
  let next = body.next();
  while (!next.done) next = body.next(answer(next.value));
  return next.value;
}

/** Runs `body` to its end, answering each statement with `answer` (awaited). */
export async function driveAsync<T>(body: WriteBody<T>, answer: (step: Step) => Promise<unknown>): Promise<T> {
  let next = body.next();
  while (!next.done) next = body.next(await answer(next.value));
  return next.value;
}
