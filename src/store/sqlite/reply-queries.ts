import { forSqlite } from '../sql/render.js';
import { replyStatements } from '../sql/replies.js';
import { integrationColumnsPrefixed } from '../channel-rows.js';

/** Every SQL statement the SQLite reply store runs, as plain text. */
export const replySql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(replyStatements),
  /** Inserts nothing unless the thread belongs to an instance of the account. */
  insertReply: `
    INSERT INTO replies
      (instance_id, thread_id, status, message, file_urls, parent_id, recipient_id, thread_key,
       request_unique_identifier, external_id, attempts, last_error, next_attempt_at, created_at, updated_at,
       idempotency_key, request_hash)
    SELECT threads.instance_id, threads.id, 'pending', ?, ?, ?, ?, ?, ?, NULL, 0, NULL, ?, ?, ?, ?, ?
    FROM threads JOIN instances ON instances.id = threads.instance_id
    WHERE instances.account_id = ? AND threads.instance_id = ? AND threads.id = ?
    RETURNING *`,
  /** Pending, due, not leased (or the lease ran out), oldest due first. */
  dueReplies: `
    SELECT id FROM replies
    WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
    ORDER BY next_attempt_at, id LIMIT ?`,
  leaseReply: `
    UPDATE replies SET lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
    WHERE id = ? RETURNING *`,
  /** Extends an owner's leases on pending replies; RETURNING names the ones still that owner's. */
  renewLeases: `
    UPDATE replies SET lease_expires_at = ?
    WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ? AND status = 'pending'
    RETURNING id`,
  instanceWithIntegration: `
    SELECT instances.*, ${integrationColumnsPrefixed}
    FROM instances JOIN channel_integrations ci ON ci.id = instances.integration_id
    WHERE instances.id = ?`,
  /** The reply, if still pending and leased by this owner. */
  leasedReply: `SELECT * FROM replies WHERE id = ? AND status = 'pending' AND lease_owner = ?`,
  /** An external id the instance has already is left as it is: a later pull of it is a duplicate. */
  insertReplyResource: `
    INSERT INTO resources (instance_id, thread_id, external_id, payload, stored_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (instance_id, external_id) DO NOTHING`,
  reportReplyError: `
    UPDATE replies SET status = 'failed', last_error = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
    WHERE instance_id = ? AND external_id = ?`,
} as const;
