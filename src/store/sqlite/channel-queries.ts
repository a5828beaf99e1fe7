import { integrationColumnsPrefixed } from '../channel-rows.js';

/** Every SQL statement the SQLite channel store runs, as plain text. */
export const channelSql = {
  // --- Integrations
  insertIntegration: `
    INSERT INTO channel_integrations
      (account_id, remote_id, name, manifest_url, manifest, pull_url, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  listIntegrations: `SELECT * FROM channel_integrations WHERE account_id = ? ORDER BY id`,
  integrationById: `SELECT * FROM channel_integrations WHERE account_id = ? AND id = ?`,
  updateIntegrationManifest: `
    UPDATE channel_integrations SET manifest = ?, pull_url = ?, name = ?, updated_at = ?
    WHERE account_id = ? AND id = ? RETURNING *`,
  deleteIntegration: `DELETE FROM channel_integrations WHERE account_id = ? AND id = ?`,

  // --- Instances
  insertInstance: `
    INSERT INTO instances
      (account_id, integration_id, name, metadata, state, state_version, instance_push_id, push_token_hash,
       active, deactivated_reason, metadata_needs_update, consecutive_failures, next_pull_at, last_pull_at,
       created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, 1, ?, ?, 1, NULL, 0, 0, ?, NULL, ?, ?) RETURNING *`,
  listInstances: `SELECT * FROM instances WHERE account_id = ? ORDER BY id`,
  listInstancesOfIntegration: `SELECT * FROM instances WHERE account_id = ? AND integration_id = ? ORDER BY id`,
  instanceById: `SELECT * FROM instances WHERE account_id = ? AND id = ?`,
  instanceByIdAnyAccount: `SELECT * FROM instances WHERE id = ?`,
  instanceByPushId: `SELECT * FROM instances WHERE instance_push_id = ?`,
  instanceByPushTokenHash: `SELECT * FROM instances WHERE push_token_hash = ?`,
  /** Every field a change or a finished pull may set; the lease is left as it is. */
  updateInstance: `
    UPDATE instances SET name = ?, push_token_hash = ?, metadata = ?, state = ?, state_version = ?, active = ?, deactivated_reason = ?,
      metadata_needs_update = ?, consecutive_failures = ?, next_pull_at = ?, last_pull_at = ?, updated_at = ?
    WHERE id = ? RETURNING *`,
  deleteInstance: `DELETE FROM instances WHERE account_id = ? AND id = ?`,

  // --- The pull loop
  /** Due, active, pullable and not leased (or the lease ran out), oldest due first. */
  dueInstances: `
    SELECT instances.*, ${integrationColumnsPrefixed}
    FROM instances JOIN channel_integrations ci ON ci.id = instances.integration_id
    WHERE instances.active = 1 AND instances.next_pull_at <= ?
      AND (instances.lease_expires_at IS NULL OR instances.lease_expires_at <= ?)
      AND ci.pull_url IS NOT NULL
    ORDER BY instances.next_pull_at, instances.id
    LIMIT ?`,
  instanceWithIntegration: `
    SELECT instances.*, ${integrationColumnsPrefixed}
    FROM instances JOIN channel_integrations ci ON ci.id = instances.integration_id
    WHERE instances.account_id = ? AND instances.id = ?`,
  lease: `UPDATE instances SET lease_owner = ?, lease_expires_at = ? WHERE id = ?`,
  releaseLease: `UPDATE instances SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ?`,
  /** Extends an owner's leases; RETURNING names the ones still that owner's. */
  renewLeases: `
    UPDATE instances SET lease_expires_at = ?
    WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ?
    RETURNING id`,
  storedResource: `SELECT thread_id FROM resources WHERE instance_id = ? AND external_id = ?`,
  insertThread: `
    INSERT INTO threads (instance_id, thread_key, resource_count, created_at) VALUES (?, ?, 0, ?)
    ON CONFLICT (instance_id, thread_key) DO NOTHING`,
  threadByKey: `SELECT id FROM threads WHERE instance_id = ? AND thread_key = ?`,
  insertResource: `
    INSERT INTO resources (instance_id, thread_id, external_id, payload, stored_at) VALUES (?, ?, ?, ?, ?)`,
  countIntoThread: `UPDATE threads SET resource_count = resource_count + 1 WHERE id = ?`,
  insertPull: `
    INSERT INTO pulls
      (instance_id, started_at, duration_ms, outcome, http_status, resources_stored, duplicates, state_conflict,
       error, deactivated)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
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
