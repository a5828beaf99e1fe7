import type { ConfigRevision, IntegrationKey, ScopePattern } from '../../store/store.js';
import type { ChangeHub } from './change-hub.js';

/** Most changes read (and sent) at once. */
export const changeBatchSize = 100;

export interface FollowerOptions {
  hub: ChangeHub;
  key: IntegrationKey;
  pattern: ScopePattern;
  /** The last revision the client has: the follower sends only later ones. */
  cursor: number;
  /** Sends a batch, oldest first; resolves when the client can take more (backpressure). */
  deliver: (changes: ConfigRevision[]) => void | Promise<void>;
  /** A read failed: the follower has stopped. */
  onError: (error: unknown) => void;
  batchSize?: number;
}

/**
 * One watcher's place in the feed. Every wake-up reads the store from the last revision
 * sent, so a change is sent once whether it arrives by its own notification, by a later
 * one or by the safety poll: the revisions table is the truth, the notification only says
 * "look". Reads never overlap; a wake-up during one makes the loop read again after it.
 */
export class ChangeFollower {
  private cursorRevision: number;
  private reading = false;
  private again = false;
  private closed = false;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: FollowerOptions) {
    this.cursorRevision = options.cursor;
  }

  /** The last revision delivered (or the starting cursor). */
  get cursor(): number {
    return this.cursorRevision;
  }

  /** Subscribes first, then reads: a change committed in between still wakes it. */
  start(): void {
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
        const read = await hub.read(key, pattern, this.cursorRevision, limit);
        if (this.closed) return;
        // A shared read may hold what this watcher already has: never send a revision twice.
        const fresh = read.filter((change) => change.revision > this.cursorRevision);
        if (fresh.length === 0) continue;
        const delivered = deliver(fresh);
        this.cursorRevision = fresh.at(-1)!.revision;
        await delivered;
        // A full batch: more may be waiting without a notification to say so.
        if (read.length === limit) this.again = true;
      } while (this.again && !this.closed);
    } catch (error) {
      this.close();
      this.options.onError(error);
    } finally {
      this.reading = false;
    }
  }
}
