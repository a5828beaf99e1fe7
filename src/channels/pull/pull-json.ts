import type { PullRecord, ResourceRecord, ThreadRecord } from '../../store/channel-store.js';
import { clickthroughUrl } from '../clickthrough/clickthrough-url.js';
import { isoTime } from '../instances/instance-json.js';
import { timestamp } from '../../http/response-schemas.js';

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

// The shapes above, for route schemas (serialisation and the OpenAPI document).

export const pullSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    started_at: timestamp,
    duration_ms: { type: 'number' },
    outcome: { type: 'string', enum: ['ok', 'failed'] },
    http_status: { type: ['integer', 'null'], description: "The integration's answer; null when none came." },
    resources_stored: { type: 'integer' },
    duplicates: { type: 'integer' },
    state_conflict: { type: 'boolean', description: 'state was not stored: it changed during the pull.' },
    error: { type: ['string', 'null'], description: 'Why the pull failed; never quotes metadata or state.' },
    deactivated: { type: 'boolean', description: 'This failure deactivated the instance.' },
  },
} as const;

export const threadSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    thread_key: { type: 'string', description: "The integration's thread_id, or its first resource's external_id." },
    resource_count: { type: 'integer' },
    created_at: timestamp,
  },
} as const;

export const resourceSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    thread_id: { type: 'integer' },
    external_id: { type: 'string' },
    clickthrough_url: { type: ['string', 'null'] },
    stored_at: timestamp,
    resource: { type: 'object', additionalProperties: true, description: 'As the integration sent it.' },
  },
} as const;
