const summaryColumns = `id, account_id, integration_id, instance_id, kind, method, url, started_at, duration_ms,
  http_status, outcome, error, findings, request_bytes, response_bytes`;

/** An instance's exchanges and its integration's own (instance_id NULL), of one account (3 parameters). */
const inScope = `account_id = ? AND (instance_id = ? OR (integration_id = ? AND instance_id IS NULL))`;

/**
 * The inspector's statements both stores run alike, written once with `?` placeholders (see
 * render.ts). Recording into a ring differs by dialect and stays in each folder.
 */
export const exchangeStatements = {
  /** (account, instance, integration, before id, limit) */
  listExchanges: `SELECT ${summaryColumns} FROM exchanges WHERE ${inScope} AND id < ? ORDER BY id DESC LIMIT ?`,
  /** (account, instance, integration, id) */
  getExchange: `SELECT * FROM exchanges WHERE ${inScope} AND id = ?`,
  /** Key rotation's read: a batch of bodies as stored, by id. */
  storedBodies: `SELECT id, request_body, response_body FROM exchanges WHERE id > ? ORDER BY id LIMIT ?`,
  /** Key rotation's rewrite, only if unchanged since read. */
  rewriteBodies: `
    UPDATE exchanges SET request_body = ?, response_body = ?
    WHERE id = ? AND request_body = ? AND response_body IS NOT DISTINCT FROM ?`,
};
