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
  markDoctorAccount: `UPDATE accounts SET doctor = true WHERE id = $1`,
  accountById: `SELECT * FROM accounts WHERE id = $1`,
  accountBySubdomain: `SELECT * FROM accounts WHERE subdomain = $1`,
  allAccounts: `SELECT * FROM accounts ORDER BY id`,

  insertAdminToken: `INSERT INTO admin_tokens (account_id, email, token_hash, created_at) VALUES ($1, $2, $3, $4)`,
  adminByTokenHash: `
    SELECT accounts.*, admin_tokens.email
    FROM admin_tokens JOIN accounts ON accounts.id = admin_tokens.account_id
    WHERE admin_tokens.token_hash = $1`,

  insertIntegration: `
    INSERT INTO integrations (account_id, name, client_identifier, client_secret_hash, created_at, description)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
  integrationByName: `SELECT * FROM integrations WHERE account_id = $1 AND name = $2`,
  integrationByClient: `SELECT * FROM integrations WHERE client_identifier = $1`,

  insertAccessToken: `
    INSERT INTO access_tokens (token_hash, account_id, integration, created_at, scopes, token_prefix, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
  accessToken: `
    SELECT id, account_id, integration, scopes, created_at, used_at, expires_at FROM access_tokens WHERE token_hash = $1`,

  // --- The Support API's OAuth tokens and clients
  integrationsOfAccount: `SELECT * FROM integrations WHERE account_id = $1 ORDER BY id`,
  integrationById: `SELECT * FROM integrations WHERE account_id = $1 AND id = $2`,
  rotateClientSecret: `UPDATE integrations SET client_secret_hash = $1 WHERE account_id = $2 AND id = $3 RETURNING *`,
  accessTokensOfAccount: `
    SELECT t.id, t.account_id, t.integration, t.scopes, t.created_at, t.used_at, t.expires_at, t.token_prefix, i.id AS client_id
    FROM access_tokens t JOIN integrations i ON i.account_id = t.account_id AND i.name = t.integration
    WHERE t.account_id = $1 AND t.id > $2 ORDER BY t.id LIMIT $3`,
  accessTokenById: `
    SELECT t.id, t.account_id, t.integration, t.scopes, t.created_at, t.used_at, t.expires_at, t.token_prefix, i.id AS client_id
    FROM access_tokens t JOIN integrations i ON i.account_id = t.account_id AND i.name = t.integration
    WHERE t.account_id = $1 AND t.id = $2`,
  // One statement, so the revocation version moves in the same transaction as the delete.
  deleteAccessToken: `
    WITH deleted AS (DELETE FROM access_tokens WHERE account_id = $1 AND id = $2 RETURNING id),
      -- The refresh token issued beside it goes too (the authorization-code grant's).
      refresh AS (DELETE FROM refresh_tokens WHERE access_token_id IN (SELECT id FROM deleted)),
      bumped AS (UPDATE credential_revocations SET version = version + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM deleted))
    SELECT count(*)::int AS deleted FROM deleted`,
  recordAccessTokenUse: `UPDATE access_tokens SET used_at = $1 WHERE id = $2 AND (used_at IS NULL OR used_at < $1)`,

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
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (account_id, integration, scope) DO NOTHING
    RETURNING *`,
  updateConfig: `UPDATE configs SET config = $1, version = version + 1, updated_at = $2 WHERE id = $3 RETURNING *`,
  deleteConfig: `DELETE FROM configs WHERE id = $1`,

  // --- Backup: every table in id order, a batch at a time (id > $1, at most $2 rows), with
  // columns named as the record's fields; rows inserted with their ids, a batch per statement.
  /** One snapshot for the whole export, however many statements it takes. */
  beginSnapshot: `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`,
  /** Before checking that the store is empty: no other writer can slip in until commit. Reads go on. */
  lockForImport: `
    LOCK TABLE accounts, admin_tokens, integrations, access_tokens, configs,
      channel_integrations, instances, pulls, threads, resources,
      config_revisions, config_revision_counters, config_revision_watermarks,
      replies, event_outbox, event_delivery_keys, push_requests,
      zis_bundles, zis_job_spec_installs, zis_connections, zis_oauth_clients
    IN SHARE ROW EXCLUSIVE MODE`,
  anyRecord: `SELECT EXISTS (SELECT 1 FROM accounts) OR EXISTS (SELECT 1 FROM configs) AS taken`,
  tableNames: `
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  exportAccounts: `
    SELECT id, subdomain, created_at AS "createdAt"
    FROM accounts WHERE id > $1 ORDER BY id LIMIT $2`,
  exportAdminTokens: `
    SELECT id, account_id AS "accountId", email, token_hash AS "tokenHash", created_at AS "createdAt"
    FROM admin_tokens WHERE id > $1 ORDER BY id LIMIT $2`,
  exportIntegrations: `
    SELECT id, account_id AS "accountId", name, client_identifier AS "clientIdentifier",
      client_secret_hash AS "clientSecretHash", created_at AS "createdAt",
      description, redirect_uris AS "redirectUrisJson", updated_at AS "updatedAt"
    FROM integrations WHERE id > $1 ORDER BY id LIMIT $2`,
  exportAccessTokens: `
    SELECT id, account_id AS "accountId", integration, token_hash AS "tokenHash", created_at AS "createdAt",
      scopes, token_prefix AS "tokenPrefix", used_at AS "usedAt"
    -- Expiring tokens (the authorization-code grant's) are not in backups: the format has no
    -- expiry, and a restored one must not become a token that never expires.
    FROM access_tokens WHERE expires_at IS NULL AND id > $1 ORDER BY id LIMIT $2`,
  exportConfigs: `
    SELECT id, account_id AS "accountId", integration, scope, config AS "configJson", version,
      created_at AS "createdAt", updated_at AS "updatedAt"
    FROM configs WHERE id > $1 ORDER BY id LIMIT $2`,
  // Channel tables: whole rows, turned into records by the channel row mappers (which leave
  // out the derived pull_url and the lease).
  exportChannelIntegrations: `SELECT * FROM channel_integrations WHERE id > $1 ORDER BY id LIMIT $2`,
  exportInstances: `SELECT * FROM instances WHERE id > $1 ORDER BY id LIMIT $2`,
  exportPulls: `SELECT * FROM pulls WHERE id > $1 ORDER BY id LIMIT $2`,
  exportThreads: `SELECT * FROM threads WHERE id > $1 ORDER BY id LIMIT $2`,
  exportResources: `SELECT * FROM resources WHERE id > $1 ORDER BY id LIMIT $2`,
  exportConfigRevisions: `
    SELECT id, account_id AS "accountId", revision, integration, scope, operation, config AS "configJson",
      config_id AS "configId", version, changed_at AS "changedAt", actor_type AS "actorType",
      actor_id AS "actorId", request_id AS "requestId"
    FROM config_revisions WHERE id > $1 ORDER BY id LIMIT $2`,
  exportRevisionCounters: `
    SELECT account_id AS id, account_id AS "accountId", last_revision AS "lastRevision"
    FROM config_revision_counters WHERE account_id > $1 ORDER BY account_id LIMIT $2`,
  exportRevisionWatermarks: `
    SELECT account_id AS id, account_id AS "accountId", compacted_through AS "compactedThrough"
    FROM config_revision_watermarks WHERE account_id > $1 ORDER BY account_id LIMIT $2`,
  // Work in flight (format 5): no lease columns.
  exportReplies: `
    SELECT id, instance_id AS "instanceId", thread_id AS "threadId", status, message, file_urls AS "fileUrlsJson",
      parent_id AS "parentId", recipient_id AS "recipientId", thread_key AS "threadKey",
      request_unique_identifier AS "requestUniqueIdentifier", external_id AS "externalId", attempts,
      last_error AS "lastError", next_attempt_at AS "nextAttemptAt", created_at AS "createdAt",
      sent_at AS "sentAt", updated_at AS "updatedAt", idempotency_key AS "idempotencyKey",
      request_hash AS "requestHash"
    FROM replies WHERE id > $1 ORDER BY id LIMIT $2`,
  exportEvents: `
    SELECT id, account_id AS "accountId", integration_id AS "integrationId", instance_id AS "instanceId",
      callback_url AS "callbackUrl", integration_created_at AS "integrationCreatedAt",
      integration_name AS "integrationName", subdomain, type_id AS "typeId", error, data AS "dataJson",
      created_at AS "createdAt", status, attempts, last_error AS "lastError", last_attempt_at AS "lastAttemptAt",
      delivered_at AS "deliveredAt"
    FROM event_outbox WHERE id > $1 ORDER BY id LIMIT $2`,
  /** Keyset paging by the primary key; request ids in byte order (COLLATE "C", as SQLite sorts). */
  exportPushRequests: `
    SELECT instance_id AS "instanceId", request_id AS "requestId", results AS "resultsJson", created_at AS "createdAt",
      body_hash AS "bodyHash"
    FROM push_requests WHERE (instance_id, request_id COLLATE "C") > ($1, $2)
    ORDER BY instance_id, request_id COLLATE "C" LIMIT $3`,
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
    SET last_revision = greatest(config_revision_counters.last_revision, excluded.last_revision)`,
  /** The last id a table's identity sequence handed out, 0 if none (sequences are not transactional). */
  sequenceOf: `SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, 'id')::regclass), 0) AS "lastId"`,
  /**
   * Identity columns do not notice inserted ids: the next generated id must come after $2
   * (1 when $2 is 0: setval's third argument false means "not yet handed out").
   */
  setSequence: `SELECT setval(pg_get_serial_sequence($1, 'id'), greatest($2::bigint, 1), $2::bigint >= 1)`,
} as const;
