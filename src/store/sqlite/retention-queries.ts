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
  /**
   * Each instance's pull log beyond its newest @keep entries: per instance, one index seek
   * finds its oldest kept entry, and only older entries are read (never the whole log).
   */
  pulls: `
    DELETE FROM pulls WHERE id IN (
      SELECT p.id FROM instances i
      JOIN pulls p ON p.instance_id = i.id AND p.id <= (
        SELECT q.id FROM pulls q WHERE q.instance_id = i.id ORDER BY q.id DESC LIMIT 1 OFFSET @keep)
      LIMIT @limit)`,
} as const;
