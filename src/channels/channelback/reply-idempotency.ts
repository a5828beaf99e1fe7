import { canonicalHash } from '../../store/canonical-json.js';
import { BadRequest, Conflict } from '../../http/errors.js';
import { idempotencyKeyPattern, type ReplyIdempotency, type ReplyRecord } from '../../store/reply-store.js';

// The reply API's Idempotency-Key, with Stripe's semantics: the same key and the same body
// within 24 hours answer the first reply again (same status, same body) and store nothing;
// the same key with another body (or on another thread) answers 409 naming the key. Keys
// are scoped per instance (see migration 0016).

/** How long a key holds its reply: Stripe's 24 hours. */
export const idempotencyWindowMs = 24 * 60 * 60 * 1000;

/**
 * The request's idempotency, from its `Idempotency-Key` header; undefined without one.
 * Throws 400 for a key that is not 1–255 visible ASCII characters, or given twice.
 */
export function replyIdempotency(header: string | string[] | undefined, body: unknown, nowMs: number) {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw BadRequest('Send one Idempotency-Key header, not several.');
  if (!idempotencyKeyPattern.test(header)) {
    throw BadRequest(
      'The Idempotency-Key header must be 1–255 visible ASCII characters without spaces, such as a UUID.',
    );
  }
  const requestHash = canonicalHash(body);
  return { key: header, requestHash, notBeforeMs: nowMs - idempotencyWindowMs } satisfies ReplyIdempotency;
}

/**
 * The reply a key holds, checked against this request: the same thread and body answer it
 * as it was first answered; anything else is a 409 naming the key.
 */
export function heldReply(held: ReplyRecord, idempotency: ReplyIdempotency, threadId: number): ReplyRecord {
  if (held.threadId !== threadId || held.requestHash !== idempotency.requestHash) {
    throw Conflict(
      `The Idempotency-Key "${idempotency.key}" was used within 24 hours for another request ` +
        `(reply ${held.id}, with another thread or body); send a new key for a new reply.`,
      { idempotency_key: idempotency.key },
    );
  }
  return asFirstAnswered(held);
}

/** The reply as the request that created it was answered: pending, no attempt yet. */
function asFirstAnswered(reply: ReplyRecord): ReplyRecord {
  return {
    ...reply,
    status: 'pending',
    externalId: null,
    attempts: 0,
    lastError: null,
    nextAttemptAt: reply.createdAt,
    sentAt: null,
    updatedAt: reply.createdAt,
  };
}
