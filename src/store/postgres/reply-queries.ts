import { integrationColumnsPrefixed } from '../channel-rows.js';

/** The reply statements PostgreSQL runs its own way (see `ReplySql`). */
export const replySql = {
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
} as const;
