/**
 * Channel integrations, instances, pulls, threads, resources and admin UI hand-offs: the
 * statements both stores run alike, written once with `?` placeholders (see render.ts).
 */
export const channelStatements = {
  /** (account, remote id, name, manifest URL, manifest, pull URL, now, now) */
  insertIntegration: `
    INSERT INTO channel_integrations
      (account_id, remote_id, name, manifest_url, manifest, pull_url, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  deleteIntegration: `DELETE FROM channel_integrations WHERE account_id = ? AND id = ?`,
  /** (account, integration, name, metadata, state, push id, push token hash, now, now, now) */
  insertInstance: `
    INSERT INTO instances
      (account_id, integration_id, name, metadata, state, state_version, instance_push_id, push_token_hash,
       active, deactivated_reason, metadata_needs_update, consecutive_failures, next_pull_at, last_pull_at,
       created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, 1, ?, ?, TRUE, NULL, FALSE, 0, ?, NULL, ?, ?) RETURNING *`,
  deleteInstance: `DELETE FROM instances WHERE account_id = ? AND id = ?`,
  listIntegrations: `SELECT * FROM channel_integrations WHERE account_id = ? ORDER BY id`,
  integrationById: `SELECT * FROM channel_integrations WHERE account_id = ? AND id = ?`,
  updateIntegrationManifest: `
    UPDATE channel_integrations SET manifest = ?, pull_url = ?, name = ?, updated_at = ?
    WHERE account_id = ? AND id = ? RETURNING *`,
  listInstances: `SELECT * FROM instances WHERE account_id = ? ORDER BY id`,
  listInstancesOfIntegration: `SELECT * FROM instances WHERE account_id = ? AND integration_id = ? ORDER BY id`,
  instanceById: `SELECT * FROM instances WHERE account_id = ? AND id = ?`,
  instanceByPushId: `SELECT * FROM instances WHERE instance_push_id = ?`,
  instanceByPushTokenHash: `SELECT * FROM instances WHERE push_token_hash = ?`,
  /** Every field a change or a finished pull may set; the lease is left as it is. */
  updateInstance: `
    UPDATE instances SET name = ?, push_token_hash = ?, metadata = ?, state = ?, state_version = ?, active = ?, deactivated_reason = ?,
      metadata_needs_update = ?, consecutive_failures = ?, next_pull_at = ?, last_pull_at = ?, updated_at = ?
    WHERE id = ? RETURNING *`,
  lease: `UPDATE instances SET lease_owner = ?, lease_expires_at = ? WHERE id = ?`,
  countIntoThread: `UPDATE threads SET resource_count = resource_count + 1 WHERE id = ?`,
  listPulls: `
    SELECT pulls.* FROM pulls JOIN instances ON instances.id = pulls.instance_id
    WHERE instances.account_id = ? AND pulls.instance_id = ?
    ORDER BY pulls.id DESC LIMIT ?`,

  // --- Threads and resources
  listThreads: `
    SELECT threads.* FROM threads JOIN instances ON instances.id = threads.instance_id
    WHERE instances.account_id = ? AND threads.instance_id = ?
    ORDER BY threads.id`,
  listResources: `
    SELECT resources.* FROM resources JOIN instances ON instances.id = resources.instance_id
    WHERE instances.account_id = ? AND resources.instance_id = ?
    ORDER BY resources.id`,
  listThreadResources: `
    SELECT resources.* FROM resources JOIN instances ON instances.id = resources.instance_id
    WHERE instances.account_id = ? AND resources.instance_id = ? AND resources.thread_id = ?
    ORDER BY resources.id`,

  // --- Admin UI hand-offs
  purgeExpiredHandoffs: `DELETE FROM admin_ui_handoffs WHERE expires_at <= ?`,
  insertHandoff: `
    INSERT INTO admin_ui_handoffs
      (token_hash, account_id, integration_id, instance_id, instance_push_id, push_token_hash, expires_at, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  /** Single use: the row goes as it is read, so a second consume finds nothing. */
  consumeHandoff: `
    DELETE FROM admin_ui_handoffs WHERE token_hash = ? AND expires_at > ?
    RETURNING account_id, integration_id, instance_id, instance_push_id, push_token_hash`,
} as const;
