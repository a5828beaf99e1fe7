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
  changesGlob: `
    SELECT ${columns} FROM config_revisions
    WHERE account_id = ? AND integration = ? AND revision > ? AND scope GLOB ?
    ORDER BY revision LIMIT ?`,

  latestRevision: `SELECT last_revision FROM config_revision_counters WHERE account_id = ?`,
  watermark: `SELECT compacted_through FROM config_revision_watermarks WHERE account_id = ?`,
  /** Never moves the watermark down. */
  raiseWatermark: `
    INSERT INTO config_revision_watermarks (account_id, compacted_through) VALUES (?, ?)
    ON CONFLICT (account_id) DO UPDATE
    SET compacted_through = max(config_revision_watermarks.compacted_through, excluded.compacted_through)
    RETURNING compacted_through`,
} as const;
