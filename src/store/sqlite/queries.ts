import { forSqlite } from '../sql/render.js';
import { backupExportStatements, exportedRevisionColumns } from '../sql/backup-export.js';
import { accountStatements } from '../sql/accounts-and-configs.js';

/** Every SQL statement the SQLite store runs, as plain text. */
export const sql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(accountStatements),
  ...forSqlite(backupExportStatements),
  createMigrationsTable: `
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`,
  currentSchemaVersion: `SELECT max(version) FROM schema_migrations`,
  // A null id takes the next one (SQLite's INTEGER PRIMARY KEY).
  insertAccount: forSqlite(accountStatements).insertAccountWithId,
  markDoctorAccount: `UPDATE accounts SET doctor = 1 WHERE id = ?`,
  deleteAccessToken: `DELETE FROM access_tokens WHERE account_id = ? AND id = ?`,
  recordAccessTokenUse: `UPDATE access_tokens SET used_at = ? WHERE id = ? AND (used_at IS NULL OR used_at < ?)`,
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
  dataVersion: `PRAGMA data_version`,
  insertConfig: `
    INSERT INTO configs (account_id, integration, scope, config, version, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  /**
   * (config, updated at, revision, revision, id): with a revision (history on) the config's
   * history head moves to it in the same statement (migration 0026); with null it stays.
   */
  updateConfig: `
    UPDATE configs SET config = ?, version = version + 1, updated_at = ?,
      history_head = coalesce(?, history_head), history_depth = history_depth + (? IS NOT NULL)
    WHERE id = ? RETURNING *`,

  // --- Backup: every table in id order, a batch at a time (id > ?, at most ? rows), with
  // columns named as the record's fields; rows inserted with their ids.
  anyRecord: `SELECT EXISTS (SELECT 1 FROM accounts) OR EXISTS (SELECT 1 FROM configs)`,
  tableNames: `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'`,
  /** Keyset paging by the primary key; request ids in byte order (BINARY, as PostgreSQL sorts with COLLATE "C"). */
  exportPushRequests: `
    SELECT instance_id AS "instanceId", request_id AS "requestId", results AS "resultsJson", created_at AS "createdAt",
      body_hash AS "bodyHash"
    FROM push_requests WHERE (instance_id, request_id) > (?, ?)
    ORDER BY instance_id, request_id LIMIT ?`,
  /**
   * Revisions in id order: the folded ones by their ids, then the recent ones not yet folded
   * (migration 0025) under ids after every id config_revisions has handed out, so the import
   * takes them as it takes any revision. (page cursor, batch size)
   */
  exportConfigRevisions: `
    WITH page (after, base) AS (
      SELECT ?, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'config_revisions'), 0)
    )
    SELECT id, ${exportedRevisionColumns} FROM config_revisions WHERE id > (SELECT after FROM page)
    UNION ALL
    SELECT (SELECT base FROM page) + rowid, ${exportedRevisionColumns} FROM config_revisions_recent
    WHERE (SELECT base FROM page) + rowid > (SELECT after FROM page)
    ORDER BY id LIMIT ?`,
  /** After an import: no counter behind its account's highest revision, so numbers keep increasing. */
  raiseRevisionCounters: `
    INSERT INTO config_revision_counters (account_id, last_revision)
    SELECT account_id, max(revision) FROM config_revisions GROUP BY account_id
    ON CONFLICT (account_id) DO UPDATE
    SET last_revision = max(config_revision_counters.last_revision, excluded.last_revision)`,
  /** AUTOINCREMENT's high-water mark for a table: the largest id it ever handed out. */
  sequenceOf: `SELECT seq AS "lastId" FROM sqlite_sequence WHERE name = ?`,
  // sqlite_sequence has no key on name, hence update-or-insert. An insert with an explicit
  // id already raises it to that id; these raise it to a deleted row's id too.
  raiseSequence: `UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?`,
  insertSequence: `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`,
} as const;
