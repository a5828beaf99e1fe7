import { forSqlite } from '../sql/render.js';
import { channelStatements } from '../sql/channel.js';
import { integrationColumnsPrefixed } from '../channel-rows.js';

/** Every SQL statement the SQLite channel store runs, as plain text. */
export const channelSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(channelStatements),
  // --- Instances
  instanceByIdAnyAccount: `SELECT * FROM instances WHERE id = ?`,

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
  insertPull: `
    INSERT INTO pulls
      (instance_id, started_at, duration_ms, outcome, http_status, resources_stored, duplicates, state_conflict,
       error, deactivated)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
} as const;
