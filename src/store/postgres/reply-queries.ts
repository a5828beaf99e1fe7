import { forPostgres } from '../sql/render.js';
import { replyStatements } from '../sql/replies.js';
import { integrationColumnsPrefixed } from '../channel-rows.js';

/** Every SQL statement the PostgreSQL reply store runs, as plain text. */
export const replySql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forPostgres(replyStatements),
  /** Inserts nothing unless the thread belongs to an instance of the account. */
  insertReply: `
    INSERT INTO replies
      (instance_id, thread_id, status, message, file_urls, parent_id, recipient_id, thread_key,
       request_unique_identifier, external_id, attempts, last_error, next_attempt_at, created_at, updated_at,
       idempotency_key, request_hash)
    SELECT threads.instance_id, threads.id, 'pending', $1, $2, $3, $4, $5, $6, NULL, 0, NULL, $7, $7, $7, $11, $12
    FROM threads JOIN instances ON instances.id = threads.instance_id
    WHERE instances.account_id = $8 AND threads.instance_id = $9 AND threads.id = $10
    ON CONFLICT (instance_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING *`,
  /**
   * Leases pending, due replies whose lease (if any) ran out, oldest due first ($1 now,
   * $2 limit, $3 owner, $4 lease ms), counting the attempt, in one statement. SKIP LOCKED:
   * rows another node is claiming right now are passed over, and one it claimed meanwhile
   * is re-checked and no longer qualifies, so no two nodes send one reply at once.
   */
  claimDue: `
    WITH due AS (
      SELECT id FROM replies
      WHERE status = 'pending' AND next_attempt_at <= $1::bigint
        AND (lease_expires_at IS NULL OR lease_expires_at <= $1::bigint)
      ORDER BY next_attempt_at, id
      LIMIT $2
      FOR UPDATE SKIP LOCKED
    )
    UPDATE replies SET lease_owner = $3, lease_expires_at = $1::bigint + $4::bigint, attempts = attempts + 1,
      updated_at = $1::bigint
    FROM due WHERE replies.id = due.id
    RETURNING replies.*`,
  /**
   * Extends an owner's leases on pending replies ($1 until, $2 ids, $3 owner); RETURNING
   * names the ones still theirs. Rows are locked in id order, so two renewals never deadlock.
   */
  renewLeases: `
    UPDATE replies SET lease_expires_at = $1
    WHERE lease_owner = $3 AND status = 'pending' AND id IN (
      SELECT id FROM replies WHERE id = ANY ($2::bigint[]) AND lease_owner = $3 AND status = 'pending'
      ORDER BY id FOR UPDATE
    )
    RETURNING id`,
  instancesWithIntegrations: `
    SELECT instances.*, ${integrationColumnsPrefixed}
    FROM instances JOIN channel_integrations ci ON ci.id = instances.integration_id
    WHERE instances.id = ANY ($1::bigint[])`,
  /** Writers of an instance's resources take its row lock first (see the channel store). */
  lockInstance: `SELECT id FROM instances WHERE id = (SELECT instance_id FROM replies WHERE id = $1) FOR UPDATE`,
  /** The reply, if still pending and leased by this owner. */
  leasedReplyForUpdate: `SELECT * FROM replies WHERE id = $1 AND status = 'pending' AND lease_owner = $2 FOR UPDATE`,
  /** An external id the instance has already is left as it is: a later pull of it is a duplicate. */
  insertReplyResource: `
    INSERT INTO resources (instance_id, thread_id, external_id, payload, stored_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (instance_id, external_id) DO NOTHING RETURNING id`,
  reportReplyError: `
    UPDATE replies SET status = 'failed', last_error = $1, updated_at = $2, lease_owner = NULL, lease_expires_at = NULL
    WHERE instance_id = $3 AND external_id = $4 RETURNING id`,
} as const;
