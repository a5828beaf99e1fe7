import { randomUUID } from 'node:crypto';
import type { ReplyStore, ReplyTarget } from '../../store/reply-store.js';
import { LeasedWorker } from '../work/leased-worker.js';
import { sendReply, type SendDependencies } from './send-reply.js';

export interface ReplySenderOptions {
  /** How often to look for due replies, ms. */
  tickMs: number;
  /** Most sends in flight at once on this node. */
  concurrency: number;
  /** How long `stop()` lets the sends under way finish before cutting them off, ms (default 10 s). */
  drainMs?: number;
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
 * The channelback worker of one node: a {@link LeasedWorker} over due pending replies (short
 * leases, so several nodes share the work without sending one reply at once), sending them
 * with a concurrency limit and renewing the leases of the replies it is sending. A send
 * whose lease is lost is aborted, and nothing of it is recorded. Delivery is at least once:
 * a reply in flight on a node that dies (or whose lease is lost mid-call) is sent again, by
 * another node once the lease runs out, with the same `request_unique_identifier`.
 */
export class ReplySender {
  /** Identifies this node's leases. */
  readonly owner = `node-${randomUUID()}`;
  private readonly worker: LeasedWorker<ReplyTarget>;

  constructor(store: ReplyStore, deps: SendDependencies, options: ReplySenderOptions) {
    this.worker = new LeasedWorker<ReplyTarget>({
      ...options,
      owner: this.owner,
      leaseMs: deps.leaseMs,
      nowMs: deps.nowMs,
      claim: async (request) =>
        (await store.claimDueReplies(request)).map((target) => ({
          id: target.reply.id,
          leasedAt: target.leasedAt,
          item: target,
        })),
      renew: ({ ids, ...renewal }) => store.renewReplyLeases({ ...renewal, replyIds: ids }),
      lost: (replyId, reason) => new ReplyLeaseLostError(replyId, reason),
      run: (target, lease) => sendReply(target, this.owner, deps, lease.signal),
      // Claim again once half the room is free: a claim per finished send would cost a
      // durable write (an fsync on SQLite) for every single reply.
      refillAt: Math.floor(options.concurrency / 2),
    });
  }

  start(): void {
    this.worker.start();
  }

  /** Looks for due replies now (a reply was just created); nothing when the sender is stopped. */
  kick(): void {
    this.worker.kick();
  }

  /** Stops claiming; the sends under way finish (or are cut off and handed back) first. */
  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Extends the leases of the replies this node is sending; aborts the sends whose leases are lost. */
  renew(): Promise<void> {
    return this.worker.renew();
  }

  /**
   * Claims and sends everything due until nothing is, waiting for each send: for tests and
   * one-off runs, on a stopped sender.
   */
  sendDue(): Promise<number> {
    return this.worker.runDue();
  }

  /** Claims what is due, up to the free concurrency, and starts sending it. */
  tick(): Promise<number> {
    return this.worker.tick();
  }
}
