import type { EventTypeId, OutboxEvent } from '../../store/event-outbox-store.js';

/** Event types whose `data` carries the instance's `metadata`, read when the batch is sent. */
const withMetadata = new Set<EventTypeId>([
  'create_integration_instance',
  'destroy_integration_instance',
  'activate_integration_instance',
  'deactivate_integration_instance',
]);

/** ISO 8601 / RFC 3339 in UTC, to the millisecond: `2024-01-01T12:00:00.123Z`. */
const rfc3339 = (ms: number) => new Date(ms).toISOString();

/**
 * One event as the integration receives it, typed as the vendor's event schema says:
 * `integration_id` a string, `timestamp` RFC 3339, `error` only when there is one. Beyond
 * the vendor, `id` (a string, unique per database) lets the integration drop a repeat:
 * delivery is at least once. `metadata` is the instance's metadata now, or "" when the
 * instance no longer exists (a `destroy_integration_instance`, or any event sent after).
 */
export function callbackEvent(event: OutboxEvent) {
  const data = JSON.parse(event.dataJson) as Record<string, unknown>;
  return {
    id: String(event.id),
    type_id: event.typeId,
    timestamp: rfc3339(event.createdAt),
    subdomain: event.subdomain,
    integration_name: event.integrationName,
    integration_id: String(event.integrationId),
    ...(event.error !== null ? { error: event.error } : {}),
    data: withMetadata.has(event.typeId) ? { metadata: event.metadata ?? '', ...data } : data,
  };
}
