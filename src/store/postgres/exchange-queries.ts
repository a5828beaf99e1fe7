/** `ring` selects the ring; `newestFirst` orders it as its index does, so the walk reads the index only. */
function record(ring: string, newestFirst: string): string {
  return `
    WITH inserted AS (
      INSERT INTO exchanges (account_id, integration_id, instance_id, kind, method, url, started_at, duration_ms,
        http_status, outcome, error, findings, request_body, request_bytes, response_body, response_bytes)
      SELECT $1, $2, $3::bigint, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16
      WHERE EXISTS (SELECT 1 FROM channel_integrations WHERE account_id = $1 AND id = $2)
        AND ($3::bigint IS NULL OR EXISTS (SELECT 1 FROM instances WHERE id = $3::bigint))
      RETURNING id
    ), pruned AS (
      DELETE FROM exchanges WHERE id IN (
        SELECT id FROM exchanges WHERE ${ring} ORDER BY ${newestFirst} OFFSET $17::int - 1)
    )
    SELECT id FROM inserted`;
}

/**
 * Recording into the inspector's ring on PostgreSQL, one statement: the insert, then the ring
 * past its newest `keep` ($17) deleted (the delete sees the ring as before the insert, so it
 * keeps `keep - 1`). Rings take no lock: two exchanges of one ring recorded at once may leave
 * it one over, until the next. Nothing is inserted when the instance or integration is gone
 * (events of a deleted integration still go out).
 */
export const exchangeRecordSql = {
  recordInstanceExchange: [record(`instance_id = $3`, 'instance_id DESC, id DESC')],
  recordIntegrationExchange: [record(`integration_id = $2 AND instance_id IS NULL`, 'id DESC')],
};
