/**
 * Remembers who an `Authorization` header belongs to for a few seconds, so a busy client
 * costs no hash and no database lookup per request (on PostgreSQL, a round trip). Only
 * successful lookups are kept; a header is re-checked at the latest `ttlMs` after it was.
 */
export class PrincipalCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  /**
   * Moves on every eviction. A lookup that began before one must not cache its answer: it
   * may have read a credential that was revoked while it ran.
   */
  generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(header: string): T | undefined {
    const entry = this.entries.get(header);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(header);
      return undefined;
    }
    return entry.value;
  }

  /** Forgets every entry whose value matches, at once: a revoked token stops working in this process. */
  evict(matches: (value: T) => boolean): void {
    this.generation++;
    for (const [header, entry] of this.entries) if (matches(entry.value)) this.entries.delete(header);
  }

  /** Forgets everything: some credential was revoked, somewhere. */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /**
   * Keeps `value` unless the cache was evicted from since `generation` (read before the
   * lookup), never past `notAfterMs` (a credential that expires is not trusted after it does).
   */
  set(header: string, value: T, generation = this.generation, notAfterMs = Infinity): void {
    if (this.ttlMs <= 0 || generation !== this.generation) return;
    // Oldest first out: Map keeps insertion order.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(header, { value, expiresAt: Math.min(this.now() + this.ttlMs, notAfterMs) });
  }
}
