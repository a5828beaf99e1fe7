/**
 * The retention pruner's PostgreSQL statements (indexes: migration 0014). Each deletes one
 * small batch ($2 rows), oldest first; the pruner repeats it until a batch comes up short.
 */
export const retentionSql = {
  /** Delivered and failed events whose last attempt is older than the cutoff ($1); pending ones never. */
  event_outbox: `
    DELETE FROM event_outbox WHERE id IN (
      SELECT id FROM event_outbox WHERE status <> 'pending' AND last_attempt_at < $1
      ORDER BY last_attempt_at LIMIT $2)`,
  /** Push idempotency records past their window. */
  push_requests: `
    DELETE FROM push_requests WHERE (instance_id, request_id) IN (
      SELECT instance_id, request_id FROM push_requests WHERE created_at < $1
      ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  /** Sent and failed replies that finished before the cutoff; pending ones never. */
  replies: `
    DELETE FROM replies WHERE id IN (
      SELECT id FROM replies WHERE status <> 'pending' AND updated_at < $1
      ORDER BY updated_at LIMIT $2)`,
  /**
   * Each instance's pull log beyond its newest $1 entries: per instance, one index seek
   * finds its newest entry to delete, and only entries up to it are read (never the whole log).
   */
  pulls: `
    DELETE FROM pulls WHERE id IN (
      SELECT p.id FROM instances i
      CROSS JOIN LATERAL (
        SELECT q.id FROM pulls q WHERE q.instance_id = i.id ORDER BY q.id DESC OFFSET $1 LIMIT 1
      ) edge
      JOIN pulls p ON p.instance_id = i.id AND p.id <= edge.id
      LIMIT $2)`,
} as const;
