/** A config read's answer, ready to write: its ETag and its body (JSON text). */
export interface RenderedConfig {
  /** The integration the config belongs to: a token for another may not have it. */
  integration: string;
  /** Its ETag; none for a list's answer. */
  etag: string | undefined;
  body: string;
  /** The body's length in bytes, for Content-Length. */
  bytes: number;
}

/**
 * Answers of recent config reads, kept until the store's read epoch moves (any write,
 * through any connection or process, moves it) and then all forgotten at once. Bounded: at
 * `maxEntries` it is emptied, like a new epoch, and fills again from the reads that follow.
 * Each account has its own map, keyed by the
 * request's path as it came (no key string is built per read).
 */
export class RenderedConfigs {
  private readonly accounts = new Map<number, Map<string, RenderedConfig>>();
  private size = 0;
  private epoch = Number.NaN;

  constructor(private readonly maxEntries: number) {}

  /** The answer kept for the account's `path` at this epoch; a new epoch empties the cache first. */
  get(accountId: number, path: string, epoch: number): RenderedConfig | undefined {
    if (epoch !== this.epoch) {
      this.accounts.clear();
      this.size = 0;
      this.epoch = epoch;
      return undefined;
    }
    return this.accounts.get(accountId)?.get(path);
  }

  /** Keeps `rendered` for the account's `path`, read at `epoch` (as `get` was just asked). */
  set(accountId: number, path: string, epoch: number, rendered: RenderedConfig): void {
    if (this.maxEntries === 0 || epoch !== this.epoch) return;
    // Full: start again rather than track age; a hot set refills at once.
    if (this.size >= this.maxEntries) {
      this.accounts.clear();
      this.size = 0;
    }
    let paths = this.accounts.get(accountId);
    if (paths === undefined) this.accounts.set(accountId, (paths = new Map()));
    if (!paths.has(path)) this.size++;
    paths.set(path, rendered);
  }
}
