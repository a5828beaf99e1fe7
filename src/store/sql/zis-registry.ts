/**
 * The ZIS registry: the statements both stores run alike, written once with `?` placeholders (see render.ts).
 */
export const zisRegistryStatements = {
  bundleVersions: `
    SELECT * FROM zis_bundles WHERE account_id = ? AND integration = ? AND name = ? ORDER BY version DESC`,

  installJobSpec: `
    INSERT INTO zis_job_spec_installs (account_id, integration, job_spec_name, installed_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (account_id, job_spec_name) DO NOTHING`,
  jobSpecInstall: `SELECT * FROM zis_job_spec_installs WHERE account_id = ? AND integration = ? AND job_spec_name = ?`,
  uninstallJobSpec: `DELETE FROM zis_job_spec_installs WHERE account_id = ? AND integration = ? AND job_spec_name = ?`,
  jobSpecInstalls: `SELECT * FROM zis_job_spec_installs WHERE account_id = ? AND integration = ? ORDER BY id`,

  insertConnection: `
    INSERT INTO zis_connections
      (account_id, integration, name, type, allowed_domain, label, secret, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  connection: `SELECT * FROM zis_connections WHERE account_id = ? AND integration = ? AND type = ? AND name = ?`,
  connections: `SELECT * FROM zis_connections WHERE account_id = ? AND integration = ? ORDER BY id`,
  updateConnection: `
    UPDATE zis_connections SET allowed_domain = COALESCE(?, allowed_domain), label = COALESCE(?, label),
      secret = COALESCE(?, secret), updated_at = ?
    WHERE account_id = ? AND integration = ? AND type = ? AND name = ? RETURNING *`,
  deleteConnection: `DELETE FROM zis_connections WHERE account_id = ? AND integration = ? AND type = ? AND name = ?`,

  insertOAuthClient: `
    INSERT INTO zis_oauth_clients (uuid, account_id, integration, name, client_id, client_secret, auth_url,
      token_url, default_scopes, grant_type, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  oauthClients: `SELECT * FROM zis_oauth_clients WHERE account_id = ? AND integration = ? ORDER BY id`,
  oauthClient: `SELECT * FROM zis_oauth_clients WHERE account_id = ? AND integration = ? AND uuid = ?`,
  updateOAuthClient: `
    UPDATE zis_oauth_clients SET name = COALESCE(?, name), client_id = COALESCE(?, client_id),
      client_secret = COALESCE(?, client_secret), auth_url = COALESCE(?, auth_url),
      token_url = COALESCE(?, token_url), default_scopes = COALESCE(?, default_scopes),
      grant_type = COALESCE(?, grant_type), updated_at = ?
    WHERE account_id = ? AND integration = ? AND uuid = ? RETURNING *`,
  deleteOAuthClient: `DELETE FROM zis_oauth_clients WHERE account_id = ? AND integration = ? AND uuid = ?`,

  /** Key rotation: a batch of stored secrets by id, and a rewrite only if unchanged since read. */
  storedSecrets: {
    zis_connections: `SELECT id, secret FROM zis_connections WHERE id > ? ORDER BY id LIMIT ?`,
    zis_oauth_clients: `SELECT id, client_secret AS secret FROM zis_oauth_clients WHERE id > ? ORDER BY id LIMIT ?`,
  },
  rewriteSecret: {
    zis_connections: `UPDATE zis_connections SET secret = ? WHERE id = ? AND secret = ?`,
    zis_oauth_clients: `UPDATE zis_oauth_clients SET client_secret = ? WHERE id = ? AND client_secret = ?`,
  },

  // Backup export: every row after an id, as the backup records name their fields.
  exportBundles: `SELECT * FROM zis_bundles WHERE id > ? ORDER BY id LIMIT ?`,
  exportJobSpecInstalls: `SELECT * FROM zis_job_spec_installs WHERE id > ? ORDER BY id LIMIT ?`,
  exportConnections: `SELECT * FROM zis_connections WHERE id > ? ORDER BY id LIMIT ?`,
  exportOAuthClients: `SELECT * FROM zis_oauth_clients WHERE id > ? ORDER BY id LIMIT ?`,
} as const;
