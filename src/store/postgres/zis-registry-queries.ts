/** The SQL of the ZIS registry on PostgreSQL, as plain text. */
export const zisRegistrySql = {
  /** Held until the transaction ends: uploads of one bundle name take turns. */
  lockBundleName: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
  /** The next version of a bundle: version 1 and the given uuid for a new name. */
  insertBundleVersion: `
    INSERT INTO zis_bundles
      (account_id, integration, name, version, uuid, description, template_version, resources, uploaded_at)
    SELECT $1::bigint, $2::text, $3::text, COALESCE(MAX(version), 0) + 1, COALESCE(MIN(uuid), $4::text), $5, $6, $7, $8::bigint
    FROM zis_bundles WHERE account_id = $1 AND integration = $2 AND name = $3
    RETURNING *`,
  latestBundles: `
    SELECT b.* FROM zis_bundles AS b
    WHERE b.account_id = $1 AND b.integration = $2 AND b.name > $3 COLLATE "C"
      AND b.version = (SELECT MAX(v.version) FROM zis_bundles AS v
                       WHERE v.account_id = b.account_id AND v.integration = b.integration AND v.name = b.name)
    ORDER BY b.name COLLATE "C" LIMIT $4`,
  bundleVersions: `
    SELECT * FROM zis_bundles WHERE account_id = $1 AND integration = $2 AND name = $3 ORDER BY version DESC`,

  installJobSpec: `
    INSERT INTO zis_job_spec_installs (account_id, integration, job_spec_name, installed_at) VALUES ($1, $2, $3, $4)
    ON CONFLICT (account_id, job_spec_name) DO NOTHING`,
  jobSpecInstall: `SELECT * FROM zis_job_spec_installs WHERE account_id = $1 AND integration = $2 AND job_spec_name = $3`,
  uninstallJobSpec: `DELETE FROM zis_job_spec_installs WHERE account_id = $1 AND integration = $2 AND job_spec_name = $3`,
  jobSpecInstalls: `SELECT * FROM zis_job_spec_installs WHERE account_id = $1 AND integration = $2 ORDER BY id`,

  insertConnection: `
    INSERT INTO zis_connections
      (account_id, integration, name, type, allowed_domain, label, secret, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
  connection: `SELECT * FROM zis_connections WHERE account_id = $1 AND integration = $2 AND type = $3 AND name = $4`,
  connections: `SELECT * FROM zis_connections WHERE account_id = $1 AND integration = $2 ORDER BY id`,
  updateConnection: `
    UPDATE zis_connections SET allowed_domain = COALESCE($1, allowed_domain), label = COALESCE($2, label),
      secret = COALESCE($3, secret), updated_at = $4
    WHERE account_id = $5 AND integration = $6 AND type = $7 AND name = $8 RETURNING *`,
  deleteConnection: `DELETE FROM zis_connections WHERE account_id = $1 AND integration = $2 AND type = $3 AND name = $4`,

  insertOAuthClient: `
    INSERT INTO zis_oauth_clients (uuid, account_id, integration, name, client_id, client_secret, auth_url,
      token_url, default_scopes, grant_type, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
  oauthClients: `SELECT * FROM zis_oauth_clients WHERE account_id = $1 AND integration = $2 ORDER BY id`,
  oauthClient: `SELECT * FROM zis_oauth_clients WHERE account_id = $1 AND integration = $2 AND uuid = $3`,
  updateOAuthClient: `
    UPDATE zis_oauth_clients SET name = COALESCE($1, name), client_id = COALESCE($2, client_id),
      client_secret = COALESCE($3, client_secret), auth_url = COALESCE($4, auth_url),
      token_url = COALESCE($5, token_url), default_scopes = COALESCE($6, default_scopes),
      grant_type = COALESCE($7, grant_type), updated_at = $8
    WHERE account_id = $9 AND integration = $10 AND uuid = $11 RETURNING *`,
  deleteOAuthClient: `DELETE FROM zis_oauth_clients WHERE account_id = $1 AND integration = $2 AND uuid = $3`,

  /** Key rotation: a batch of stored secrets by id, and a rewrite only if unchanged since read. */
  storedSecrets: {
    zis_connections: `SELECT id, secret FROM zis_connections WHERE id > $1 ORDER BY id LIMIT $2`,
    zis_oauth_clients: `SELECT id, client_secret AS secret FROM zis_oauth_clients WHERE id > $1 ORDER BY id LIMIT $2`,
  },
  rewriteSecret: {
    zis_connections: `UPDATE zis_connections SET secret = $1 WHERE id = $2 AND secret = $3`,
    zis_oauth_clients: `UPDATE zis_oauth_clients SET client_secret = $1 WHERE id = $2 AND client_secret = $3`,
  },

  // Backup export: every row after an id, as the backup records name their fields.
  exportBundles: `SELECT * FROM zis_bundles WHERE id > $1 ORDER BY id LIMIT $2`,
  exportJobSpecInstalls: `SELECT * FROM zis_job_spec_installs WHERE id > $1 ORDER BY id LIMIT $2`,
  exportConnections: `SELECT * FROM zis_connections WHERE id > $1 ORDER BY id LIMIT $2`,
  exportOAuthClients: `SELECT * FROM zis_oauth_clients WHERE id > $1 ORDER BY id LIMIT $2`,
} as const;
