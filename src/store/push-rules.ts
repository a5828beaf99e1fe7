import { canonicalHash } from './canonical-json.js';
import type { PulledResource } from './channel-store.js';
import type { PushEntry, PushOutcome, PushRequestRecord, PushResultRecord } from './push-records.js';

// What a push does, as a pure function over what is stored: both stores run it inside
// their transaction, so SQLite and PostgreSQL answer alike.

export const haltedDescription = 'not processed because processing of previous resources failed';

export interface PushPlan {
  results: PushResultRecord[];
  /** The resources to store, in order; thread them with `planResources`. */
  store: PulledResource[];
}

/** What identifies a push's body for its `request_id`: SHA-256 (hex) of the canonical JSON of `external_resources`. */
export function pushBodyHash(externalResources: unknown): string {
  return canonicalHash(externalResources);
}

/**
 * A push whose request id is already recorded: its results again when the body is the same
 * (a record kept without a hash, from before hashes were kept, counts as the same), else a
 * conflict, since answering the first results would silently drop the new resources.
 */
export function repeatOutcome(record: PushRequestRecord, bodyHash: string): PushOutcome {
  if (record.bodyHash !== null && record.bodyHash !== bodyHash) return { kind: 'conflict' };
  return { kind: 'replayed', results: record.results };
}

/** The external ids whose stored thread {@link planPush} needs: every valid external and parent id. */
export function pushIdsToLookUp(entries: readonly PushEntry[]): string[] {
  const ids = new Set<string>();
  for (const entry of entries) {
    if (!entry.ok) continue;
    ids.add(entry.externalId);
    if (entry.parentId !== null) ids.add(entry.parentId);
  }
  return [...ids];
}

/**
 * One result per entry, in order. An external id stored before (or earlier in the push) is
 * `already_imported`, which is no failure. A resource that failed validation is a
 * `processing_error`; a `parent_id` that names nothing stored nor stored earlier in the
 * push is `could_not_locate_parent_external_resource` (a pull would open a new thread
 * instead). After the first failure every later resource is `halted`.
 *
 * @param stored The instance's stored external ids among {@link pushIdsToLookUp}.
 */
export function planPush(entries: readonly PushEntry[], stored: ReadonlySet<string>): PushPlan {
  const plan: PushPlan = { results: [], store: [] };
  const batch = new Set<string>();
  let failed = false;
  for (const entry of entries) {
    const result = (code: PushResultRecord['code'], description: string) =>
      plan.results.push({ externalId: entry.externalId, code, description });
    if (failed) {
      result('halted', haltedDescription);
    } else if (!entry.ok) {
      failed = true;
      result('processing_error', entry.problem);
    } else if (stored.has(entry.externalId) || batch.has(entry.externalId)) {
      result(
        'already_imported',
        `external_id ${JSON.stringify(entry.externalId)} was already imported; nothing changed`,
      );
    } else if (entry.parentId !== null && !stored.has(entry.parentId) && !batch.has(entry.parentId)) {
      failed = true;
      result(
        'could_not_locate_parent_external_resource',
        `parent_id ${JSON.stringify(entry.parentId)} matches no resource of this instance; ` +
          'push the parent first, or send thread_id instead',
      );
    } else {
      batch.add(entry.externalId);
      const { externalId, parentId, threadId, payloadJson } = entry;
      plan.store.push({ externalId, parentId, threadId, payloadJson });
      result('success', 'stored');
    }
  }
  return plan;
}
