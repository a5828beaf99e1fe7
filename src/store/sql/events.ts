/**
 * The event outbox: the statements both stores run alike, written once with `?` placeholders (see render.ts).
 */
export const eventStatements = {
  /** A new key is due now; an existing one keeps its retry time, so new events wait behind older ones. */
  insertKey: `
    INSERT INTO event_delivery_keys (integration_id, next_attempt_at) VALUES (?, ?)
    ON CONFLICT (integration_id) DO NOTHING`,
  releaseKey: `
    UPDATE event_delivery_keys SET lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = ?
    WHERE integration_id = ?`,
  listEvents: `
    SELECT * FROM event_outbox WHERE account_id = ? AND integration_id = ? ORDER BY id DESC LIMIT ?`,

  // --- What the channel store's events need
  integrationByIdAnyAccount: `SELECT * FROM channel_integrations WHERE id = ?`,
} as const;
