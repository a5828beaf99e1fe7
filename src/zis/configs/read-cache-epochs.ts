import type { ConfigStore, StoreCapabilities } from '../../store/store.js';

/**
 * The read epochs of PostgreSQL's opt-in read cache (`SWITCHBOARD_POSTGRES_READ_CACHE=on`):
 * one per account, moved by each of its change notifications — another node's write
 * through LISTEN/NOTIFY, this node's own at once after its commit, before its answer — so
 * the fast lane's rendered answers (`RenderedConfigs`) are kept per account until it
 * changes. Answers come from the cache only while the node's LISTEN connection is up
 * (`listening`): otherwise {@link epochOf} says none, and every read goes to the database.
 * When the connection comes back, notifications sent meanwhile are lost, so every kept
 * answer is forgotten.
 *
 * The staleness bound this gives: another node's write is seen once its NOTIFY arrives
 * (milliseconds; BENCHMARKS.md measures it), or, should the LISTEN connection go silent,
 * within about 3 s (its check runs every second, bounded by 2 s), after which the cache is
 * not used.
 */
export class ReadCacheEpochs {
  /** Each value given out once: a moved account, or a new base after a gap, never repeats an epoch. */
  private tick = 0;
  private base = 0;
  private readonly accounts = new Map<number, number>();
  private generation = -1;
  private readonly unsubscribe: () => void;

  constructor(
    source: Pick<ConfigStore, 'onConfigChanged'>,
    private readonly feed: Pick<StoreCapabilities, 'feedState' | 'feedGeneration'>,
  ) {
    this.unsubscribe = source.onConfigChanged((accountId) => this.accounts.set(accountId, ++this.tick));
  }

  /** The account's epoch now; undefined while the node cannot hear every change (read the database). */
  epochOf(accountId: number): number | undefined {
    if (this.feed.feedState() !== 'listening') return undefined;
    const generation = this.feed.feedGeneration();
    if (generation !== this.generation) {
      // Listening again (or for the first time): what was kept before may have missed a change.
      this.generation = generation;
      this.accounts.clear();
      this.base = ++this.tick;
    }
    return this.accounts.get(accountId) ?? this.base;
  }

  close(): void {
    this.unsubscribe();
  }
}
