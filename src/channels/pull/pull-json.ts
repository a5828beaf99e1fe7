import type { PullRecord, ResourceRecord, ThreadRecord } from '../../store/channel-store.js';
import { clickthroughUrl } from '../clickthrough/clickthrough-url.js';
import { isoTime } from '../instances/instance-json.js';

/** A pull log entry as the API and the CLI show it. */
export function pullJson(pull: PullRecord) {
  return {
    id: pull.id,
    started_at: isoTime(pull.startedAt),
    duration_ms: pull.durationMs,
    outcome: pull.outcome,
    http_status: pull.httpStatus,
    resources_stored: pull.resourcesStored,
    duplicates: pull.duplicates,
    state_conflict: pull.stateConflict,
    error: pull.error,
    deactivated: pull.deactivated,
  };
}

/** A thread as the API shows it. */
export function threadJson(thread: ThreadRecord) {
  return {
    id: thread.id,
    thread_key: thread.threadKey,
    resource_count: thread.resourceCount,
    created_at: isoTime(thread.createdAt),
  };
}

/**
 * A stored resource as the API shows it: the resource exactly as the integration sent it,
 * and its `clickthrough_url` (null when the manifest has none).
 */
export function resourceJson(resource: ResourceRecord, clickthroughBase: string | null = null) {
  return {
    id: resource.id,
    thread_id: resource.threadId,
    external_id: resource.externalId,
    clickthrough_url: clickthroughUrl(clickthroughBase, resource.externalId),
    stored_at: isoTime(resource.storedAt),
    resource: JSON.parse(resource.payloadJson) as unknown,
  };
}
