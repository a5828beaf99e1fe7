import { randomUUID } from 'node:crypto';
import type { ChannelStore } from '../../store/channel-store.js';
import { pullInstance, type PullDependencies } from './pull-instance.js';
import { PullLeases } from './pull-leases.js';

export interface PullSchedulerOptions {
  /** How often to look for due instances, ms. */
  tickMs: number;
  /** Most pulls in flight at once on this node. */
  concurrency: number;
  /** Logs a failed tick (a database outage, say); never metadata. */
  onError?: (error: unknown) => void;
}

/**
 * The pull loop of one node: claims due instances (leases, so several nodes share the work
 * without pulling one instance twice) and pulls them with a concurrency limit, renewing
 * the leases of the pulls under way (a pull that cannot keep its lease stops).
 */
export class PullScheduler {
  /** Identifies this node's leases. */
  readonly owner = `node-${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<unknown>>();
  private ticking = false;
  private stopped = true;
  private readonly leases: PullLeases;

  constructor(
    private readonly store: ChannelStore,
    private readonly deps: PullDependencies,
    private readonly options: PullSchedulerOptions,
  ) {
    const { leaseMs, nowMs } = deps;
    this.leases = new PullLeases(store, { owner: this.owner, leaseMs, nowMs, onError: options.onError });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.leases.start();
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** Stops claiming and waits for the pulls in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
    this.leases.stop();
  }

  /** Claims what is due, up to the free concurrency, and starts pulling it. */
  async tick(): Promise<number> {
    if (this.ticking || this.stopped) return 0;
    this.ticking = true;
    try {
      let started = 0;
      // Keep claiming while there is work and room: one tick can drain a backlog.
      for (;;) {
        const room = this.options.concurrency - this.inFlight.size;
        if (room <= 0 || this.stopped) break;
        const targets = await this.store.claimDueInstances({
          nowMs: this.deps.nowMs(),
          limit: room,
          leaseMs: this.deps.leaseMs,
          owner: this.owner,
        });
        for (const target of targets) {
          const lease = this.leases.hold(target.instance.id, target.leasedAt);
          const pull = pullInstance(target, this.deps, lease)
            .catch((error: unknown) => this.options.onError?.(error))
            .finally(() => {
              lease.release();
              this.inFlight.delete(pull);
              if (!this.stopped) void this.tick();
            });
          this.inFlight.add(pull);
        }
        started += targets.length;
        if (targets.length < room) break;
      }
      return started;
    } catch (error) {
      this.options.onError?.(error);
      return 0;
    } finally {
      this.ticking = false;
    }
  }
}
