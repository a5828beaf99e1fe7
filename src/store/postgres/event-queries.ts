import { forPostgres } from '../sql/render.js';
import { eventStatements } from '../sql/events.js';

/** Every SQL statement of the PostgreSQL event outbox, as plain text. */
export const eventSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forPostgres(eventStatements),
  /** The subdomain is read here, inside the change's transaction, while the account surely exists. */
  insertEvent: `
    INSERT INTO event_outbox
      (account_id, integration_id, instance_id, callback_url, integration_created_at, integration_name, subdomain,
       type_id, error, data, created_at, status, attempts)
    SELECT $1, $2, $3, $4, $5, $6, COALESCE((SELECT subdomain FROM accounts WHERE id = $1), ''), $7, $8, $9, $10,
      'pending', 0`,
  /**
   * Leases integrations with pending events that are due and not leased (or whose lease
   * ran out), longest waiting first ($1 now, $2 limit, $3 owner, $4 lease ms), in one
   * statement. `pending` walks the pending events' index one integration at a time (a skip
   * scan), so the claim reads only integrations with pending events, not every key. SKIP LOCKED passes over keys another node is leasing right now; a key
   * leased by a transaction that committed meanwhile is re-checked and no longer qualifies.
   */
  claimKeys: `
    WITH RECURSIVE pending (integration_id) AS (
      SELECT min(integration_id) FROM event_outbox WHERE status = 'pending'
      UNION ALL
      SELECT (SELECT min(e.integration_id) FROM event_outbox e
              WHERE e.status = 'pending' AND e.integration_id > pending.integration_id)
      FROM pending WHERE pending.integration_id IS NOT NULL
    ), due AS (
      SELECT k.integration_id FROM pending JOIN event_delivery_keys k ON k.integration_id = pending.integration_id
      WHERE k.next_attempt_at <= $1::bigint AND (k.lease_expires_at IS NULL OR k.lease_expires_at <= $1::bigint)
      ORDER BY k.next_attempt_at, k.integration_id
      LIMIT $2
      FOR UPDATE OF k SKIP LOCKED
    )
    UPDATE event_delivery_keys k SET lease_owner = $3, lease_expires_at = $1::bigint + $4::bigint
    FROM due WHERE k.integration_id = due.integration_id
    RETURNING k.integration_id`,
  /** The oldest pending events of each key ($1), at most $2 each, with their instance's metadata. */
  pendingEvents: `
    SELECT e.*, i.metadata AS instance_metadata
    FROM unnest($1::bigint[]) AS k (integration_id)
    CROSS JOIN LATERAL (
      SELECT * FROM event_outbox e
      WHERE e.integration_id = k.integration_id AND e.status = 'pending'
      ORDER BY e.id LIMIT $2
    ) e
    LEFT JOIN instances i ON i.id = e.instance_id
    ORDER BY e.integration_id, e.id`,
  /**
   * Extends an owner's leases ($1 until, $2 integration ids, $3 owner); RETURNING names the
   * ones still theirs. The keys are locked in id order, so two renewals never deadlock.
   */
  renewLeases: `
    UPDATE event_delivery_keys SET lease_expires_at = $1
    WHERE lease_owner = $3 AND integration_id IN (
      SELECT integration_id FROM event_delivery_keys
      WHERE integration_id = ANY ($2::bigint[]) AND lease_owner = $3
      ORDER BY integration_id FOR UPDATE
    )
    RETURNING integration_id`,
  keyOwner: `SELECT lease_owner FROM event_delivery_keys WHERE integration_id = $1 FOR UPDATE`,
  markDelivered: `
    UPDATE event_outbox SET status = 'delivered', attempts = attempts + 1, last_attempt_at = $1,
      delivered_at = $1
    WHERE id = ANY ($2::bigint[]) AND status = 'pending'`,
  /** Each tried event's status. */
  markAttemptFailed: `
    UPDATE event_outbox SET attempts = attempts + 1, last_error = $1, last_attempt_at = $2,
      status = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'pending' END
    WHERE id = ANY ($4::bigint[]) AND status = 'pending'
    RETURNING status`,
  /** Stored resources among external ids, each with the first resource of its thread. */
  storedResourceIds: `
    SELECT r.external_id, r.id, r.thread_id,
      (SELECT min(first.id) FROM resources first WHERE first.thread_id = r.thread_id) AS first_in_thread
    FROM resources r
    WHERE r.instance_id = $1 AND r.external_id = ANY ($2::text[])`,
} as const;
