/**
 * Accounts, admin tokens, OAuth clients (integrations), access tokens, configs and the migration log:
 * the statements both stores run alike, written once with `?` placeholders (see render.ts).
 */
export const accountStatements = {
  recordMigration: `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,

  anyAccount: `SELECT 1 FROM accounts LIMIT 1`,
  insertAccountWithId: `INSERT INTO accounts (id, subdomain, created_at) VALUES (?, ?, ?) RETURNING *`,
  accountById: `SELECT * FROM accounts WHERE id = ?`,
  accountBySubdomain: `SELECT * FROM accounts WHERE subdomain = ?`,
  allAccounts: `SELECT * FROM accounts ORDER BY id`,

  insertAdminToken: `INSERT INTO admin_tokens (account_id, email, token_hash, created_at) VALUES (?, ?, ?, ?)`,
  adminByTokenHash: `
    SELECT accounts.*, admin_tokens.email
    FROM admin_tokens JOIN accounts ON accounts.id = admin_tokens.account_id
    WHERE admin_tokens.token_hash = ?`,

  insertIntegration: `
    INSERT INTO integrations (account_id, name, client_identifier, client_secret_hash, created_at, description)
    VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
  integrationByName: `SELECT * FROM integrations WHERE account_id = ? AND name = ?`,
  integrationByClient: `SELECT * FROM integrations WHERE client_identifier = ?`,

  insertAccessToken: `
    INSERT INTO access_tokens (token_hash, account_id, integration, created_at, scopes, token_prefix, expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  accessToken: `
    SELECT id, account_id, integration, scopes, created_at, used_at, expires_at FROM access_tokens WHERE token_hash = ?`,

  // --- The Support API's OAuth tokens and clients
  integrationsOfAccount: `SELECT * FROM integrations WHERE account_id = ? ORDER BY id`,
  integrationById: `SELECT * FROM integrations WHERE account_id = ? AND id = ?`,
  rotateClientSecret: `UPDATE integrations SET client_secret_hash = ? WHERE account_id = ? AND id = ? RETURNING *`,
  accessTokensOfAccount: `
    SELECT t.id, t.account_id, t.integration, t.scopes, t.created_at, t.used_at, t.expires_at, t.token_prefix, i.id AS client_id
    FROM access_tokens t JOIN integrations i ON i.account_id = t.account_id AND i.name = t.integration
    WHERE t.account_id = ? AND t.id > ? ORDER BY t.id LIMIT ?`,
  accessTokenById: `
    SELECT t.id, t.account_id, t.integration, t.scopes, t.created_at, t.used_at, t.expires_at, t.token_prefix, i.id AS client_id
    FROM access_tokens t JOIN integrations i ON i.account_id = t.account_id AND i.name = t.integration
    WHERE t.account_id = ? AND t.id = ?`,

  listConfigsExact: `
    SELECT * FROM configs
    WHERE account_id = ? AND integration = ? AND scope = ? AND id > ?
    ORDER BY id LIMIT ?`,
  configByScope: `SELECT * FROM configs WHERE account_id = ? AND integration = ? AND scope = ?`,
  deleteConfig: `DELETE FROM configs WHERE id = ?`,
} as const;
