import { forPostgres } from '../sql/render.js';
import { backupExportStatements } from '../sql/backup-export.js';
import { accountStatements } from '../sql/accounts-and-configs.js';

/** Every SQL statement the PostgreSQL store runs, as plain text. */
export const sql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forPostgres(accountStatements),
  ...forPostgres(backupExportStatements),
  updateConfig: `UPDATE configs SET config = $1, version = version + 1, updated_at = $2 WHERE id = $3 RETURNING *`,
  schemaExists: `SELECT 1 FROM pg_namespace WHERE nspname = $1`,
  createMigrationsTable: `
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at bigint NOT NULL
    )`,
  currentSchemaVersion: `SELECT max(version) AS version FROM schema_migrations`,
  insertAccount: `INSERT INTO accounts (subdomain, created_at) VALUES ($1, $2) RETURNING *`,
  /**
   * Before inserting a chosen id: blocks other account inserts (and so the id sequence's
   * nextval) until commit, so the sequence can be moved past the chosen id without a race.
   * Reads and foreign-key checks are not blocked.
   */
  lockAccountIds: `LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE`,
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
  // One statement, so the revocation version moves in the same transaction as the delete.
  deleteAccessToken: `
    WITH deleted AS (DELETE FROM access_tokens WHERE account_id = $1 AND id = $2 RETURNING id),
      -- The refresh token issued beside it goes too (the authorization-code grant's).
      refresh AS (DELETE FROM refresh_tokens WHERE access_token_id IN (SELECT id FROM deleted)),
      bumped AS (UPDATE credential_revocations SET version = version + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM deleted))
    SELECT count(*)::int AS deleted FROM deleted`,
  recordAccessTokenUse: `UPDATE access_tokens SET used_at = $1 WHERE id = $2 AND (used_at IS NULL OR used_at < $1)`,
  // E'\\' is one backslash whatever standard_conforming_strings says.
  listConfigsLike: `
    SELECT * FROM configs
    WHERE account_id = $1 AND integration = $2 AND scope LIKE $3 ESCAPE E'\\\\' AND id > $4
    ORDER BY id LIMIT $5`,
  /**
   * As `listConfigsLike`, for a pattern with a literal prefix: the prefix's range ($6, $7)
   * is given as bounds. PostgreSQL turns only a constant LIKE prefix into a range; with a
   * parameter, the plan it keeps walked every config by id (2 ms on 10k), so it planned
   * each list anew instead. With the bounds, one plan reads the prefix's rows alone.
   */
  listConfigsPrefix: `
    SELECT * FROM configs
    WHERE account_id = $1 AND integration = $2 AND scope >= $6 AND scope < $7
      AND scope LIKE $3 ESCAPE E'\\\\' AND id > $4
    ORDER BY id LIMIT $5`,
  /** Row-locks the config until commit, so concurrent writers to it take turns. */
  configByScopeForUpdate: `
    SELECT * FROM configs WHERE account_id = $1 AND integration = $2 AND scope = $3 FOR UPDATE`,
  insertConfig: `
    INSERT INTO configs (account_id, integration, scope, config, version, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (account_id, integration, scope) DO NOTHING
    RETURNING *`,

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
  /** Keyset paging by the primary key; request ids in byte order (COLLATE "C", as SQLite sorts). */
  exportPushRequests: `
    SELECT instance_id AS "instanceId", request_id AS "requestId", results AS "resultsJson", created_at AS "createdAt",
      body_hash AS "bodyHash"
    FROM push_requests WHERE (instance_id, request_id COLLATE "C") > ($1, $2)
    ORDER BY instance_id, request_id COLLATE "C" LIMIT $3`,
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
