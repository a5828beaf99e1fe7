import { write, read, type MethodTable } from './method-facts.js';
import { openBatches } from './encryption/encrypting-stores.js';
/**
 * The event-callback outbox: events written in the same transaction as the change that
 * caused them, delivered later in batches to the integration's `event_callback_url`.
 *
 * Delivery is leased per integration: one caller at a time holds an integration's events
 * (PostgreSQL: `FOR UPDATE SKIP LOCKED` on its lease row), takes the oldest pending ones,
 * and reports the outcome; a lease that runs out (a dead node) lets another caller take
 * the same events again. So an integration's events, and every instance's, go out in
 * order, and never from two callers at once. Times are epoch milliseconds.
 */
export interface EventOutboxStore {
  /**
   * Leases up to `keys` integrations whose oldest pending event is due and whose lease (if
   * any) has run out, and returns their oldest pending events, at most `batchSize` each,
   * with each instance's current metadata read now (null when the instance is gone).
   */
  claimEventBatches(claim: {
    nowMs: number;
    keys: number;
    batchSize: number;
    leaseMs: number;
    owner: string;
  }): Promise<EventBatch[]>;
  /**
   * Extends `owner`'s delivery leases on these integrations to `nowMs + leaseMs`, so a live
   * node keeps the batches it is delivering however slow the integration, while a dead
   * node's leases run out soon. Answers the integration ids it extended: an id missing is
   * no longer `owner`'s (its lease ran out and another caller took it, or it was released).
   */
  renewEventLeases(renewal: {
    owner: string;
    integrationIds: number[];
    nowMs: number;
    leaseMs: number;
  }): Promise<number[]>;
  /**
   * Records one delivery attempt of a claimed batch and releases the lease. Delivered: the
   * events are done. Failed: each counts an attempt and becomes `failed` at `maxAttempts`;
   * the rest of the integration's events wait until `retryAt`. Does nothing and answers
   * false when the lease is no longer `owner`'s (it ran out and someone else took it).
   */
  completeEventBatch(completion: EventBatchCompletion): Promise<boolean>;
  /** An integration's events, newest first; lists events of a deleted integration too. */
  listEvents(accountId: number, integrationId: number, limit: number): Promise<EventRecord[]>;
  /**
   * Calls `listener` after a commit that enqueued events on this store object (not on
   * other nodes: those are found by polling). Returns the unsubscribe function.
   */
  onEventsCommitted(listener: () => void): () => void;
}

/** The event types the host causes; `destroy_user_identity` is never caused by Switchboard. */
export type EventTypeId =
  | 'create_integration'
  | 'destroy_integration'
  | 'create_integration_instance'
  | 'destroy_integration_instance'
  | 'activate_integration_instance'
  | 'deactivate_integration_instance'
  | 'pull_request'
  | 'channelback'
  | 'resources_created_from_external_ids';

/**
 * One event to enqueue. It keeps what delivery needs even after its integration is
 * deleted: where to send it and what its signing secret derives from. Never metadata.
 */
export interface NewOutboxEvent {
  accountId: number;
  integrationId: number;
  /** With `accountId` and `integrationId`, what the integration's signing secret derives from. */
  integrationCreatedAt: number;
  integrationName: string;
  callbackUrl: string;
  instanceId: number | null;
  typeId: EventTypeId;
  error: string | null;
  /** The event's `data` as JSON text, without `metadata` (added when the batch is sent). */
  dataJson: string;
  nowMs: number;
}

/** An event claimed for delivery. */
export interface OutboxEvent {
  id: number;
  accountId: number;
  integrationId: number;
  instanceId: number | null;
  typeId: EventTypeId;
  error: string | null;
  dataJson: string;
  subdomain: string;
  integrationName: string;
  createdAt: number;
  /** Attempts made before this one. */
  attempts: number;
  /** The instance's metadata as it is now; null without an instance, or when it is gone. */
  metadata: string | null;
}

/** Events of one integration, oldest first, all to one callback URL. */
export interface EventBatch {
  integrationId: number;
  accountId: number;
  integrationCreatedAt: number;
  callbackUrl: string;
  events: OutboxEvent[];
}

export interface EventBatchCompletion {
  integrationId: number;
  owner: string;
  eventIds: number[];
  outcome: 'delivered' | 'failed';
  /** Why the attempt failed; never metadata. */
  error: string | null;
  /** A failed event reaching this many attempts is given up (`failed`). */
  maxAttempts: number;
  /** When the integration's pending events are tried again after a failure. */
  retryAt: number;
  nowMs: number;
}

export type EventStatus = 'pending' | 'delivered' | 'failed';

/** An event as the API lists it. */
export interface EventRecord {
  id: number;
  integrationId: number;
  instanceId: number | null;
  typeId: EventTypeId;
  status: EventStatus;
  attempts: number;
  lastError: string | null;
  dataJson: string;
  createdAt: number;
  lastAttemptAt: number | null;
  deliveredAt: number | null;
}

/** The event outbox (part of the channel store). */
export const eventOutboxTable = {
  claimEventBatches: { ...write, open: openBatches },
  renewEventLeases: write,
  completeEventBatch: write,
  listEvents: read,
  onEventsCommitted: read,
} satisfies MethodTable<EventOutboxStore>;
