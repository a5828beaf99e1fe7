/** Every SQL statement the PostgreSQL store runs, as plain text. */
export const sql = {
  /** Any constant will do, as long as every Switchboard uses the same one. */
  lockMigrations: `SELECT pg_advisory_xact_lock(8315122045027101529)`,
  schemaExists: `SELECT 1 FROM pg_namespace WHERE nspname = $1`,
  createMigrationsTable: `
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at bigint NOT NULL
    )`,
  currentSchemaVersion: `SELECT max(version) AS version FROM schema_migrations`,
  recordMigration: `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,

  anyAccount: `SELECT 1 FROM accounts LIMIT 1`,
  insertAccount: `INSERT INTO accounts (subdomain, created_at) VALUES ($1, $2) RETURNING *`,
  /**
   * Before inserting a chosen id: blocks other account inserts (and so the id sequence's
   * nextval) until commit, so the sequence can be moved past the chosen id without a race.
   * Reads and foreign-key checks are not blocked.
   */
  lockAccountIds: `LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE`,
  insertAccountWithId: `INSERT INTO accounts (id, subdomain, created_at) VALUES ($1, $2, $3) RETURNING *`,
  /** Moves the id sequence past every id in use; never moves it back. */
  advanceAccountIds: `
    SELECT setval(
      pg_get_serial_sequence('accounts', 'id'),
      GREATEST(
        max(id),
        coalesce(pg_sequence_last_value(pg_get_serial_sequence('accounts', 'id')::regclass), 0)
      )
    ) FROM accounts`,
  accountById: `SELECT * FROM accounts WHERE id = $1`,
  accountBySubdomain: `SELECT * FROM accounts WHERE subdomain = $1`,

  insertAdminToken: `INSERT INTO admin_tokens (account_id, email, token_hash, created_at) VALUES ($1, $2, $3, $4)`,
  adminByTokenHash: `
    SELECT accounts.*, admin_tokens.email
    FROM admin_tokens JOIN accounts ON accounts.id = admin_tokens.account_id
    WHERE admin_tokens.token_hash = $1`,

  insertIntegration: `
    INSERT INTO integrations (account_id, name, client_identifier, client_secret_hash, created_at)
    VALUES ($1, $2, $3, $4, $5) RETURNING *`,
  integrationByName: `SELECT * FROM integrations WHERE account_id = $1 AND name = $2`,
  integrationByClient: `SELECT * FROM integrations WHERE client_identifier = $1`,

  insertAccessToken: `INSERT INTO access_tokens (token_hash, account_id, integration, created_at) VALUES ($1, $2, $3, $4)`,
  accessToken: `SELECT account_id, integration, created_at FROM access_tokens WHERE token_hash = $1`,

  listConfigsExact: `
    SELECT * FROM configs
    WHERE account_id = $1 AND integration = $2 AND scope = $3 AND id > $4
    ORDER BY id LIMIT $5`,
  // E'\\' is one backslash whatever standard_conforming_strings says.
  listConfigsLike: `
    SELECT * FROM configs
    WHERE account_id = $1 AND integration = $2 AND scope LIKE $3 ESCAPE E'\\\\' AND id > $4
    ORDER BY id LIMIT $5`,
  configByScope: `SELECT * FROM configs WHERE account_id = $1 AND integration = $2 AND scope = $3`,
  /** Row-locks the config until commit, so concurrent writers to it take turns. */
  configByScopeForUpdate: `
    SELECT * FROM configs WHERE account_id = $1 AND integration = $2 AND scope = $3 FOR UPDATE`,
  insertConfig: `
    INSERT INTO configs (account_id, integration, scope, config, version, created_at, updated_at)
    VALUES ($1, $2, $3, $4, 1, $5, $6)
    ON CONFLICT (account_id, integration, scope) DO NOTHING
    RETURNING *`,
  updateConfig: `UPDATE configs SET config = $1, version = version + 1, updated_at = $2 WHERE id = $3 RETURNING *`,
  deleteConfig: `DELETE FROM configs WHERE id = $1`,
} as const;
