import type { EventBatch, EventOutboxStore } from '../../store/event-outbox-store.js';
import type { OutboundClient } from '../outbound/outbound-client.js';
import { OutboundError } from '../outbound/outbound-error.js';
import { integrationSigningSecret } from '../signing-secret.js';
import { callbackEvent } from './callback-event.js';
import type { ExchangeRecorder } from '../inspector/exchange-recorder.js';
import { outboundFinding, statusFinding } from '../inspector/exchange-findings.js';
import type { Finding } from '../protocol/finding.js';

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
  /** Where each batch's request and answer are recorded (the inspector), if anywhere. */
  inspector?: ExchangeRecorder;
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
  const startedAt = deps.nowMs();
  const body = { events: batch.events.map(callbackEvent) };
  let answered: { status: number; body: string } | undefined;
  const findings: Finding[] = [];
  try {
    const response = await deps.client.postJson(batch.callbackUrl, body, { signingSecret, signal: lease });
    answered = response;
    if (response.status < 200 || response.status > 299) {
      error = `event_callback_url answered HTTP ${response.status}; expected 2xx`;
      findings.push(statusFinding('event_batch', response.status, '2xx'));
    }
  } catch (caught) {
    // Cut off because the lease was lost: this was no attempt of the integration's to count.
    if (lease?.aborted) return 'lost';
    error = caught instanceof OutboundError ? caught.message : 'the delivery failed unexpectedly';
    if (caught instanceof OutboundError) findings.push(outboundFinding('event_batch', caught));
  }
  const nowMs = deps.nowMs();
  const outcome = error === null ? 'ok' : 'failed';
  // Beside the batch's own write, never instead of it: the integration's ring (no one instance).
  const inspected = deps.inspector?.wants(outcome, findings.length)
    ? deps.inspector.record({
        accountId: batch.accountId,
        integrationId: batch.integrationId,
        instanceId: null,
        kind: 'event_batch',
        method: 'POST',
        url: batch.callbackUrl,
        startedAt,
        durationMs: nowMs - startedAt,
        httpStatus: answered?.status ?? null,
        outcome,
        error,
        findings,
        requestBody: JSON.stringify(body),
        responseBody: answered?.body ?? null,
      })
    : undefined;
  const attempts = Math.max(...batch.events.map((event) => event.attempts)) + 1;
  const completed = deps.store.completeEventBatch({
    integrationId: batch.integrationId,
    owner: deps.owner,
    eventIds: batch.events.map((event) => event.id),
    outcome: error === null ? 'delivered' : 'failed',
    error: error !== null && error.length > maxErrorLength ? `${error.slice(0, maxErrorLength)}…` : error,
    maxAttempts: deps.maxAttempts,
    retryAt: nowMs + retryDelayMs(attempts, deps.retryBaseMs, deps.maxBackoffMs),
    nowMs,
  });
  const [recorded] = await Promise.all([completed, inspected]);
  if (!recorded) return 'lost';
  return error === null ? 'delivered' : 'failed';
}
