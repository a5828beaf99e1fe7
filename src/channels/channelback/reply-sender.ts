import { randomUUID } from 'node:crypto';
import type { ReplyStore } from '../../store/reply-store.js';
import { LeaseKeeper } from '../leases/lease-keeper.js';
import { sendReply, type SendDependencies } from './send-reply.js';

export interface ReplySenderOptions {
  /** How often to look for due replies, ms. */
  tickMs: number;
  /** Most sends in flight at once on this node. */
  concurrency: number;
  /** Logs a failed tick or send (a database outage, say); never metadata. */
  onError?: (error: unknown) => void;
}

/** A send stopped because its node could not keep the reply's lease: nothing of it is recorded. */
export class ReplyLeaseLostError extends Error {
  override readonly name = 'ReplyLeaseLostError';
  constructor(
    readonly replyId: number,
    reason: string,
  ) {
    super(`The send of reply ${replyId} stopped: ${reason}.`);
  }
}

/**
 * The channelback worker of one node: claims due pending replies (short leases, so several
 * nodes share the work without sending one reply at once) and sends them with a
 * concurrency limit, renewing the leases of the replies it is sending every third of a
 * lease (`LeaseKeeper`), so a live node keeps them however slow the integration while a
 * dead node's run out within one lease. A send whose lease is lost is aborted, and nothing
 * of it is recorded. Delivery is at least once: a reply in flight on a node that dies (or
 * whose lease is lost mid-call) is sent again, by another node once the lease runs out, with
 * the same `request_unique_identifier`.
 */
export class ReplySender {
  /** Identifies this node's leases. */
  readonly owner = `node-${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<unknown>>();
  /** The leases of the replies being sent, by id: renewed while they are. */
  private readonly leases: LeaseKeeper;
  private ticking = false;
  private again = false;
  private stopped = true;
  /** The tick under way, if any (see stop()). */
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: ReplyStore,
    private readonly deps: SendDependencies,
    private readonly options: ReplySenderOptions,
  ) {
    this.leases = new LeaseKeeper(({ ids, ...renewal }) => store.renewReplyLeases({ ...renewal, replyIds: ids }), {
      owner: this.owner,
      leaseMs: deps.leaseMs,
      nowMs: deps.nowMs,
      lost: (replyId, reason) => new ReplyLeaseLostError(replyId, reason),
      onError: options.onError,
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
    this.timer.unref();
    // Renew well before a lease runs out: a live node keeps what it sends, however slow.
    this.leases.start();
    void this.tick();
  }

  /** Looks for due replies now (a reply was just created); nothing when the sender is stopped. */
  kick(): void {
    if (!this.stopped) void this.tick();
  }

  /** Stops claiming and waits for the sends in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    // A claim under way hands out replies: wait for it, then for every send it started.
    await this.running;
    await Promise.allSettled([...this.inFlight]);
    this.leases.stop();
  }

  /** Extends the leases of the replies this node is sending; aborts the sends whose leases are lost. */
  renew(): Promise<void> {
    return this.leases.renew();
  }

  /**
   * Claims and sends everything due until nothing is, waiting for each send: for tests and
   * one-off runs, on a stopped sender.
   */
  async sendDue(): Promise<number> {
    let sent = 0;
    // The sends' leases are renewed meanwhile, as on a running sender.
    this.leases.start();
    try {
      for (;;) {
        const claimed = await this.claim();
        if (claimed === 0) break;
        sent += claimed;
        await Promise.allSettled([...this.inFlight]);
      }
    } finally {
      if (this.stopped) this.leases.stop();
    }
    return sent;
  }

  /** Claims what is due, up to the free concurrency, and starts sending it. */
  tick(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    // A kick during a tick must not be lost: the running tick claims once more.
    if (this.ticking) {
      this.again = true;
      return Promise.resolve(0);
    }
    this.running = this.claimWhileDue().finally(() => (this.running = undefined));
    return this.running;
  }

  private async claimWhileDue(): Promise<number> {
    this.ticking = true;
    try {
      let started = 0;
      do {
        this.again = false;
        started += await this.claim();
      } while (this.again && !this.stopped);
      return started;
    } catch (error) {
      this.options.onError?.(error);
      return 0;
    } finally {
      this.ticking = false;
    }
  }

  private async claim(): Promise<number> {
    let started = 0;
    // Keep claiming while there is work and room: one tick can drain a backlog.
    for (;;) {
      const room = this.options.concurrency - this.inFlight.size;
      if (room <= 0) break;
      const targets = await this.store.claimDueReplies({
        nowMs: this.deps.nowMs(),
        limit: room,
        leaseMs: this.deps.leaseMs,
        owner: this.owner,
      });
      for (const target of targets) {
        const lease = this.leases.hold(target.reply.id, target.leasedAt);
        const send = sendReply(target, this.owner, this.deps, lease.signal)
          .catch((error: unknown) => this.options.onError?.(error))
          .finally(() => {
            lease.release();
            this.inFlight.delete(send);
            // Claim again once half the room is free: a claim per finished send would cost a
            // durable write (an fsync on SQLite) for every single reply.
            if (!this.stopped && this.inFlight.size <= this.options.concurrency / 2) void this.tick();
          });
        this.inFlight.add(send);
      }
      started += targets.length;
      if (targets.length < room) break;
    }
    return started;
  }
}
