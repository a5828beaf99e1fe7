import { randomUUID } from 'node:crypto';
import type { EventOutboxStore } from '../../store/event-outbox-store.js';
import type { OutboundClient } from '../outbound/outbound-client.js';
import { LeaseKeeper } from '../leases/lease-keeper.js';
import { deliverBatch, type DeliveryDependencies } from './deliver-batch.js';

export interface EventDelivererOptions {
  store: EventOutboxStore;
  client: OutboundClient;
  /** Epoch milliseconds. */
  nowMs: () => number;
  secretKey: string;
  /** How often to look for events enqueued by other nodes, ms. */
  pollMs: number;
  batchSize: number;
  /** Integrations delivered to at once. */
  concurrency: number;
  maxAttempts: number;
  retryBaseMs: number;
  maxBackoffMs: number;
  /** How long a claim on an integration's events lasts without renewal, ms; renewed every third while delivering. */
  leaseMs: number;
  /** Logs a failed tick or delivery (a database outage, say); never metadata. */
  onError?: (error: unknown) => void;
}

/** A delivery stopped because its node could not keep the integration's lease: nothing of it is recorded. */
export class EventLeaseLostError extends Error {
  override readonly name = 'EventLeaseLostError';
  constructor(
    readonly integrationId: number,
    reason: string,
  ) {
    super(`The event delivery of integration ${integrationId} stopped: ${reason}.`);
  }
}

/**
 * The event-callback deliverer of one node: claims batches from the outbox (a short lease
 * per integration, so nodes share the work and an integration's events go out in order,
 * never from two nodes at once) and delivers them. The leases of batches under way are
 * renewed every third of a lease (`LeaseKeeper`), so a slow integration stays this node's,
 * while a dead node's integrations are delivered by another node within about one lease; a
 * delivery whose lease is lost is cut off and records nothing. It runs at once when this node
 * commits events, and polls every `pollMs` for the rest (other nodes' events, retries
 * coming due).
 */
export class EventDeliverer {
  /** Identifies this node's leases. */
  readonly owner = `events-${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private inFlight = new Set<Promise<unknown>>();
  private ticking = false;
  /** The tick under way, if any: stop() waits for its claim, or a claimed batch would start after stop. */
  private running: Promise<number> | undefined;
  /** A kick came while ticking: tick again once done, or a commit could wait a whole poll. */
  private kickedWhileTicking = false;
  private stopped = true;
  private readonly delivery: DeliveryDependencies;
  /** The leases of the batches being delivered, by integration id. */
  private readonly leases: LeaseKeeper;

  constructor(private readonly options: EventDelivererOptions) {
    this.delivery = { ...options, owner: this.owner };
    this.leases = new LeaseKeeper(
      ({ ids, ...renewal }) => options.store.renewEventLeases({ ...renewal, integrationIds: ids }),
      {
        owner: this.owner,
        leaseMs: options.leaseMs,
        nowMs: options.nowMs,
        lost: (integrationId, reason) => new EventLeaseLostError(integrationId, reason),
        onError: options.onError,
      },
    );
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.options.store.onEventsCommitted(() => this.kick());
    this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.timer.unref();
    this.leases.start();
    this.kick();
  }

  /** Stops claiming and waits for the deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    await this.running;
    await Promise.allSettled([...this.inFlight]);
    this.leases.stop();
  }

  /** Looks for work now. */
  kick(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.kickedWhileTicking = true;
      return;
    }
    void this.tick();
  }

  /** Claims due batches, up to the free concurrency, and starts delivering them. */
  tick(): Promise<number> {
    if (this.ticking || this.stopped) return Promise.resolve(0);
    this.ticking = true;
    this.running = this.claimAndDeliver().finally(() => (this.running = undefined));
    return this.running;
  }

  private async claimAndDeliver(): Promise<number> {
    let started = 0;
    try {
      do {
        this.kickedWhileTicking = false;
        const room = this.options.concurrency - this.inFlight.size;
        if (room <= 0) break;
        const claimedAt = this.options.nowMs();
        const batches = await this.options.store.claimEventBatches({
          nowMs: claimedAt,
          keys: room,
          batchSize: this.options.batchSize,
          leaseMs: this.options.leaseMs,
          owner: this.owner,
        });
        for (const batch of batches) {
          const lease = this.leases.hold(batch.integrationId, claimedAt);
          const delivery = deliverBatch(batch, this.delivery, lease.signal)
            .catch((error: unknown) => this.options.onError?.(error))
            .finally(() => {
              lease.release();
              this.inFlight.delete(delivery);
              // More of this integration's events may be waiting behind the batch.
              this.kick();
            });
          this.inFlight.add(delivery);
        }
        started += batches.length;
        if (batches.length === room) this.kickedWhileTicking = true;
      } while (this.kickedWhileTicking && !this.stopped);
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.ticking = false;
    }
    return started;
  }
}
