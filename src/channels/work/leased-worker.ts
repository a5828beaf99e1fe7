import { LeaseKeeper, type HeldLease, type RenewLeases } from '../leases/lease-keeper.js';

/** As long as `serve` lets requests in flight finish on SIGTERM, by default. */
const defaultDrainMs = 10_000;

/** One item a claim handed out: the id its lease is kept under, when the lease began, the item. */
export interface ClaimedItem<Item> {
  id: number;
  leasedAt: number;
  item: Item;
}

/** What one claim asks the store for: at most `limit` due items, leased to `owner` from `nowMs`. */
export interface ClaimRequest {
  nowMs: number;
  limit: number;
  leaseMs: number;
  owner: string;
}

export interface LeasedWorkerOptions<Item> {
  /** Whose leases these are. */
  owner: string;
  /** How long a claim or a renewal lasts, ms: short, renewed every third while the item runs. */
  leaseMs: number;
  /** Epoch milliseconds. */
  nowMs: () => number;
  /** Most items in flight at once on this node. */
  concurrency: number;
  /** How often to look for due items, ms. */
  tickMs: number;
  /** Claims due items (the store's claim, with its lease). */
  claim: (request: ClaimRequest) => Promise<ClaimedItem<Item>[]>;
  /** Extends this node's leases (see {@link LeaseKeeper}); a renewal to now hands them back. */
  renew: RenewLeases;
  /** The reason an item's `lease.signal` aborts with. */
  lost: (id: number, reason: string) => Error;
  /**
   * The item's work: the exchange with the integration and its record. It must stop, and
   * record nothing, once `lease.signal` aborts (the lease could not be kept, or a drain ran
   * out of time).
   */
  run: (item: Item, lease: HeldLease) => Promise<unknown>;
  /**
   * After an item ends, claim again once at most this many are in flight (default: as soon
   * as there is room). Fewer claims cost fewer durable writes when items are quick.
   */
  refillAt?: number;
  /**
   * With more than `refillAt` in flight, claim anyway this many ms after an item ends
   * (default: not at all): a slow integration's free slots do not wait for a whole batch,
   * and a fast one's still share a claim.
   */
  refillWithinMs?: number;
  /** How long `stop()` lets the items under way finish before cutting them off, ms (default 10 s). */
  drainMs?: number;
  /** Other wake-ups (this node committed work, say): called on start with `kick`, answers how to unsubscribe. */
  wakeOn?: (kick: () => void) => () => void;
  /** Told of a failed claim, renewal or item (a database outage, say); never metadata. */
  onError?: (error: unknown) => void;
}

/**
 * The loop every leased job of a node runs (pulls, replies, event batches): claims due
 * items with a short lease, runs them with a concurrency limit, renews the leases of the
 * items under way (a live node keeps its work however slow the integration; a dead node's
 * leases run out within one lease and another node takes the work), and looks for work on
 * a timer (`tick`) and when told (`kick`).
 *
 * One shutdown rule: after `stop()` nothing more is claimed or begun. An item claimed but
 * not yet begun is handed back at once; an item under way may finish within `drainMs`,
 * after which it is cut off (recording nothing) and handed back. So every claimed item is
 * finished or released, and nothing is sent once `stop()` has resolved.
 */
export class LeasedWorker<Item> {
  private readonly leases: LeaseKeeper;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private refillTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private running = false;
  private ticking = false;
  /** A kick came while ticking: the running tick claims once more, or the kick would be lost. */
  private again = false;
  /** The claims under way (a tick's, `runDue`'s): `stop()` waits for them, then hands back what they bring. */
  private readonly claims = new Set<Promise<number>>();
  /** The stop under way: nothing claimed meanwhile is begun. */
  private stopping: Promise<void> | undefined;
  /** Items cut off by a drain that ran out of time: handed back once they end. */
  private readonly cutOff = new Set<number>();
  private readonly handingBack = new Set<Promise<void>>();

  constructor(private readonly options: LeasedWorkerOptions<Item>) {
    this.leases = new LeaseKeeper(options.renew, {
      owner: options.owner,
      leaseMs: options.leaseMs,
      nowMs: options.nowMs,
      lost: options.lost,
      onError: options.onError,
    });
  }

  get owner(): string {
    return this.options.owner;
  }

  /** Claims and runs due items from now on, until `stop()`. */
  start(): void {
    if (this.running || this.stopping) return;
    this.running = true;
    this.leases.start();
    this.timer = setInterval(() => this.kick(), this.options.tickMs);
    this.timer.unref();
    this.unsubscribe = this.options.wakeOn?.(() => this.kick());
    this.kick();
  }

  /** Looks for due items now; nothing when the worker is not running. */
  kick(): void {
    if (this.running) void this.tick();
  }

  /** Claims what is due, up to the free concurrency, and begins it; answers how many began. */
  tick(): Promise<number> {
    if (!this.running) return Promise.resolve(0);
    if (this.ticking) {
      this.again = true;
      return Promise.resolve(0);
    }
    this.ticking = true;
    return this.claimWhileDue().finally(() => (this.ticking = false));
  }

  /** Extends the leases of the items under way; aborts those whose leases are lost. */
  renew(): Promise<void> {
    return this.leases.renew();
  }

  /**
   * Claims and runs everything due until nothing is, waiting for each item: for tests and
   * one-off runs, on a worker not started. Answers how many items ran.
   */
  async runDue(): Promise<number> {
    let ran = 0;
    this.leases.start();
    try {
      while (!this.stopping) {
        const began = await this.claimOnce();
        if (began === 0) break;
        ran += began;
        await Promise.allSettled([...this.inFlight]);
      }
    } finally {
      if (!this.running) this.leases.stop();
    }
    return ran;
  }

  /**
   * Stops claiming; hands back what a claim under way brings; lets the items under way
   * finish within `drainMs`, then cuts them off and hands them back. Resolves once every
   * claimed item is finished or released.
   */
  stop(): Promise<void> {
    this.stopping ??= this.drain().finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  private async drain(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await Promise.allSettled([...this.claims]);
    const deadline = setTimeout(() => {
      for (const id of this.leases.abortAll('this node is stopping')) this.cutOff.add(id);
    }, this.options.drainMs ?? defaultDrainMs);
    try {
      await Promise.allSettled([...this.inFlight]);
    } finally {
      clearTimeout(deadline);
    }
    await Promise.allSettled([...this.handingBack]);
    this.leases.stop();
  }

  private async claimWhileDue(): Promise<number> {
    let began = 0;
    try {
      do {
        this.again = false;
        began += await this.claimOnce();
      } while (this.again && this.running);
    } catch (error) {
      this.options.onError?.(error);
    }
    return began;
  }

  private claimOnce(): Promise<number> {
    const claiming = this.claimWhileRoom().finally(() => this.claims.delete(claiming));
    this.claims.add(claiming);
    return claiming;
  }

  /** Claims while there is room and the claims come back full: one tick can drain a backlog. */
  private async claimWhileRoom(): Promise<number> {
    let began = 0;
    for (;;) {
      const room = this.options.concurrency - this.inFlight.size;
      if (room <= 0) break;
      const claimed = await this.options.claim({
        nowMs: this.options.nowMs(),
        limit: room,
        leaseMs: this.options.leaseMs,
        owner: this.options.owner,
      });
      if (this.stopping) {
        // Claimed as the node stops: never begun, handed back for another node to take at once.
        this.handBack(claimed.map((claim) => claim.id));
        break;
      }
      for (const claim of claimed) this.begin(claim);
      began += claimed.length;
      if (claimed.length < room) break;
    }
    return began;
  }

  private begin(claim: ClaimedItem<Item>): void {
    const lease = this.leases.hold(claim.id, claim.leasedAt);
    const work: Promise<void> = this.options
      .run(claim.item, lease)
      .then(
        () => undefined,
        (error: unknown) => {
          // A drain's own cut-off is no failure to report.
          if (!(this.cutOff.has(claim.id) && error === lease.signal.reason)) this.options.onError?.(error);
        },
      )
      .finally(() => {
        lease.release();
        this.inFlight.delete(work);
        if (this.cutOff.delete(claim.id)) this.handBack([claim.id]);
        this.refill();
      });
    this.inFlight.add(work);
  }

  /** After an item ends: claim now if enough room is free, else within `refillWithinMs`. */
  private refill(): void {
    if (!this.running) return;
    const { refillAt = this.options.concurrency - 1, refillWithinMs } = this.options;
    if (this.inFlight.size <= refillAt) {
      clearTimeout(this.refillTimer);
      this.refillTimer = undefined;
      this.kick();
    } else if (refillWithinMs !== undefined && this.refillTimer === undefined) {
      this.refillTimer = setTimeout(() => {
        this.refillTimer = undefined;
        this.kick();
      }, refillWithinMs);
    }
  }

  private handBack(ids: number[]): void {
    if (ids.length === 0) return;
    const handing: Promise<void> = this.leases
      .giveBack(ids)
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => this.handingBack.delete(handing));
    this.handingBack.add(handing);
  }
}
