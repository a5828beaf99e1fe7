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
  insertRevision: `
    INSERT INTO config_revisions (account_id, revision, integration, scope, operation, config, config_id,
      version, changed_at, actor_type, actor_id, request_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  /** (account, integration, since, GLOB pattern, limit) */
  changesMatching: `
    SELECT ${columns} FROM config_revisions
    WHERE account_id = ? AND integration = ? AND revision > ? AND scope GLOB ?
    ORDER BY revision LIMIT ?`,
} as const;
