import { randomUUID } from 'node:crypto';
import type { EventBatch, EventOutboxStore } from '../../store/event-outbox-store.js';
import type { OutboundClient } from '../outbound/outbound-client.js';
import { LeasedWorker } from '../work/leased-worker.js';
import { deliverBatch } from './deliver-batch.js';

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
  /** How long `stop()` lets the deliveries under way finish before cutting them off, ms (default 10 s). */
  drainMs?: number;
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
 * The event-callback deliverer of one node: a {@link LeasedWorker} over batches from the
 * outbox (a short lease per integration, so nodes share the work and an integration's
 * events go out in order, never from two nodes at once). A slow integration stays this
 * node's while its batch is delivered; a dead node's integrations are delivered by another
 * node within about one lease; a delivery whose lease is lost is cut off and records
 * nothing. It runs at once when this node commits events, and polls every `pollMs` for the
 * rest (other nodes' events, retries coming due).
 */
export class EventDeliverer {
  /** Identifies this node's leases. */
  readonly owner = `events-${randomUUID()}`;
  private readonly worker: LeasedWorker<EventBatch>;

  constructor(options: EventDelivererOptions) {
    const { store, pollMs, batchSize } = options;
    const delivery = { ...options, owner: this.owner };
    this.worker = new LeasedWorker<EventBatch>({
      ...options,
      owner: this.owner,
      tickMs: pollMs,
      claim: async ({ limit, ...request }) =>
        (await store.claimEventBatches({ ...request, keys: limit, batchSize })).map((batch) => ({
          id: batch.integrationId,
          leasedAt: request.nowMs,
          item: batch,
        })),
      renew: ({ ids, ...renewal }) => store.renewEventLeases({ ...renewal, integrationIds: ids }),
      lost: (integrationId, reason) => new EventLeaseLostError(integrationId, reason),
      run: (batch, lease) => deliverBatch(batch, delivery, lease.signal),
      wakeOn: (kick) => store.onEventsCommitted(kick),
    });
  }

  start(): void {
    this.worker.start();
  }

  /** Stops claiming; the deliveries under way finish (or are cut off and handed back) first. */
  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** Looks for work now. */
  kick(): void {
    this.worker.kick();
  }

  /** Claims due batches, up to the free concurrency, and starts delivering them. */
  tick(): Promise<number> {
    return this.worker.tick();
  }
}
