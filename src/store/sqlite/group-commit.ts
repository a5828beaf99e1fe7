import type { Database } from 'better-sqlite3';

/** What the write-side classes need: run a write inside the next batch's transaction. */
export interface WriteQueue {
  enqueue<T>(write: () => T): Promise<T>;
}

/**
 * The main thread's queue when a writer thread owns the writes: every write method is
 * forwarded there, so a write reaching this queue is a method missing from a forward list.
 */
export const writesBelongToTheWriterThread: WriteQueue = {
  enqueue: () =>
    Promise.reject(
      new Error('SqliteStore: a write ran on the main thread; list its method among the forwarded writes'),
    ),
};

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes queued during one event-loop turn run in one transaction with one
 * fsync, each inside its own savepoint so one failing write does not undo the others.
 * A promise resolves only after COMMIT returns, that is after the WAL is on disk
 * (`synchronous=FULL`), so no request is answered before its write is durable.
 */
export class GroupCommit implements WriteQueue {
  private queue: PendingWrite[] = [];
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** While held, writes queue up but no batch starts (see `hold`). */
  private held = false;
  /** Transactions committed so far: fewer than writes when batching works. */
  committedBatches = 0;

  constructor(private readonly db: Database) {}

  /** Runs `write` inside the next batch's transaction; resolves once the batch is committed. */
  enqueue<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Resolves when every queued write has been committed or refused. */
  drained(): Promise<void> {
    if (!this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Waits for the queued writes to commit, then keeps the connection for the caller until
   * it calls the returned `release`: writes enqueued meanwhile wait instead of opening a
   * batch transaction inside the caller's own (backup export and import).
   */
  async hold(): Promise<() => void> {
    if (this.held) throw new Error('GroupCommit: the connection is already held');
    this.held = true;
    await this.drained();
    return () => {
      this.held = false;
      this.schedule();
    };
  }

  private schedule(): void {
    if (this.scheduled || this.held || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const write of batch) {
        this.db.exec('SAVEPOINT write');
        try {
          outcomes.push({ ok: true, value: write.run() });
          this.db.exec('RELEASE write');
        } catch (error) {
          this.db.exec('ROLLBACK TO write');
          this.db.exec('RELEASE write');
          outcomes.push({ ok: false, value: error });
        }
      }
      this.db.exec('COMMIT');
      this.committedBatches++;
    } catch (error) {
      // BEGIN or COMMIT failed (disk full, database locked past the busy timeout):
      // nothing in this batch is durable, so every write in it fails.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const write of batch) write.reject(error);
      this.notifyIdle();
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.value);
    });
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.scheduled || this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
