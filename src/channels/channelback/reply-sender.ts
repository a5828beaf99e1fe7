import { randomUUID } from 'node:crypto';
import type { ReplyStore } from '../../store/reply-store.js';
import { sendReply, type SendDependencies } from './send-reply.js';

export interface ReplySenderOptions {
  /** How often to look for due replies, ms. */
  tickMs: number;
  /** Most sends in flight at once on this node. */
  concurrency: number;
  /** Logs a failed tick or send (a database outage, say); never metadata. */
  onError?: (error: unknown) => void;
}

/**
 * The channelback worker of one node: claims due pending replies (leases, so several
 * nodes share the work without sending one reply at once) and sends them with a
 * concurrency limit, renewing the leases of the replies it is sending, so a live node
 * keeps them however slow the integration. Delivery is at least once: only a reply in flight on a node that dies
 * is sent again, by another node once the lease runs out, with the same
 * `request_unique_identifier`.
 */
export class ReplySender {
  /** Identifies this node's leases. */
  readonly owner = `node-${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private renewer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<unknown>>();
  /** Replies being sent, by id: their leases are renewed while they are. */
  private sending = new Set<number>();
  private ticking = false;
  private again = false;
  private stopped = true;
  /** The tick under way, if any (see stop()). */
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: ReplyStore,
    private readonly deps: SendDependencies,
    private readonly options: ReplySenderOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
    this.timer.unref();
    // Renew well before a lease runs out: a live node keeps what it sends, however slow.
    this.renewer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.deps.leaseMs / 3)));
    this.renewer.unref();
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
    clearInterval(this.renewer);
  }

  /** Extends the leases of the replies this node is sending. */
  async renew(): Promise<number> {
    if (this.sending.size === 0) return 0;
    try {
      return await this.store.renewReplyLeases({
        owner: this.owner,
        replyIds: [...this.sending],
        nowMs: this.deps.nowMs(),
        leaseMs: this.deps.leaseMs,
      });
    } catch (error) {
      this.options.onError?.(error);
      return 0;
    }
  }

  /**
   * Claims and sends everything due until nothing is, waiting for each send: for tests and
   * one-off runs, on a stopped sender.
   */
  async sendDue(): Promise<number> {
    let sent = 0;
    for (;;) {
      const claimed = await this.claim();
      if (claimed === 0) break;
      sent += claimed;
      await Promise.allSettled([...this.inFlight]);
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
        this.sending.add(target.reply.id);
        const send = sendReply(target, this.owner, this.deps)
          .catch((error: unknown) => this.options.onError?.(error))
          .finally(() => {
            this.sending.delete(target.reply.id);
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
