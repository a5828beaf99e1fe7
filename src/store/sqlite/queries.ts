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
  markDoctorAccount: `UPDATE accounts SET doctor = 1 WHERE id = ?`,
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
  deleteAccessToken: `DELETE FROM access_tokens WHERE account_id = ? AND id = ?`,
  recordAccessTokenUse: `UPDATE access_tokens SET used_at = ? WHERE id = ? AND (used_at IS NULL OR used_at < ?)`,

  listConfigsExact: `
    SELECT * FROM configs
    WHERE account_id = ? AND integration = ? AND scope = ? AND id > ?
    ORDER BY id LIMIT ?`,
  // A literal prefix: range-scan the scope index between the prefix and its upper bound,
  // then sort the matches by id. Left to itself SQLite walks configs_id for the ORDER BY and
  // filters every row of the integration.
  listConfigsPrefix: `
    SELECT * FROM configs INDEXED BY configs_scope
    WHERE account_id = ? AND integration = ? AND scope >= ? AND scope < ? AND scope GLOB ? AND id > ?
    ORDER BY id LIMIT ?`,
  listConfigsGlob: `
    SELECT * FROM configs
    WHERE account_id = ? AND integration = ? AND scope GLOB ? AND id > ?
    ORDER BY id LIMIT ?`,
  configByScope: `SELECT * FROM configs WHERE account_id = ? AND integration = ? AND scope = ?`,
  dataVersion: `PRAGMA data_version`,
  totalChanges: `SELECT total_changes()`,
  insertConfig: `
    INSERT INTO configs (account_id, integration, scope, config, version, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  updateConfig: `UPDATE configs SET config = ?, version = version + 1, updated_at = ? WHERE id = ? RETURNING *`,
  deleteConfig: `DELETE FROM configs WHERE id = ?`,

  // --- Backup: every table in id order, a batch at a time (id > ?, at most ? rows), with
  // columns named as the record's fields; rows inserted with their ids.
  anyRecord: `SELECT EXISTS (SELECT 1 FROM accounts) OR EXISTS (SELECT 1 FROM configs)`,
  tableNames: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'`,
  exportAccounts: `
    SELECT id, subdomain, created_at AS "createdAt"
    FROM accounts WHERE id > ? ORDER BY id LIMIT ?`,
  exportAdminTokens: `
    SELECT id, account_id AS "accountId", email, token_hash AS "tokenHash", created_at AS "createdAt"
    FROM admin_tokens WHERE id > ? ORDER BY id LIMIT ?`,
  exportIntegrations: `
    SELECT id, account_id AS "accountId", name, client_identifier AS "clientIdentifier",
      client_secret_hash AS "clientSecretHash", created_at AS "createdAt",
      description, redirect_uris AS "redirectUrisJson", updated_at AS "updatedAt"
    FROM integrations WHERE id > ? ORDER BY id LIMIT ?`,
  exportAccessTokens: `
    SELECT id, account_id AS "accountId", integration, token_hash AS "tokenHash", created_at AS "createdAt",
      scopes, token_prefix AS "tokenPrefix", used_at AS "usedAt"
    -- Expiring tokens (the authorization-code grant's) are not in backups: the format has no
    -- expiry, and a restored one must not become a token that never expires.
    FROM access_tokens WHERE expires_at IS NULL AND id > ? ORDER BY id LIMIT ?`,
  exportConfigs: `
    SELECT id, account_id AS "accountId", integration, scope, config AS "configJson", version,
      created_at AS "createdAt", updated_at AS "updatedAt"
    FROM configs WHERE id > ? ORDER BY id LIMIT ?`,
  // Channel tables: whole rows, turned into records by the channel row mappers (which leave
  // out the derived pull_url and the lease).
  exportChannelIntegrations: `SELECT * FROM channel_integrations WHERE id > ? ORDER BY id LIMIT ?`,
  exportInstances: `SELECT * FROM instances WHERE id > ? ORDER BY id LIMIT ?`,
  exportPulls: `SELECT * FROM pulls WHERE id > ? ORDER BY id LIMIT ?`,
  exportThreads: `SELECT * FROM threads WHERE id > ? ORDER BY id LIMIT ?`,
  exportResources: `SELECT * FROM resources WHERE id > ? ORDER BY id LIMIT ?`,
  exportConfigRevisions: `
    SELECT id, account_id AS "accountId", revision, integration, scope, operation, config AS "configJson",
      config_id AS "configId", version, changed_at AS "changedAt", actor_type AS "actorType",
      actor_id AS "actorId", request_id AS "requestId"
    FROM config_revisions WHERE id > ? ORDER BY id LIMIT ?`,
  exportRevisionCounters: `
    SELECT account_id AS id, account_id AS "accountId", last_revision AS "lastRevision"
    FROM config_revision_counters WHERE account_id > ? ORDER BY account_id LIMIT ?`,
  exportRevisionWatermarks: `
    SELECT account_id AS id, account_id AS "accountId", compacted_through AS "compactedThrough"
    FROM config_revision_watermarks WHERE account_id > ? ORDER BY account_id LIMIT ?`,
  // Work in flight (format 5): no lease columns.
  exportReplies: `
    SELECT id, instance_id AS "instanceId", thread_id AS "threadId", status, message, file_urls AS "fileUrlsJson",
      parent_id AS "parentId", recipient_id AS "recipientId", thread_key AS "threadKey",
      request_unique_identifier AS "requestUniqueIdentifier", external_id AS "externalId", attempts,
      last_error AS "lastError", next_attempt_at AS "nextAttemptAt", created_at AS "createdAt",
      sent_at AS "sentAt", updated_at AS "updatedAt", idempotency_key AS "idempotencyKey",
      request_hash AS "requestHash"
    FROM replies WHERE id > ? ORDER BY id LIMIT ?`,
  exportEvents: `
    SELECT id, account_id AS "accountId", integration_id AS "integrationId", instance_id AS "instanceId",
      callback_url AS "callbackUrl", integration_created_at AS "integrationCreatedAt",
      integration_name AS "integrationName", subdomain, type_id AS "typeId", error, data AS "dataJson",
      created_at AS "createdAt", status, attempts, last_error AS "lastError", last_attempt_at AS "lastAttemptAt",
      delivered_at AS "deliveredAt"
    FROM event_outbox WHERE id > ? ORDER BY id LIMIT ?`,
  /** Keyset paging by the primary key; request ids in byte order (BINARY, as PostgreSQL sorts with COLLATE "C"). */
  exportPushRequests: `
    SELECT instance_id AS "instanceId", request_id AS "requestId", results AS "resultsJson", created_at AS "createdAt",
      body_hash AS "bodyHash"
    FROM push_requests WHERE (instance_id, request_id) > (?, ?)
    ORDER BY instance_id, request_id LIMIT ?`,
  /** After an import: each integration with pending events gets its delivery key, due at once and unleased. */
  restoreDeliveryKeys: `
    INSERT INTO event_delivery_keys (integration_id, next_attempt_at)
    SELECT DISTINCT integration_id, 0 FROM event_outbox WHERE status = 'pending'
    ON CONFLICT (integration_id) DO NOTHING`,
  /** After an import: no counter behind its account's highest revision, so numbers keep increasing. */
  raiseRevisionCounters: `
    INSERT INTO config_revision_counters (account_id, last_revision)
    SELECT account_id, max(revision) FROM config_revisions GROUP BY account_id
    ON CONFLICT (account_id) DO UPDATE
    SET last_revision = max(config_revision_counters.last_revision, excluded.last_revision)`,
  /** AUTOINCREMENT's high-water mark for a table: the largest id it ever handed out. */
  sequenceOf: `SELECT seq FROM sqlite_sequence WHERE name = ?`,
  // sqlite_sequence has no key on name, hence update-or-insert. An insert with an explicit
  // id already raises it to that id; these raise it to a deleted row's id too.
  raiseSequence: `UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?`,
  insertSequence: `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`,
} as const;
