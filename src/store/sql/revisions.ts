/** The columns a revision is read with. */
export const revisionColumns = `revision, integration, scope, operation, config, config_id, version, changed_at,
  actor_type, actor_id, request_id`;

/**
 * Config-history reads and compaction: the statements both stores run alike (see render.ts).
 * Reads go through the `config_history` view (migration 0025: on SQLite, the folded revisions
 * and the recent ones not yet folded); compaction works on `config_revisions` itself, which
 * the SQLite store folds everything into first. A scope's history and compaction's deletes
 * differ: SQLite walks each scope's links (migration 0026), PostgreSQL reads its scope index.
 */
export const revisionStatements = {
  revisionOfScope: `
    SELECT ${revisionColumns} FROM config_history
    WHERE account_id = ? AND integration = ? AND scope = ? AND revision = ?`,
  changesExact: `
    SELECT ${revisionColumns} FROM config_history
    WHERE account_id = ? AND integration = ? AND revision > ? AND scope = ?
    ORDER BY revision LIMIT ?`,

  /** The latest revision and the compaction watermark (account twice), 0 when there is none. */
  bounds: `
    SELECT
      coalesce((SELECT last_revision FROM config_revision_counters WHERE account_id = ?), 0) AS latest,
      coalesce((SELECT compacted_through FROM config_revision_watermarks WHERE account_id = ?), 0) AS watermark`,

  // --- Compaction
  accountsWithRevisions: `SELECT account_id FROM config_revision_counters ORDER BY account_id`,
  /** The first revision above the watermark still inside the retention (walks the number index up to it). */
  firstRetained: `
    SELECT revision FROM config_revisions
    WHERE account_id = ? AND revision > ? AND changed_at >= ?
    ORDER BY revision LIMIT 1`,
  /** Never moves the watermark down. */
  raiseWatermark: `
    INSERT INTO config_revision_watermarks (account_id, compacted_through) VALUES (?, ?)
    ON CONFLICT (account_id) DO UPDATE
    SET compacted_through = CASE WHEN excluded.compacted_through > config_revision_watermarks.compacted_through
      THEN excluded.compacted_through ELSE config_revision_watermarks.compacted_through END
    RETURNING compacted_through`,
} as const;
