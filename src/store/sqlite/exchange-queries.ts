import { forSqlite } from '../sql/render.js';
import { exchangeStatements } from '../sql/exchanges.js';

/** The inspector's SQL on SQLite, as plain text. */
const summaryColumns = `id, account_id, integration_id, instance_id, kind, method, url, started_at, duration_ms,
  http_status, outcome, error, findings, request_bytes, response_bytes`;

/** An instance's exchanges and its integration's own (instance_id NULL). */
const inScope = `account_id = @accountId
  AND (instance_id = @instanceId OR (integration_id = @integrationId AND instance_id IS NULL))`;

export const exchangeSql = {
  /** Nothing when the instance or integration is gone (events of a deleted integration still go out). */
  insertExchange: `
    INSERT INTO exchanges (account_id, integration_id, instance_id, kind, method, url, started_at, duration_ms,
      http_status, outcome, error, findings, request_body, request_bytes, response_body, response_bytes)
    SELECT @accountId, @integrationId, @instanceId, @kind, @method, @url, @startedAt, @durationMs,
      @httpStatus, @outcome, @error, @findingsJson, @requestBody, @requestBytes, @responseBody, @responseBytes
    WHERE EXISTS (SELECT 1 FROM channel_integrations WHERE account_id = @accountId AND id = @integrationId)
      AND (@instanceId IS NULL OR EXISTS (SELECT 1 FROM instances WHERE id = @instanceId))
    RETURNING id`,
  /** The ring past its newest `keep`: a walk of `keep` index entries, then (usually) one row deleted. */
  pruneInstanceRing: `
    DELETE FROM exchanges WHERE instance_id = @instanceId AND id <= (
      SELECT id FROM exchanges WHERE instance_id = @instanceId ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
  pruneIntegrationRing: `
    DELETE FROM exchanges WHERE integration_id = @integrationId AND instance_id IS NULL AND id <= (
      SELECT id FROM exchanges WHERE integration_id = @integrationId AND instance_id IS NULL
      ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
  listExchanges: `
    SELECT ${summaryColumns} FROM exchanges
    WHERE ${inScope} AND id < @beforeId ORDER BY id DESC LIMIT @limit`,
  getExchange: `SELECT * FROM exchanges WHERE id = @id AND ${inScope}`,
  /** Key rotation: a batch of stored bodies by id, and a rewrite only if unchanged since read. */
  ...forSqlite(exchangeStatements),
  rewriteBodies: `
    UPDATE exchanges SET request_body = ?, response_body = ?
    WHERE id = ? AND request_body = ? AND response_body IS ?`,
};
