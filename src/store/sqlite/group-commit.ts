import type { Database } from 'better-sqlite3';
import { StoreUnavailableError } from '../store-errors.js';

const closedStore = () => new StoreUnavailableError(new Error('the store is closed'));

/** What the write-side classes need: run a write inside the next batch's transaction. */
export interface WriteQueue {
  enqueue<T>(write: () => T): Promise<T>;
  /** Resolves once everything committed so far is durable (at once where COMMIT itself syncs). */
  durable?(): Promise<void>;
}

/** How a group commit makes a committed batch durable, when COMMIT itself does not. */
export interface GroupCommitOptions {
  /**
   * Resolves once every commit that returned before the call is on disk (`WalSync`). The
   * batch's writes are answered only then; meanwhile the next batch may commit.
   */
  durable?: () => Promise<void>;
  /** Called after each COMMIT (the checkpointer counts them). */
  committed?: () => void;
  /**
   * When another connection holds the write lock, wait for it on timers (up to this many
   * ms) rather than in SQLite's busy handler, which sleeps on the event loop.
   */
  lockWaitMs?: number;
}

const isBusy = (error: unknown) => (error as { code?: string } | undefined)?.code?.startsWith('SQLITE_BUSY') === true;

interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes queued during one event-loop turn run in one transaction with one
 * fsync, each inside its own savepoint so one failing write does not undo the others.
 * A promise resolves only once its batch is on disk: after COMMIT returns with
 * `synchronous=FULL`, or, with a `durable` option (`synchronous=NORMAL` and `WalSync`),
 * after the fdatasync that follows the COMMIT, which runs off the event loop while later
 * batches commit. So no request is answered before its write is durable.
 */
export class GroupCommit implements WriteQueue {
  private queue: PendingWrite[] = [];
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** While held, writes queue up but no batch starts (see `hold`). */
  private held = false;
  /** Resolves when the current holder releases: the next one waits for it. */
  private holders: Promise<void> = Promise.resolve();
  /** Batches committed whose sync has not finished yet. */
  private syncing = 0;
  /** Set once a batch could not be made durable: the store takes no more writes. */
  broken: Error | undefined;
  /** Transactions committed so far: fewer than writes when batching works. */
  committedBatches = 0;
  /** With `lockWaitMs`: when BEGIN first found the lock taken, and how long to wait next. */
  private busySince: number | undefined;
  private busyDelayMs = 1;

  constructor(
    private readonly db: Database,
    private readonly options: GroupCommitOptions = {},
  ) {}

  /** Runs `write` inside the next batch's transaction; resolves once the batch is durable. */
  enqueue<T>(write: () => T): Promise<T> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Resolves once everything committed so far is durable. */
  durable(): Promise<void> {
    return this.options.durable?.() ?? Promise.resolve();
  }

  /**
   * Resolves when every queued write has been committed (and synced) or refused; while
   * held, when the batches started before the hold have.
   */
  drained(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Waits for the queued writes to commit, then keeps the connection for the caller until
   * it calls the returned `release`: writes enqueued meanwhile wait instead of opening a
   * batch transaction inside the caller's own (backup export and import), or racing the
   * checkpointer's last step. Holders take turns.
   */
  async hold(): Promise<() => void> {
    const previous = this.holders;
    let next!: () => void;
    this.holders = new Promise((resolve) => (next = resolve));
    await previous;
    this.held = true;
    await this.drained();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held = false;
      next();
      this.schedule();
    };
  }

  private schedule(): void {
    if (this.scheduled || this.held || this.queue.length === 0) return;
    if (this.broken) {
      for (const write of this.queue.splice(0)) write.reject(this.broken);
      return;
    }
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    // A write after close() is refused, as it was on the retired writer thread, not thrown here.
    const refusal = this.broken ?? (this.db.open ? undefined : closedStore());
    if (refusal) {
      for (const write of batch) write.reject(refusal);
      this.notifyIdle();
      return;
    }
    if (!this.begin(batch)) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
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
      this.options.committed?.();
    } catch (error) {
      // BEGIN or COMMIT failed (disk full, database locked past the busy timeout):
      // nothing in this batch is durable, so every write in it fails.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const write of batch) write.reject(error);
      this.notifyIdle();
      return;
    }
    const answer = () =>
      batch.forEach((write, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) write.resolve(outcome.value);
        else write.reject(outcome.value);
      });
    if (!this.options.durable) {
      answer();
      this.notifyIdle();
      return;
    }
    // Committed but not yet on disk: answer once the sync is done. The next batch need not
    // wait for it (readers may see this batch meanwhile; none of its writers has an answer).
    this.syncing++;
    this.options
      .durable()
      .then(answer, (error: Error) => {
        // The batch is visible but perhaps not durable: fail it, and every write after it.
        this.broken ??= error;
        for (const write of batch) write.reject(error);
        for (const write of this.queue.splice(0)) write.reject(error);
      })
      .finally(() => {
        this.syncing--;
        this.notifyIdle();
      });
    this.notifyIdle();
  }

  /** No batch scheduled or awaiting its sync, and nothing queued (but for what waits for a holder). */
  private idle(): boolean {
    return !this.scheduled && this.syncing === 0 && (this.queue.length === 0 || this.held);
  }

  /**
   * BEGIN IMMEDIATE. With `lockWaitMs`, a taken lock puts the batch back and tries again on
   * a timer (1, 2, 4 … 16 ms apart), so reads go on meanwhile; past the wait the batch fails
   * as it would in SQLite's busy handler. False when the batch is not to run now.
   */
  private begin(batch: PendingWrite[]): boolean {
    const waitMs = this.options.lockWaitMs;
    if (waitMs === undefined) {
      try {
        this.db.exec('BEGIN IMMEDIATE');
        return true;
      } catch (error) {
        for (const write of batch) write.reject(error);
        this.notifyIdle();
        return false;
      }
    }
    this.db.exec('PRAGMA busy_timeout = 0');
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.busySince = undefined;
      this.busyDelayMs = 1;
      return true;
    } catch (error) {
      this.busySince ??= Date.now();
      if (!isBusy(error) || Date.now() - this.busySince >= waitMs) {
        this.busySince = undefined;
        this.busyDelayMs = 1;
        for (const write of batch) write.reject(error);
        this.notifyIdle();
        return false;
      }
      this.queue = batch.concat(this.queue);
      this.scheduled = true;
      setTimeout(() => this.flush(), this.busyDelayMs);
      this.busyDelayMs = Math.min(this.busyDelayMs * 2, 16);
      return false;
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${waitMs}`);
    }
  }

  private notifyIdle(): void {
    if (!this.idle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
