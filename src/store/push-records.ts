// What a push stores and answers, as the store sees it. Kept apart from channel-store.ts
// (which imports these types) so the two files form no import cycle.

/** The outcome of one pushed resource, in the vendor's words. */
export type PushStatusCode =
  'success' | 'already_imported' | 'could_not_locate_parent_external_resource' | 'processing_error' | 'halted';

/** One result of a push, in the order of the pushed resources. */
export interface PushResultRecord {
  /** The resource's `external_id` as sent (empty when it sent none). */
  externalId: string;
  code: PushStatusCode;
  description: string;
}

/** A pushed resource: valid (stored like a pulled one), or refused by validation. */
export type PushEntry =
  | {
      ok: true;
      externalId: string;
      parentId: string | null;
      threadId: string | null;
      /** The resource as validated, JSON text. */
      payloadJson: string;
    }
  | {
      ok: false;
      externalId: string;
      /** What is wrong with it, for the `processing_error` description. */
      problem: string;
    };

export interface PushCompletion {
  instanceId: number;
  /** The integration's `request_id`: a second push with it answers the first one's results. */
  requestId: string | null;
  /**
   * What makes a repeat of `requestId` the same push: `pushBodyHash` (push-rules.ts) of its
   * `external_resources`. Kept with the results; a repeat with another hash is a `conflict`.
   * Unused (may be empty) when `requestId` is null.
   */
  bodyHash: string;
  entries: PushEntry[];
  nowMs: number;
  /** Idempotency records older than this (epoch ms) may be purged. */
  purgeBefore: number;
}

/**
 * `processed`: the results of this push, stored with its resources. `replayed`: the
 * request id was processed before, for the same body (or for a record kept without a
 * hash); its stored results, nothing written. `conflict`: the request id was processed
 * for another body; nothing written. `inactive`, `not_found`: nothing written.
 */
export type PushOutcome =
  | { kind: 'processed' | 'replayed'; results: PushResultRecord[] }
  | { kind: 'conflict' }
  | { kind: 'inactive' }
  | { kind: 'not_found' };

/** An idempotency record as stored: the results, and the body hash (null on rows older than it). */
export interface PushRequestRecord {
  results: PushResultRecord[];
  bodyHash: string | null;
}
