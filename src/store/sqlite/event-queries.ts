import { forSqlite } from '../sql/render.js';
import { eventStatements } from '../sql/events.js';

/** Every SQL statement of the SQLite event outbox, as plain text. */
export const eventSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(eventStatements),
  /** The subdomain is read here, inside the change's transaction, while the account surely exists. */
  insertEvent: `
    INSERT INTO event_outbox
      (account_id, integration_id, instance_id, callback_url, integration_created_at, integration_name, subdomain,
       type_id, error, data, created_at, status, attempts)
    SELECT @accountId, @integrationId, @instanceId, @callbackUrl, @integrationCreatedAt, @integrationName,
      COALESCE((SELECT subdomain FROM accounts WHERE id = @accountId), ''), @typeId, @error, @dataJson, @nowMs,
      'pending', 0`,
  /**
   * Integrations with pending events, due, not leased (or the lease ran out), longest waiting
   * first. Starts from the pending events' index, one entry per integration (a skip scan), so
   * the poll reads only integrations with pending events, not every key ever made.
   */
  dueKeys: `
    WITH RECURSIVE pending (integration_id) AS (
      SELECT min(integration_id) FROM event_outbox WHERE status = 'pending'
      UNION ALL
      SELECT (SELECT min(e.integration_id) FROM event_outbox e
              WHERE e.status = 'pending' AND e.integration_id > pending.integration_id)
      FROM pending WHERE pending.integration_id IS NOT NULL
    )
    SELECT k.integration_id FROM pending JOIN event_delivery_keys k ON k.integration_id = pending.integration_id
    WHERE k.next_attempt_at <= @nowMs AND (k.lease_expires_at IS NULL OR k.lease_expires_at <= @nowMs)
    ORDER BY k.next_attempt_at, k.integration_id
    LIMIT @limit`,
  leaseKey: `UPDATE event_delivery_keys SET lease_owner = ?, lease_expires_at = ? WHERE integration_id = ?`,
  pendingEvents: `
    SELECT e.*, i.metadata AS instance_metadata
    FROM event_outbox e LEFT JOIN instances i ON i.id = e.instance_id
    WHERE e.integration_id = ? AND e.status = 'pending'
    ORDER BY e.id LIMIT ?`,
  /** Extends an owner's leases; RETURNING names the ones still that owner's. */
  renewLeases: `
    UPDATE event_delivery_keys SET lease_expires_at = ?
    WHERE integration_id IN (SELECT value FROM json_each(?)) AND lease_owner = ?
    RETURNING integration_id`,
  keyOwner: `SELECT lease_owner FROM event_delivery_keys WHERE integration_id = ?`,
  markDelivered: `
    UPDATE event_outbox SET status = 'delivered', attempts = attempts + 1, last_attempt_at = @nowMs,
      delivered_at = @nowMs
    WHERE id IN (SELECT value FROM json_each(@ids)) AND status = 'pending'`,
  markAttemptFailed: `
    UPDATE event_outbox SET attempts = attempts + 1, last_error = @error, last_attempt_at = @nowMs,
      status = CASE WHEN attempts + 1 >= @maxAttempts THEN 'failed' ELSE 'pending' END
    WHERE id IN (SELECT value FROM json_each(@ids)) AND status = 'pending'`,
  stillPending: `
    SELECT count(*) FROM event_outbox WHERE id IN (SELECT value FROM json_each(?)) AND status = 'pending'`,
  /** Stored resources among external ids (a JSON array), each with the first resource of its thread. */
  storedResourceIds: `
    SELECT r.external_id, r.id, r.thread_id,
      (SELECT min(first.id) FROM resources first WHERE first.thread_id = r.thread_id) AS first_in_thread
    FROM resources r
    WHERE r.instance_id = ? AND r.external_id IN (SELECT value FROM json_each(?))`,
} as const;
