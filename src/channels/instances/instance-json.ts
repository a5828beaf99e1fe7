import type { Instance } from '../../store/channel-store.js';
import { characterCount } from '../protocol/limits.js';

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
