import { integrationColumnsPrefixed } from '../channel-rows.js';

/** The reply statements SQLite runs its own way (see `ReplySql`). */
export const replySql = {
  /**
   * Leases pending, due replies whose lease (if any) ran out, oldest due first ($1 now,
   * $2 limit, $3 owner, $4 lease ms), counting the attempt. Writers take turns, so a claim
   * never hands a reply out twice; across processes, BEGIN IMMEDIATE does.
   */
  claimDue: `
    UPDATE replies SET lease_owner = $3, lease_expires_at = $1 + $4, attempts = attempts + 1, updated_at = $1
    WHERE id IN (
      SELECT id FROM replies
      WHERE status = 'pending' AND next_attempt_at <= $1 AND (lease_expires_at IS NULL OR lease_expires_at <= $1)
      ORDER BY next_attempt_at, id LIMIT $2)
    RETURNING *`,
  /** Extends an owner's leases on pending replies (until, ids, owner); RETURNING names the ones still that owner's. */
  renewLeases: `
    UPDATE replies SET lease_expires_at = ?
    WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ? AND status = 'pending'
    RETURNING id`,
  instancesWithIntegrations: `
    SELECT instances.*, ${integrationColumnsPrefixed}
    FROM instances JOIN channel_integrations ci ON ci.id = instances.integration_id
    WHERE instances.id IN (SELECT value FROM json_each(?))`,
} as const;
