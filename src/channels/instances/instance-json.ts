import type { Instance } from '../../store/channel-store.js';
import { characterCount } from '../protocol/limits.js';
import { nullableTimestamp, timestamp } from '../../http/response-schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/**
 * An instance as the API shows it. Metadata often holds the origin service's credentials,
 * so it is redacted unless the caller asked for it (`?include=metadata`).
 */
export function instanceJson(instance: Instance, options: { includeMetadata: boolean }) {
  return {
    id: instance.id,
    integration_id: instance.integrationId,
    name: instance.name,
    metadata: options.includeMetadata ? instance.metadata : null,
    metadata_redacted: !options.includeMetadata,
    metadata_length: characterCount(instance.metadata),
    state: instance.state,
    instance_push_id: instance.instancePushId,
    active: instance.active,
    deactivated_reason: instance.deactivatedReason,
    metadata_needs_update: instance.metadataNeedsUpdate,
    consecutive_failures: instance.consecutiveFailures,
    next_pull_at: instance.active ? iso(instance.nextPullAt) : null,
    last_pull_at: iso(instance.lastPullAt),
    created_at: iso(instance.createdAt),
    updated_at: iso(instance.updatedAt),
  };
}

export { iso as isoTime };

/** `instanceJson`'s shape, for route schemas (serialisation and the OpenAPI document). */
export const instanceSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    integration_id: { type: 'integer' },
    name: { type: 'string' },
    metadata: { type: ['string', 'null'], description: 'Null (redacted) unless asked for with include=metadata.' },
    metadata_redacted: { type: 'boolean' },
    metadata_length: { type: 'integer', description: 'In Unicode code points, at most 5000.' },
    state: { type: 'string' },
    instance_push_id: { type: 'string', description: 'Names the instance in the push API.' },
    active: { type: 'boolean' },
    deactivated_reason: { type: ['string', 'null'], examples: ['deactivated through the API'] },
    metadata_needs_update: { type: 'boolean' },
    consecutive_failures: { type: 'integer' },
    next_pull_at: { ...nullableTimestamp, description: 'Null while deactivated.' },
    last_pull_at: nullableTimestamp,
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const;
