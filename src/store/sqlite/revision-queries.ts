import { forSqlite } from '../sql/render.js';
import { revisionColumns as columns, revisionStatements } from '../sql/revisions.js';

/** The revision columns of table alias `alias`. */
const prefixed = (alias: string) =>
  columns
    .split(',')
    .map((name) => `${alias}.${name.trim()}`)
    .join(', ');

/** The SQLite store's config-history statements, as plain text. */
export const revisionSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(revisionStatements),
  /** The account's next number: the counter row, created at 1 or bumped, in the write's own transaction. */
  bumpCounter: `
    INSERT INTO config_revision_counters (account_id, last_revision) VALUES (?, 1)
    ON CONFLICT (account_id) DO UPDATE SET last_revision = config_revision_counters.last_revision + 1
    RETURNING last_revision`,
  /**
   * Into the unindexed table of recent revisions (migration 0025), folded into config_revisions
   * later; linked to the scope's previous revision, `depth` one more than its (migration 0026).
   */
  insertRevision: `
    INSERT INTO config_revisions_recent (account_id, integration, scope, operation, config, config_id,
      version, changed_at, actor_type, actor_id, request_id, revision, previous, depth)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  /** (revision, depth, config id) */
  setConfigHead: `UPDATE configs SET history_head = ?, history_depth = ? WHERE id = ?`,
  /** A created scope takes the head its deleted predecessor left: (account, integration, scope). */
  takeDeletedHead: `
    DELETE FROM config_history_deleted WHERE account_id = ? AND integration = ? AND scope = ?
    RETURNING head AS revision, depth`,
  /** A deleted config leaves its head here: (account, integration, scope, revision, depth). */
  putDeletedHead: `
    INSERT INTO config_history_deleted (account_id, integration, scope, head, depth) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (account_id, integration, scope) DO UPDATE SET head = excluded.head, depth = excluded.depth`,
  /**
   * A scope's history, newest first, below revision $4, at most $5: the scope's recent rows,
   * then a walk down the links from the newest folded one (the cursor's previous, when the
   * cursor is a folded revision of this scope; else the oldest recent row's previous; else
   * the head). Each step is one lookup in the number index, which brings the row; the walk
   * stops once it has $5 rows below $4. An account's recent revisions are all newer than its
   * folded ones (a fold moves every one), so the recent rows come first, and a scope whose
   * head is folded has none: the unindexed recent rows are scanned, once, only for a scope
   * written since the last fold, and not below a cursor that is one of the scope's folded
   * revisions. One statement: one snapshot. CROSS JOIN keeps the walk outside: left to itself
   * the planner may scan the account's revisions below $4. The outer LIMIT is an expression,
   * not the bare parameter: measured, a bare `LIMIT $5` made this statement 8× slower
   * (bench/history/history-reads.ts).
   */
  revisionsOfScope: `
    WITH RECURSIVE
      bounds AS MATERIALIZED (
        SELECT
          coalesce(
            (SELECT history_head FROM configs WHERE account_id = $1 AND integration = $2 AND scope = $3),
            (SELECT head FROM config_history_deleted WHERE account_id = $1 AND integration = $2 AND scope = $3)
          ) AS head,
          coalesce((SELECT max(revision) FROM config_revisions WHERE account_id = $1), 0) AS folded,
          EXISTS (SELECT 1 FROM config_revisions
            WHERE account_id = $1 AND revision = $4 AND integration = $2 AND scope = $3) AS at_cursor),
      recent AS MATERIALIZED (
        SELECT ${columns}, previous FROM config_revisions_recent
        WHERE (SELECT head > folded AND NOT at_cursor FROM bounds)
          AND account_id = $1 AND integration = $2 AND scope = $3),
      start (revision) AS (
        SELECT CASE
          WHEN (SELECT at_cursor FROM bounds)
            THEN (SELECT previous FROM config_revisions WHERE account_id = $1 AND revision = $4)
          WHEN EXISTS (SELECT 1 FROM recent)
            THEN (SELECT previous FROM recent ORDER BY revision LIMIT 1)
          ELSE (SELECT head FROM bounds)
        END),
      walk AS (
        SELECT ${prefixed('r')}, r.previous, (r.revision < $4) AS taken
        FROM start CROSS JOIN config_revisions r ON r.account_id = $1 AND r.revision = start.revision
        UNION ALL
        SELECT ${prefixed('r')}, r.previous, walk.taken + (r.revision < $4)
        FROM walk CROSS JOIN config_revisions r ON r.account_id = $1 AND r.revision = walk.previous
        WHERE walk.taken < $5)
    SELECT ${columns} FROM recent WHERE revision < $4
    UNION ALL
    SELECT ${columns} FROM walk WHERE revision < $4
    ORDER BY revision DESC LIMIT CAST($5 AS INTEGER)`,
  /**
   * Compaction, one batch: revisions after the cursor, at or below the watermark, with at
   * least N newer ones in their scope (the head's depth less theirs):
   * (account, cursor, watermark, N, batch).
   */
  deleteCompacted: `
    DELETE FROM config_revisions WHERE id IN (
      SELECT r.id FROM config_revisions r
      WHERE r.account_id = $1 AND r.revision > $2 AND r.revision <= $3
        AND r.depth <= coalesce(
          (SELECT c.history_depth FROM configs c WHERE c.account_id = r.account_id
            AND c.integration = r.integration AND c.scope = r.scope AND c.history_head IS NOT NULL),
          (SELECT d.depth FROM config_history_deleted d WHERE d.account_id = r.account_id
            AND d.integration = r.integration AND d.scope = r.scope),
          0) - $4
      ORDER BY r.revision LIMIT $5)
    RETURNING revision`,
  /** (account, integration, since, GLOB pattern, limit) */
  changesMatching: `
    SELECT ${columns} FROM config_history
    WHERE account_id = ? AND integration = ? AND revision > ? AND scope GLOB ?
    ORDER BY revision LIMIT ?`,
  recentCount: `SELECT count(*) FROM config_revisions_recent`,
  /** A fold, in one transaction with `clearRecent`: the recent revisions into the indexed table, whole. */
  foldRecent: `
    INSERT INTO config_revisions (account_id, revision, integration, scope, operation, config, config_id,
      version, changed_at, actor_type, actor_id, request_id, previous, depth)
    SELECT account_id, revision, integration, scope, operation, config, config_id,
      version, changed_at, actor_type, actor_id, request_id, previous, depth
    FROM config_revisions_recent ORDER BY account_id, revision`,
  clearRecent: `DELETE FROM config_revisions_recent`,
  /**
   * After a backup import, which brings revisions and configs without them: every revision's
   * link and depth, then each scope's head, in its config row or, deleted, in
   * config_history_deleted (as migration 0026 did for the revisions there were).
   */
  linkImported: [
    `UPDATE config_revisions SET previous = linked.previous, depth = linked.depth
    FROM (
      SELECT id, lag(revision) OVER scope_order AS previous, row_number() OVER scope_order AS depth
      FROM config_revisions
      WINDOW scope_order AS (PARTITION BY account_id, integration, scope ORDER BY revision)
    ) AS linked
    WHERE linked.id = config_revisions.id`,
    `UPDATE configs SET history_head = heads.head, history_depth = heads.depth
    FROM (
      SELECT account_id, integration, scope, max(revision) AS head, max(depth) AS depth
      FROM config_revisions GROUP BY account_id, integration, scope
    ) AS heads
    WHERE heads.account_id = configs.account_id AND heads.integration = configs.integration
      AND heads.scope = configs.scope`,
    `INSERT INTO config_history_deleted (account_id, integration, scope, head, depth)
    SELECT account_id, integration, scope, max(revision), max(depth)
    FROM config_revisions r
    WHERE NOT EXISTS (
      SELECT 1 FROM configs c
      WHERE c.account_id = r.account_id AND c.integration = r.integration AND c.scope = r.scope)
    GROUP BY account_id, integration, scope`,
  ],
} as const;
