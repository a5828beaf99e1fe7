import { integrationColumnsPrefixed } from '../channel-rows.js';

/** Every SQL statement the PostgreSQL channel store runs, as plain text. */
export const channelSql = {
  // --- Integrations
  insertIntegration: `
    INSERT INTO channel_integrations
      (account_id, remote_id, name, manifest_url, manifest, pull_url, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`,
  listIntegrations: `SELECT * FROM channel_integrations WHERE account_id = $1 ORDER BY id`,
  integrationById: `SELECT * FROM channel_integrations WHERE account_id = $1 AND id = $2`,
  updateIntegrationManifest: `
    UPDATE channel_integrations SET manifest = $1, pull_url = $2, name = $3, updated_at = $4
    WHERE account_id = $5 AND id = $6 RETURNING *`,
  deleteIntegration: `DELETE FROM channel_integrations WHERE account_id = $1 AND id = $2 RETURNING id`,

  // --- Instances
  insertInstance: `
    INSERT INTO instances
      (account_id, integration_id, name, metadata, state, state_version, instance_push_id, push_token_hash,
       active, deactivated_reason, metadata_needs_update, consecutive_failures, next_pull_at, last_pull_at,
       created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, 1, $6, $7, true, NULL, false, 0, $8, NULL, $8, $8) RETURNING *`,
  listInstances: `SELECT * FROM instances WHERE account_id = $1 ORDER BY id`,
  listInstancesOfIntegration: `SELECT * FROM instances WHERE account_id = $1 AND integration_id = $2 ORDER BY id`,
  instanceById: `SELECT * FROM instances WHERE account_id = $1 AND id = $2`,
  /** Row-locks the instance until commit, so writes to it (and to its threads) take turns. */
  instanceByIdForUpdate: `SELECT * FROM instances WHERE account_id = $1 AND id = $2 FOR UPDATE`,
  instanceByIdAnyAccountForUpdate: `SELECT * FROM instances WHERE id = $1 FOR UPDATE`,
  instanceByPushId: `SELECT * FROM instances WHERE instance_push_id = $1`,
  /** Every field a change may set; the lease is left as it is. */
  updateInstance: `
    UPDATE instances SET name = $1, push_token_hash = $2, metadata = $3, state = $4, state_version = $5,
      active = $6, deactivated_reason = $7, metadata_needs_update = $8, consecutive_failures = $9,
      next_pull_at = $10, last_pull_at = $11, updated_at = $12
    WHERE id = $13 RETURNING *`,
  /** As `updateInstance`, releasing the lease: the end of a pull. */
  settleInstance: `
    UPDATE instances SET name = $1, push_token_hash = $2, metadata = $3, state = $4, state_version = $5,
      active = $6, deactivated_reason = $7, metadata_needs_update = $8, consecutive_failures = $9,
      next_pull_at = $10, last_pull_at = $11, updated_at = $12, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = $13`,
  deleteInstance: `DELETE FROM instances WHERE account_id = $1 AND id = $2 RETURNING id`,

  // --- The pull loop
  /**
   * Leases due, active, pullable instances whose lease (if any) ran out, oldest due first
   * ($1 now, $2 limit, $3 owner, $4 lease ms), in one statement. SKIP LOCKED: rows another
   * node is leasing right now are passed over rather than waited for; a row leased by a
   * transaction that committed meanwhile is re-checked and no longer qualifies. So no two
   * claimers ever get the same instance while its lease runs.
   */
  claimDue: `
    WITH due AS (
      SELECT instances.id
      FROM instances JOIN channel_integrations ci ON ci.id = instances.integration_id
      WHERE instances.active AND instances.next_pull_at <= $1::bigint
        AND (instances.lease_expires_at IS NULL OR instances.lease_expires_at <= $1::bigint)
        AND ci.pull_url IS NOT NULL
      ORDER BY instances.next_pull_at, instances.id
      LIMIT $2
      FOR UPDATE OF instances SKIP LOCKED
    )
    UPDATE instances SET lease_owner = $3, lease_expires_at = $1::bigint + $4::bigint
    FROM due, channel_integrations ci
    WHERE instances.id = due.id AND ci.id = instances.integration_id
    RETURNING instances.*, ${integrationColumnsPrefixed}`,
  /** Row-locks the instance (not its integration) for an on-demand claim. */
  instanceWithIntegrationForUpdate: `
    SELECT instances.*, ${integrationColumnsPrefixed}
    FROM instances JOIN channel_integrations ci ON ci.id = instances.integration_id
    WHERE instances.account_id = $1 AND instances.id = $2
    FOR UPDATE OF instances`,
  lease: `UPDATE instances SET lease_owner = $1, lease_expires_at = $2 WHERE id = $3`,
  storedResources: `
    SELECT external_id, thread_id FROM resources WHERE instance_id = $1 AND external_id = ANY ($2::text[])`,
  threadsByKey: `SELECT id, thread_key FROM threads WHERE instance_id = $1 AND thread_key = ANY ($2::text[])`,
  /** $2 ids to assign, in order: identity values taken up front, so ids follow the pull's order. */
  nextIds: `SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2::integer)`,
  insertThreads: `
    INSERT INTO threads (id, instance_id, thread_key, resource_count, created_at)
    SELECT id, $1, thread_key, 0, $4 FROM unnest($2::bigint[], $3::text[]) AS t (id, thread_key)`,
  insertResources: `
    INSERT INTO resources (id, instance_id, thread_id, external_id, payload, stored_at)
    SELECT id, $1, thread_id, external_id, payload, $6
    FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[]) AS r (id, thread_id, external_id, payload)`,
  countIntoThreads: `
    UPDATE threads SET resource_count = resource_count + added.count
    FROM unnest($1::bigint[], $2::integer[]) AS added (id, count)
    WHERE threads.id = added.id`,
  insertPull: `
    INSERT INTO pulls
      (instance_id, started_at, duration_ms, outcome, http_status, resources_stored, duplicates, state_conflict,
       error, deactivated)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
  listPulls: `
    SELECT pulls.* FROM pulls JOIN instances ON instances.id = pulls.instance_id
    WHERE instances.account_id = $1 AND pulls.instance_id = $2
    ORDER BY pulls.id DESC LIMIT $3`,

  // --- Threads and resources
  listThreads: `
    SELECT threads.* FROM threads JOIN instances ON instances.id = threads.instance_id
    WHERE instances.account_id = $1 AND threads.instance_id = $2
    ORDER BY threads.id`,
  listResources: `
    SELECT resources.* FROM resources JOIN instances ON instances.id = resources.instance_id
    WHERE instances.account_id = $1 AND resources.instance_id = $2
    ORDER BY resources.id`,
  listThreadResources: `
    SELECT resources.* FROM resources JOIN instances ON instances.id = resources.instance_id
    WHERE instances.account_id = $1 AND resources.instance_id = $2 AND resources.thread_id = $3
    ORDER BY resources.id`,

  // --- Admin UI hand-offs
  purgeExpiredHandoffs: `DELETE FROM admin_ui_handoffs WHERE expires_at <= $1`,
  insertHandoff: `
    INSERT INTO admin_ui_handoffs
      (token_hash, account_id, integration_id, instance_id, instance_push_id, push_token_hash, expires_at, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  /** Single use: the row goes as it is read; a concurrent second consume finds nothing. */
  consumeHandoff: `
    DELETE FROM admin_ui_handoffs WHERE token_hash = $1 AND expires_at > $2
    RETURNING account_id, integration_id, instance_id, instance_push_id, push_token_hash`,
} as const;
