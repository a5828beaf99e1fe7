/**
 * Recording into the inspector's ring on SQLite: the insert ($1 account … $16 response bytes),
 * then the ring past its newest `keep` ($17) pruned, in the write's one savepoint.
 */
const insertExchange = `
    INSERT INTO exchanges (account_id, integration_id, instance_id, kind, method, url, started_at, duration_ms,
      http_status, outcome, error, findings, request_body, request_bytes, response_body, response_bytes)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16
    WHERE EXISTS (SELECT 1 FROM channel_integrations WHERE account_id = $1 AND id = $2)
      AND ($3 IS NULL OR EXISTS (SELECT 1 FROM instances WHERE id = $3))
    RETURNING id`;

export const exchangeRecordSql = {
  /** Nothing when the instance or integration is gone (events of a deleted integration still go out). */
  recordInstanceExchange: [
    insertExchange,
    // A walk of `keep` index entries, then (usually) one row deleted.
    `DELETE FROM exchanges WHERE instance_id = $3 AND id <= (
      SELECT id FROM exchanges WHERE instance_id = $3 ORDER BY id DESC LIMIT 1 OFFSET $17)`,
  ],
  recordIntegrationExchange: [
    insertExchange,
    `DELETE FROM exchanges WHERE integration_id = $2 AND instance_id IS NULL AND id <= (
      SELECT id FROM exchanges WHERE integration_id = $2 AND instance_id IS NULL
      ORDER BY id DESC LIMIT 1 OFFSET $17)`,
  ],
};
