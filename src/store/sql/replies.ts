import { channelStatements } from './channel.js';

/**
 * Replies (channelback): the statements both stores run alike, written once with `?` placeholders (see render.ts).
 */
export const replyStatements = {
  threadById: `
    SELECT threads.* FROM threads JOIN instances ON instances.id = threads.instance_id
    WHERE instances.account_id = ? AND threads.instance_id = ? AND threads.id = ?`,
  resourceById: `
    SELECT resources.* FROM resources JOIN instances ON instances.id = resources.instance_id
    WHERE instances.account_id = ? AND resources.instance_id = ? AND resources.id = ?`,
  /** The instance's reply holding this Idempotency-Key, created at or after the window's start. */
  idempotentReply: `
    SELECT replies.* FROM replies JOIN instances ON instances.id = replies.instance_id
    WHERE instances.account_id = ? AND replies.instance_id = ? AND replies.idempotency_key = ?
      AND replies.created_at >= ?`,
  /** A key older than its 24 h window is free again: the old reply lets go of it. */
  expireIdempotencyKey: `
    UPDATE replies SET idempotency_key = NULL
    WHERE instance_id = ? AND idempotency_key = ? AND created_at < ?`,
  replyById: `
    SELECT replies.* FROM replies JOIN instances ON instances.id = replies.instance_id
    WHERE instances.account_id = ? AND replies.instance_id = ? AND replies.id = ?`,
  listThreadReplies: `
    SELECT replies.* FROM replies JOIN instances ON instances.id = replies.instance_id
    WHERE instances.account_id = ? AND replies.instance_id = ? AND replies.thread_id = ?
    ORDER BY replies.id`,
  /**
   * A completion's first step: settles the reply only if it is still pending and leased by
   * this owner (the lease check and the settle in one statement; on PostgreSQL the UPDATE
   * takes the row lock and re-checks after any wait). A NULL next attempt keeps the one it had.
   */
  settleLeasedReply: `
    UPDATE replies SET status = ?, external_id = ?, last_error = ?, next_attempt_at = coalesce(?, next_attempt_at),
      sent_at = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = ? AND status = 'pending' AND lease_owner = ? RETURNING *`,
  /**
   * Inserts nothing unless the thread belongs to an instance of the account; with a key the
   * instance already holds, nothing either (a racing insert of that key waits for the other
   * to commit, then does nothing).
   */
  insertReply: `
    INSERT INTO replies
      (instance_id, thread_id, status, message, file_urls, parent_id, recipient_id, thread_key,
       request_unique_identifier, external_id, attempts, last_error, next_attempt_at, created_at, updated_at,
       idempotency_key, request_hash)
    SELECT threads.instance_id, threads.id, 'pending', ?, ?, ?, ?, ?, ?, NULL, 0, NULL, ?, ?, ?, ?, ?
    FROM threads JOIN instances ON instances.id = threads.instance_id
    WHERE instances.account_id = ? AND threads.instance_id = ? AND threads.id = ?
    ON CONFLICT (instance_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING *`,
  /** An external id the instance has already is left as it is: a later pull of it is a duplicate. */
  insertReplyResource: `
    INSERT INTO resources (instance_id, thread_id, external_id, payload, stored_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (instance_id, external_id) DO NOTHING RETURNING id`,
  reportReplyError: `
    UPDATE replies SET status = 'failed', last_error = ?, updated_at = ?, lease_owner = NULL, lease_expires_at = NULL
    WHERE instance_id = ? AND external_id = ?`,
  countIntoThread: channelStatements.countIntoThread,
  applyAnswerToInstance: `
    UPDATE instances SET metadata = coalesce(?, metadata), metadata_needs_update = coalesce(?, metadata_needs_update),
      updated_at = ?
    WHERE id = ?`,
} as const;
