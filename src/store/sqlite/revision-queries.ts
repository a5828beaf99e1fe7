import { forSqlite } from '../sql/render.js';
import { revisionColumns as columns, revisionStatements } from '../sql/revisions.js';

/** The SQLite store's config-history statements, as plain text. */
export const revisionSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(revisionStatements),
  /** The account's next number: the counter row, created at 1 or bumped, in the write's own transaction. */
  bumpCounter: `
    INSERT INTO config_revision_counters (account_id, last_revision) VALUES (?, 1)
    ON CONFLICT (account_id) DO UPDATE SET last_revision = config_revision_counters.last_revision + 1
    RETURNING last_revision`,
  /** Into the unindexed table of recent revisions (migration 0025), folded into config_revisions later. */
  insertRevision: `
    INSERT INTO config_revisions_recent (account_id, revision, integration, scope, operation, config, config_id,
      version, changed_at, actor_type, actor_id, request_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  /** (account, integration, since, GLOB pattern, limit) */
  changesMatching: `
    SELECT ${columns} FROM config_history
    WHERE account_id = ? AND integration = ? AND revision > ? AND scope GLOB ?
    ORDER BY revision LIMIT ?`,
  recentCount: `SELECT count(*) FROM config_revisions_recent`,
  /** A fold, in one transaction with `clearRecent`: the recent revisions into the indexed table, whole. */
  foldRecent: `
    INSERT INTO config_revisions (account_id, revision, integration, scope, operation, config, config_id,
      version, changed_at, actor_type, actor_id, request_id)
    SELECT account_id, revision, integration, scope, operation, config, config_id,
      version, changed_at, actor_type, actor_id, request_id
    FROM config_revisions_recent ORDER BY account_id, revision`,
  clearRecent: `DELETE FROM config_revisions_recent`,
} as const;
