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
   * Leases integrations with pending events, due, not leased (or the lease ran out), longest
   * waiting first ($1 now, $2 limit, $3 owner, $4 lease ms). Starts from the pending events'
   * index, one entry per integration (a skip scan), so the claim reads only integrations
   * with pending events, not every key ever made. Writers take turns: no two claims lease one key.
   */
  claimKeys: `
    UPDATE event_delivery_keys SET lease_owner = $3, lease_expires_at = $1 + $4
    WHERE integration_id IN (
      WITH RECURSIVE pending (integration_id) AS (
        SELECT min(integration_id) FROM event_outbox WHERE status = 'pending'
        UNION ALL
        SELECT (SELECT min(e.integration_id) FROM event_outbox e
                WHERE e.status = 'pending' AND e.integration_id > pending.integration_id)
        FROM pending WHERE pending.integration_id IS NOT NULL
      )
      SELECT k.integration_id FROM pending JOIN event_delivery_keys k ON k.integration_id = pending.integration_id
      WHERE k.next_attempt_at <= $1 AND (k.lease_expires_at IS NULL OR k.lease_expires_at <= $1)
      ORDER BY k.next_attempt_at, k.integration_id
      LIMIT $2)
    RETURNING integration_id`,
  /** The oldest pending events of each key (a JSON array), at most ? each, with their instance's metadata. */
  pendingEvents: `
    SELECT e.*, i.metadata AS instance_metadata
    FROM json_each(?) AS k
    JOIN event_outbox e ON e.id IN (
      SELECT p.id FROM event_outbox p WHERE p.integration_id = k.value AND p.status = 'pending'
      ORDER BY p.id LIMIT ?)
    LEFT JOIN instances i ON i.id = e.instance_id
    ORDER BY e.integration_id, e.id`,
  /** Extends an owner's leases (until, ids, owner); RETURNING names the ones still that owner's. */
  renewLeases: `
    UPDATE event_delivery_keys SET lease_expires_at = ?
    WHERE integration_id IN (SELECT value FROM json_each(?)) AND lease_owner = ?
    RETURNING integration_id`,
  keyOwner: `SELECT lease_owner FROM event_delivery_keys WHERE integration_id = ?`,
  markDelivered: `
    UPDATE event_outbox SET status = 'delivered', attempts = attempts + 1, last_attempt_at = $1, delivered_at = $1
    WHERE id IN (SELECT value FROM json_each($2)) AND status = 'pending'`,
  /** Each tried event's status. */
  markAttemptFailed: `
    UPDATE event_outbox SET attempts = attempts + 1, last_error = ?, last_attempt_at = ?,
      status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END
    WHERE id IN (SELECT value FROM json_each(?)) AND status = 'pending'
    RETURNING status`,
  /** Stored resources among external ids (a JSON array), each with the first resource of its thread. */
  storedResourceIds: `
    SELECT r.external_id, r.id, r.thread_id,
      (SELECT min(first.id) FROM resources first WHERE first.thread_id = r.thread_id) AS first_in_thread
    FROM resources r
    WHERE r.instance_id = ? AND r.external_id IN (SELECT value FROM json_each(?))`,
} as const;
