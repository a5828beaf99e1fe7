/** The SQLite store's config-history statements, as plain text. */

const columns = `revision, integration, scope, operation, config, config_id, version, changed_at,
  actor_type, actor_id, request_id`;

export const revisionSql = {
  /** The account's next number: the counter row, created at 1 or bumped, in the write's own transaction. */
  bumpCounter: `
    INSERT INTO config_revision_counters (account_id, last_revision) VALUES (?, 1)
    ON CONFLICT (account_id) DO UPDATE SET last_revision = config_revision_counters.last_revision + 1
    RETURNING last_revision`,
  insertRevision: `
    INSERT INTO config_revisions (account_id, revision, integration, scope, operation, config, config_id,
      version, changed_at, actor_type, actor_id, request_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,

  revisionsOfScope: `
    SELECT ${columns} FROM config_revisions
    WHERE account_id = ? AND integration = ? AND scope = ? AND revision < ?
    ORDER BY revision DESC LIMIT ?`,
  revisionOfScope: `
    SELECT ${columns} FROM config_revisions
    WHERE account_id = ? AND integration = ? AND scope = ? AND revision = ?`,
  changesExact: `
    SELECT ${columns} FROM config_revisions
    WHERE account_id = ? AND integration = ? AND revision > ? AND scope = ?
    ORDER BY revision LIMIT ?`,
  changesGlob: `
    SELECT ${columns} FROM config_revisions
    WHERE account_id = ? AND integration = ? AND revision > ? AND scope GLOB ?
    ORDER BY revision LIMIT ?`,

  latestRevision: `SELECT last_revision FROM config_revision_counters WHERE account_id = ?`,
  watermark: `SELECT compacted_through FROM config_revision_watermarks WHERE account_id = ?`,

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
    SET compacted_through = max(config_revision_watermarks.compacted_through, excluded.compacted_through)
    RETURNING compacted_through`,
  /**
   * One batch: revisions after the cursor, at or below the watermark, that are not among
   * their scope's last N (OFFSET N finds the newest one that may go).
   */
  deleteCompacted: `
    DELETE FROM config_revisions WHERE id IN (
      SELECT r.id FROM config_revisions r
      WHERE r.account_id = ? AND r.revision > ? AND r.revision <= ?
        AND r.revision <= coalesce((
          SELECT n.revision FROM config_revisions n
          WHERE n.account_id = r.account_id AND n.integration = r.integration AND n.scope = r.scope
          ORDER BY n.revision DESC LIMIT 1 OFFSET ?), 0)
      ORDER BY r.revision LIMIT ?)
    RETURNING revision`,
} as const;
