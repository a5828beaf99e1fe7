import { randomUUID } from 'node:crypto';
import type { ChannelStore, PullTarget } from '../../store/channel-store.js';
import { LeasedWorker } from '../work/leased-worker.js';
import { pullInstance, type PullDependencies } from './pull-instance.js';
import { LeaseLostError } from './pull-leases.js';

export interface PullSchedulerOptions {
  /** How often to look for due instances, ms. */
  tickMs: number;
  /** Most pulls in flight at once on this node. */
  concurrency: number;
  /** How long `stop()` lets the pulls under way finish before cutting them off, ms (default 10 s). */
  drainMs?: number;
  /** Logs a failed tick (a database outage, say); never metadata. */
  onError?: (error: unknown) => void;
}

/**
 * The pull loop of one node: a {@link LeasedWorker} over due instances (leases, so several
 * nodes share the work without pulling one instance twice), pulling them with a
 * concurrency limit and renewing the leases of the pulls under way (a pull that cannot keep
 * its lease stops).
 */
export class PullScheduler {
  /** Identifies this node's leases. */
  readonly owner = `node-${randomUUID()}`;
  private readonly worker: LeasedWorker<PullTarget>;

  constructor(store: ChannelStore, deps: PullDependencies, options: PullSchedulerOptions) {
    this.worker = new LeasedWorker<PullTarget>({
      ...options,
      owner: this.owner,
      leaseMs: deps.leaseMs,
      nowMs: deps.nowMs,
      claim: async (request) =>
        (await store.claimDueInstances(request)).map((target) => ({
          id: target.instance.id,
          leasedAt: target.leasedAt,
          item: target,
        })),
      renew: ({ ids, ...renewal }) => store.renewPullLeases({ ...renewal, instanceIds: ids }),
      lost: (instanceId, reason) => new LeaseLostError(instanceId, reason),
      run: (target, lease) => pullInstance(target, deps, lease),
      // A claim is a durable write that leases each row it takes: claiming after every
      // finished pull cost PostgreSQL a commit per pull. Claim once half the room is free,
      // or 5 ms after a pull ends, whichever comes first (a slow integration's free slots
      // wait at most that long).
      refillAt: Math.floor(options.concurrency / 2),
      refillWithinMs: 5,
    });
  }

  start(): void {
    this.worker.start();
  }

  /** Stops claiming; the pulls under way finish (or are cut off and handed back) first. */
  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Claims what is due, up to the free concurrency, and starts pulling it. */
  tick(): Promise<number> {
    return this.worker.tick();
  }
}
