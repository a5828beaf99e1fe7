/** A revision's columns as a `config_revision` record's fields (its id aside). */
export const exportedRevisionColumns = `account_id AS "accountId", revision, integration, scope, operation,
  config AS "configJson", config_id AS "configId", version, changed_at AS "changedAt", actor_type AS "actorType",
  actor_id AS "actorId", request_id AS "requestId"`;

/**
 * Backup export: every table in id order, a batch at a time (id > ?, at most ? rows), with
 * columns named as the record's fields. Written once with `?` placeholders (see render.ts).
 */
export const backupExportStatements = {
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
    SELECT id, ${exportedRevisionColumns} FROM config_revisions WHERE id > ? ORDER BY id LIMIT ?`,
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
  /** After an import: each integration with pending events gets its delivery key, due at once and unleased. */
  restoreDeliveryKeys: `
    INSERT INTO event_delivery_keys (integration_id, next_attempt_at)
    SELECT DISTINCT integration_id, 0 FROM event_outbox WHERE status = 'pending'
    ON CONFLICT (integration_id) DO NOTHING`,
} as const;
