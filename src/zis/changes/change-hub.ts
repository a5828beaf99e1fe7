import type { ConfigRevision, ConfigStore, IntegrationKey, ScopePattern } from '../../store/store.js';

/** What the feed needs of the store. */
export type ChangeSource = Pick<ConfigStore, 'listConfigChanges' | 'onConfigChanged' | 'revisionBounds'>;

/** One read of a feed: its changes, and the account's revision bounds read just before them. */
export interface ChangeBatch {
  changes: ConfigRevision[];
  /** The account's newest committed revision before the changes were read: every change up to it is in `changes` (unless the batch is full). */
  latest: number;
  /** The oldest revision still retained: a cursor below `oldest - 1` has lost changes to compaction. */
  oldest: number;
  /** `performance.now()` when the read began: every change committed before then is in it (up to `latest`). */
  readAt: number;
}

/**
 * One node's wake-ups for every watcher: a single subscription to the store's change
 * notifications (this node's writes, and on PostgreSQL every node's), fanned out to the
 * watchers of the account that changed, plus a slow poll of every watched account as a
 * safety net for a lost notification or a write by another process on SQLite.
 *
 * Reads go through {@link read}: watchers at the same place in the same feed, woken by the
 * same notification, share one query instead of each sending their own.
 */
export class ChangeHub {
  private readonly watchers = new Map<number, Set<() => void>>();
  /** Per account, how many wake-ups so far: a read joins only reads started after the latest. */
  private readonly generations = new Map<number, number>();
  private readonly reads = new Map<string, Promise<ChangeBatch>>();
  private readonly unsubscribe: () => void;
  private readonly poll: NodeJS.Timeout;

  constructor(
    private readonly source: ChangeSource,
    options: { pollMs: number },
  ) {
    this.unsubscribe = source.onConfigChanged((accountId) => this.wake(accountId));
    this.poll = setInterval(() => {
      for (const accountId of this.watchers.keys()) this.wake(accountId);
    }, options.pollMs);
    this.poll.unref();
  }

  /** Calls `listener` after every change of the account (and on each safety poll); returns an unsubscribe. */
  watch(accountId: number, listener: () => void): () => void {
    let set = this.watchers.get(accountId);
    if (!set) this.watchers.set(accountId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.watchers.get(accountId) === set) {
        this.watchers.delete(accountId);
        this.generations.delete(accountId);
      }
    };
  }

  /** How many watchers this node holds: for metrics and tests that check for leaks. */
  get watcherCount(): number {
    let count = 0;
    for (const set of this.watchers.values()) count += set.size;
    return count;
  }

  /** The changes after `sinceRevision`, oldest first; identical reads since the latest wake-up share one query. */
  read(key: IntegrationKey, pattern: ScopePattern, sinceRevision: number, limit: number): Promise<ChangeBatch> {
    const generation = this.generations.get(key.accountId) ?? 0;
    const id = `${key.accountId}\n${generation}\n${sinceRevision}\n${limit}\n${key.integration}\n${pattern.join('\n*')}`;
    let pending = this.reads.get(id);
    if (!pending) {
      pending = this.readBatch(key, pattern, sinceRevision, limit);
      this.reads.set(id, pending);
      const forget = () => this.reads.delete(id);
      pending.then(forget, forget);
    }
    return pending;
  }

  /** Stops the subscription and the poll; watchers get no further wake-ups. */
  close(): void {
    this.unsubscribe();
    clearInterval(this.poll);
    this.watchers.clear();
  }

  private async readBatch(
    key: IntegrationKey,
    pattern: ScopePattern,
    sinceRevision: number,
    limit: number,
  ): Promise<ChangeBatch> {
    const readAt = performance.now();
    // Bounds first: every revision up to `latest` has committed, so the read that follows sees them all.
    const { oldest, latest } = await this.source.revisionBounds(key.accountId);
    const changes = await this.source.listConfigChanges(key, { pattern, sinceRevision, limit });
    return { changes, latest, oldest, readAt };
  }

  private wake(accountId: number): void {
    const set = this.watchers.get(accountId);
    if (!set) return;
    // Before the listeners run: their reads must not join one that began before this change.
    this.generations.set(accountId, (this.generations.get(accountId) ?? 0) + 1);
    for (const listener of [...set]) listener();
  }
}
