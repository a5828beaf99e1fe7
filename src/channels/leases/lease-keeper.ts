/**
 * Extends the leases `owner` holds on these ids to `nowMs + leaseMs` and answers the ids
 * it extended: an id missing is no longer `owner`'s (its lease ran out and another node
 * claimed it, or the work ended).
 */
export type RenewLeases = (renewal: {
  owner: string;
  ids: number[];
  nowMs: number;
  leaseMs: number;
}) => Promise<number[]>;

export interface LeaseKeeperOptions {
  /** Whose leases these are (the claim's `owner`). */
  owner: string;
  /** How long a claim or a renewal lasts, ms. */
  leaseMs: number;
  /** Epoch milliseconds. */
  nowMs: () => number;
  /** The reason a held lease's signal aborts with, when it can no longer be kept. */
  lost: (id: number, reason: string) => Error;
  /** Told of a failed renewal (the database unreachable, say). */
  onError?: (error: unknown) => void;
}

/** A lease this node holds while it works; `signal` aborts when it can no longer be kept. */
export interface HeldLease {
  readonly owner: string;
  readonly signal: AbortSignal;
  /** The work ended: stop renewing. */
  release(): void;
}

interface Entry {
  id: number;
  controller: AbortController;
  /** When the lease runs out, as far as this node knows (its last successful renewal). */
  expiresAt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Keeps the short leases of the work one node runs (pulls, event batches, replies): renews
 * them every third of a lease, so a live node keeps its work however slow the integration,
 * while a dead node's leases run out within one lease and another node takes the work over.
 * Work whose lease another claimer took, or that could not be renewed in time, is aborted
 * (its `signal`) before its lease ends, so two nodes never work on one lease at once.
 */
export class LeaseKeeper {
  private readonly held = new Map<number, Entry>();
  private renewer: NodeJS.Timeout | undefined;
  /** A renewal under way: a slow database must not stack them up. */
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly renewLeases: RenewLeases,
    private readonly options: LeaseKeeperOptions,
  ) {}

  /** Abort this long before the lease ends: the work must be gone before another node may claim. */
  private get marginMs(): number {
    return Math.min(2000, Math.floor(this.options.leaseMs / 5));
  }

  start(): void {
    if (this.renewer) return;
    this.renewer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.renewer.unref();
  }

  /** Stops renewing; work still held keeps its abort deadline. */
  stop(): void {
    clearInterval(this.renewer);
    this.renewer = undefined;
  }

  /** Holds the lease on `id` claimed at `leasedAt`, until `release()`. */
  hold(id: number, leasedAt: number): HeldLease {
    const entry: Entry = {
      id,
      controller: new AbortController(),
      expiresAt: leasedAt + this.options.leaseMs,
      timer: undefined,
    };
    this.abort(this.held.get(id), 'it was claimed again by this node');
    this.held.set(id, entry);
    this.arm(entry);
    return {
      owner: this.options.owner,
      signal: entry.controller.signal,
      release: () => {
        clearTimeout(entry.timer);
        if (this.held.get(id) === entry) this.held.delete(id);
      },
    };
  }

  /** Aborts the work of every lease held (a drain ran out of time); the leases stay held until released. */
  abortAll(reason: string): number[] {
    const ids = [...this.held.keys()];
    for (const id of ids) this.abort(this.held.get(id), reason);
    return ids;
  }

  /**
   * Hands leases back: ends them now, so another claimer may take the work at once rather
   * than after the lease. A renewal to now: every claim takes a lease that ended at or
   * before its `nowMs`. Leases no longer this node's (finished work, another claimer's) are
   * left alone, as a renewal leaves them.
   */
  async giveBack(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    // A renewal under way may still name these ids: let it land first, or it would extend them again.
    await this.renewing;
    await this.renewLeases({ owner: this.options.owner, ids, nowMs: this.options.nowMs(), leaseMs: 0 });
  }

  /** Extends every held lease; aborts the work whose leases are no longer this node's. */
  renew(): Promise<void> {
    this.renewing ??= this.renewHeld().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async renewHeld(): Promise<void> {
    const ids = [...this.held.keys()];
    if (ids.length === 0) return;
    const nowMs = this.options.nowMs();
    let renewed: number[];
    try {
      renewed = await this.renewLeases({ owner: this.options.owner, ids, nowMs, leaseMs: this.options.leaseMs });
    } catch (error) {
      // Each lease's own deadline aborts its work in time if this keeps failing.
      this.options.onError?.(error);
      return;
    }
    const kept = new Set(renewed);
    for (const id of ids) {
      const entry = this.held.get(id);
      if (!entry) continue;
      if (kept.has(id)) {
        entry.expiresAt = nowMs + this.options.leaseMs;
        this.arm(entry);
      } else {
        this.abort(entry, 'its lease is no longer this node’s');
      }
    }
  }

  /** (Re)sets the work's deadline: a margin before its lease ends. */
  private arm(entry: Entry): void {
    clearTimeout(entry.timer);
    const wait = Math.max(0, entry.expiresAt - this.marginMs - this.options.nowMs());
    entry.timer = setTimeout(() => this.abort(entry, 'its lease could not be renewed in time'), wait);
    entry.timer.unref();
  }

  private abort(entry: Entry | undefined, reason: string): void {
    if (!entry || entry.controller.signal.aborted) return;
    clearTimeout(entry.timer);
    entry.controller.abort(this.options.lost(entry.id, reason));
  }
}
