/**
 * The retention pruner's SQLite statements (indexes: migration 0014). Each deletes one
 * small batch (`@limit` rows), oldest first; the pruner repeats it until a batch comes up short.
 */
export const retentionSql = {
  /** Delivered and failed events whose last attempt is older than the cutoff; pending ones never. */
  event_outbox: `
    DELETE FROM event_outbox WHERE id IN (
      SELECT id FROM event_outbox WHERE status <> 'pending' AND last_attempt_at < @beforeMs
      ORDER BY last_attempt_at LIMIT @limit)`,
  /** Push idempotency records past their window. */
  push_requests: `
    DELETE FROM push_requests WHERE rowid IN (
      SELECT rowid FROM push_requests WHERE created_at < @beforeMs ORDER BY created_at LIMIT @limit)`,
  /** Sent and failed replies that finished before the cutoff; pending ones never. */
  replies: `
    DELETE FROM replies WHERE id IN (
      SELECT id FROM replies WHERE status <> 'pending' AND updated_at < @beforeMs
      ORDER BY updated_at LIMIT @limit)`,
  /** Each instance's pull log beyond its newest @keep entries. */
  pulls: `
    DELETE FROM pulls WHERE id IN (
      SELECT id FROM (
        SELECT id, row_number() OVER (PARTITION BY instance_id ORDER BY id DESC) AS newer FROM pulls
      ) WHERE newer > @keep ORDER BY id LIMIT @limit)`,
} as const;
