/** Every SQL statement the SQLite store runs, as plain text. */
export const sql = {
  createMigrationsTable: `
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`,
  currentSchemaVersion: `SELECT max(version) FROM schema_migrations`,
  recordMigration: `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,

  anyAccount: `SELECT 1 FROM accounts LIMIT 1`,
  insertAccount: `INSERT INTO accounts (id, subdomain, created_at) VALUES (?, ?, ?) RETURNING *`,
  accountById: `SELECT * FROM accounts WHERE id = ?`,
  accountBySubdomain: `SELECT * FROM accounts WHERE subdomain = ?`,

  insertAdminToken: `INSERT INTO admin_tokens (account_id, email, token_hash, created_at) VALUES (?, ?, ?, ?)`,
  adminByTokenHash: `
    SELECT accounts.*, admin_tokens.email
    FROM admin_tokens JOIN accounts ON accounts.id = admin_tokens.account_id
    WHERE admin_tokens.token_hash = ?`,

  insertIntegration: `
    INSERT INTO integrations (account_id, name, client_identifier, client_secret_hash, created_at)
    VALUES (?, ?, ?, ?, ?) RETURNING *`,
  integrationByName: `SELECT * FROM integrations WHERE account_id = ? AND name = ?`,
  integrationByClient: `SELECT * FROM integrations WHERE client_identifier = ?`,

  insertAccessToken: `INSERT INTO access_tokens (token_hash, account_id, integration, created_at) VALUES (?, ?, ?, ?)`,
  accessToken: `SELECT account_id, integration, created_at FROM access_tokens WHERE token_hash = ?`,

  listConfigsExact: `
    SELECT * FROM configs
    WHERE account_id = ? AND integration = ? AND scope = ? AND id > ?
    ORDER BY id LIMIT ?`,
  // A literal prefix: range-scan the scope index, then sort the matches by id. Left to
  // itself SQLite walks configs_id for the ORDER BY and filters every row of the integration.
  listConfigsPrefix: `
    SELECT * FROM configs INDEXED BY configs_scope
    WHERE account_id = ? AND integration = ? AND scope GLOB ? AND id > ?
    ORDER BY id LIMIT ?`,
  listConfigsGlob: `
    SELECT * FROM configs
    WHERE account_id = ? AND integration = ? AND scope GLOB ? AND id > ?
    ORDER BY id LIMIT ?`,
  configByScope: `SELECT * FROM configs WHERE account_id = ? AND integration = ? AND scope = ?`,
  insertConfig: `
    INSERT INTO configs (account_id, integration, scope, config, version, created_at, updated_at)
    VALUES (?, ?, ?, ?, 1, ?, ?) RETURNING *`,
  updateConfig: `UPDATE configs SET config = ?, version = version + 1, updated_at = ? WHERE id = ? RETURNING *`,
  deleteConfig: `DELETE FROM configs WHERE id = ?`,
} as const;
