import type { EventBatch, EventOutboxStore } from '../../store/event-outbox-store.js';
import type { OutboundClient } from '../outbound/outbound-client.js';
import { OutboundError } from '../outbound/outbound-error.js';
import { integrationSigningSecret } from '../signing-secret.js';
import { callbackEvent } from './callback-event.js';

export interface DeliveryDependencies {
  store: Pick<EventOutboxStore, 'completeEventBatch'>;
  client: OutboundClient;
  /** Epoch milliseconds. */
  nowMs: () => number;
  secretKey: string;
  maxAttempts: number;
  retryBaseMs: number;
  maxBackoffMs: number;
  /** Identifies this node's leases. */
  owner: string;
}

/** How long to wait before attempt `attempts + 1`: doubling from `base`, at most `max`. */
export function retryDelayMs(attempts: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
}

const maxErrorLength = 500;

/**
 * POSTs one leased batch as `{"events": [...]}` to its callback URL, signed with the
 * integration's secret (derived from what the event rows keep, so a deleted integration's
 * events are signed alike), and records the outcome: any 2xx delivers the batch; anything
 * else counts an attempt on each event and backs off. The reason kept never quotes the body.
 *
 * `lease` aborts when this node can no longer keep the integration's delivery lease: a
 * batch not yet sent is not sent, a call under way is cut off, and nothing is recorded
 * (`lost`: another node sends the batch again once the lease ends). An answer that did
 * arrive is recorded if the lease is still this node's (the store checks).
 */
export async function deliverBatch(
  batch: EventBatch,
  deps: DeliveryDependencies,
  lease?: AbortSignal,
): Promise<'delivered' | 'failed' | 'lost'> {
  if (lease?.aborted) return 'lost';
  const signingSecret = integrationSigningSecret(deps.secretKey, {
    accountId: batch.accountId,
    id: batch.integrationId,
    createdAt: batch.integrationCreatedAt,
  });
  let error: string | null = null;
  try {
    const response = await deps.client.postJson(
      batch.callbackUrl,
      { events: batch.events.map(callbackEvent) },
      { signingSecret, signal: lease },
    );
    if (response.status < 200 || response.status > 299) {
      error = `event_callback_url answered HTTP ${response.status}; expected 2xx`;
    }
  } catch (caught) {
    // Cut off because the lease was lost: this was no attempt of the integration's to count.
    if (lease?.aborted) return 'lost';
    error = caught instanceof OutboundError ? caught.message : 'the delivery failed unexpectedly';
  }
  const nowMs = deps.nowMs();
  const attempts = Math.max(...batch.events.map((event) => event.attempts)) + 1;
  const recorded = await deps.store.completeEventBatch({
    integrationId: batch.integrationId,
    owner: deps.owner,
    eventIds: batch.events.map((event) => event.id),
    outcome: error === null ? 'delivered' : 'failed',
    error: error !== null && error.length > maxErrorLength ? `${error.slice(0, maxErrorLength)}…` : error,
    maxAttempts: deps.maxAttempts,
    retryAt: nowMs + retryDelayMs(attempts, deps.retryBaseMs, deps.maxBackoffMs),
    nowMs,
  });
  if (!recorded) return 'lost';
  return error === null ? 'delivered' : 'failed';
}
