import { StoreUnavailableError } from '../../store/store-errors.js';
import type { ConfigRevision, IntegrationKey, ScopePattern } from '../../store/store.js';
import type { ChangeHub } from './change-hub.js';

/** A watcher fell below the retained history while it was connected: changes it had not read are gone. */
export class FeedCompactedError extends Error {
  constructor(readonly oldest: number) {
    super(`the feed's history was compacted past this watcher (oldest retained revision: ${oldest})`);
  }
}

/** A read of the feed did not answer within its bound: the database is silent or stalled (503). */
export class FeedStalledError extends StoreUnavailableError {
  constructor(readonly afterMs: number) {
    super(new Error(`a read of the change feed did not answer within ${afterMs} ms`));
  }
}

/** Most changes read (and sent) at once. */
export const changeBatchSize = 100;

export interface FollowerOptions {
  hub: ChangeHub;
  key: IntegrationKey;
  pattern: ScopePattern;
  /** The last revision the client has: the follower sends only later ones. */
  cursor: number;
  /**
   * Sends a batch, oldest first; resolves when the client can take more (backpressure).
   * `covered` is what {@link ChangeFollower.covered} becomes with this batch.
   */
  deliver: (changes: ConfigRevision[], covered: number) => void | Promise<void>;
  /** A read failed (or stalled): the follower has stopped. */
  onError: (error: unknown) => void;
  batchSize?: number;
  /** A read that takes longer than this fails with {@link FeedStalledError}; none by default. */
  stallMs?: number;
  /** After each read that answered: {@link ChangeFollower.confirmedAt} has moved. */
  onConfirmed?: () => void;
}

/**
 * One watcher's place in the feed. Every wake-up reads the store from the last revision
 * sent, so a change is sent once whether it arrives by its own notification, by a later
 * one or by the safety poll: the revisions table is the truth, the notification only says
 * "look". Reads never overlap; a wake-up during one makes the loop read again after it.
 */
export class ChangeFollower {
  private cursorRevision: number;
  private coveredRevision: number;
  private reading = false;
  private again = false;
  private closed = false;
  private unsubscribe: (() => void) | undefined;
  private confirmed: number | undefined;

  constructor(private readonly options: FollowerOptions) {
    this.cursorRevision = options.cursor;
    this.coveredRevision = options.cursor;
  }

  /** The last revision delivered (or the starting cursor). */
  get cursor(): number {
    return this.cursorRevision;
  }

  /**
   * The revision this watcher has seen everything up to: at least {@link cursor}, and past it
   * when later revisions were read and none matched. A client may resume from it: no change
   * it has not been sent is at or below it.
   */
  get covered(): number {
    return this.coveredRevision;
  }

  /**
   * `performance.now()` when the last read that answered began (undefined before the first):
   * every change committed before it has been read, so this watcher's view is current as of then.
   */
  get confirmedAt(): number | undefined {
    return this.confirmed;
  }

  /** Subscribes first, then reads: a change committed in between still wakes it. */
  start(): void {
    if (this.closed) return;
    this.unsubscribe = this.options.hub.watch(this.options.key.accountId, this.wake);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  readonly wake = (): void => {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    void this.follow();
  };

  private async follow(): Promise<void> {
    const { hub, key, pattern, deliver } = this.options;
    const limit = this.options.batchSize ?? changeBatchSize;
    this.reading = true;
    try {
      do {
        this.again = false;
        // From what it has covered: nothing it has not been sent is at or below that.
        const batch = await this.withinStallBound(hub.read(key, pattern, this.coveredRevision, limit));
        if (this.closed) return;
        // The shared read's start, not this watcher's: it may have joined one begun earlier.
        this.confirmed = batch.readAt;
        if (batch.oldest - 1 > this.coveredRevision) throw new FeedCompactedError(batch.oldest);
        // A shared read may hold what this watcher already has: never send a revision twice.
        const fresh = batch.changes.filter((change) => change.revision > this.coveredRevision);
        const full = batch.changes.length === limit;
        const last = fresh.at(-1)?.revision ?? this.coveredRevision;
        // Not full: nothing matched between the last change and `latest`.
        const covered = full ? last : Math.max(last, batch.latest);
        if (fresh.length > 0) {
          const delivered = deliver(fresh, covered);
          this.cursorRevision = last;
          this.coveredRevision = covered;
          await delivered;
        } else this.coveredRevision = covered;
        // A full batch: more may be waiting without a notification to say so.
        if (full && fresh.length > 0) this.again = true;
        if (!this.closed) this.options.onConfirmed?.();
      } while (this.again && !this.closed);
    } catch (error) {
      this.close();
      this.options.onError(error);
    } finally {
      this.reading = false;
    }
  }

  /** A read, failed with {@link FeedStalledError} when it takes longer than `stallMs` (it may still answer later, unread). */
  private withinStallBound<T>(read: Promise<T>): Promise<T> {
    const ms = this.options.stallMs;
    if (ms === undefined) return read;
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new FeedStalledError(ms)), ms);
    });
    return Promise.race([read, stalled]).finally(() => clearTimeout(timer));
  }
}
