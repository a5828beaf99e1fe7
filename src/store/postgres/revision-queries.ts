import { forPostgres } from '../sql/render.js';
import { revisionColumns as columns, revisionStatements } from '../sql/revisions.js';

/** The NOTIFY channel of config changes; the payload is `schema:accountId`, so stores in other schemas ignore it. */
export const configChangesChannel = 'switchboard_config_changes';

/** The PostgreSQL store's config-history statements, as plain text. */
export const revisionSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forPostgres(revisionStatements),
  /** A scope's history, newest first, below a revision: (account, integration, scope, before, limit). */
  revisionsOfScope: `
    SELECT ${columns} FROM config_history
    WHERE account_id = $1 AND integration = $2 AND scope = $3 AND revision < $4
    ORDER BY revision DESC LIMIT $5`,
  /**
   * Compaction, one batch: revisions after the cursor, at or below the watermark, that are not
   * among their scope's last N (OFFSET N finds the newest one that may go):
   * (account, cursor, watermark, N, batch).
   */
  deleteCompacted: `
    DELETE FROM config_revisions WHERE id IN (
      SELECT r.id FROM config_revisions r
      WHERE r.account_id = $1 AND r.revision > $2 AND r.revision <= $3
        AND r.revision <= coalesce((
          SELECT n.revision FROM config_revisions n
          WHERE n.account_id = r.account_id AND n.integration = r.integration AND n.scope = r.scope
          ORDER BY n.revision DESC LIMIT 1 OFFSET $4), 0)
      ORDER BY r.revision LIMIT $5)
    RETURNING revision`,
  /**
   * In the write's transaction: the revision, unnumbered (migration 0024), numbered after
   * COMMIT. No shared row is locked, so one account's writes commit side by side and share
   * WAL flushes.
   */
  queueRevision: `
    INSERT INTO config_revisions_pending (account_id, integration, scope, operation, config, config_id,
      version, changed_at, actor_type, actor_id, request_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
  /**
   * After writes' COMMIT: numbers every waiting revision of the accounts `$1` in one short
   * transaction under their counter rows, and (with `$2`) sends each account's NOTIFY at its commit.
   */
  numberRevisions: `SELECT switchboard_number_revisions($1::bigint[], $2::boolean) AS numbered`,
  /** Accounts with revisions still waiting: left by a node that stopped between a write and its numbering. */
  accountsWithWaitingRevisions: `SELECT DISTINCT account_id FROM config_revisions_pending ORDER BY account_id`,
  /** Every account's latest revision: what a node without LISTEN polls for changes. */
  revisionCounters: `SELECT account_id, last_revision FROM config_revision_counters`,
  /** With history off, listeners still hear of the change. */
  notifyOnly: `SELECT pg_notify('${configChangesChannel}', current_schema() || ':' || $1::bigint::text)::text`,
  listen: `LISTEN ${configChangesChannel}`,
  currentSchema: `SELECT current_schema() AS schema`,
  /** The server process a connection talks to (own-backends.ts). */
  backendPid: `SELECT pg_backend_pid() AS pid`,
  /** `/readyz`: `on` on a standby or a read-only database. */
  readOnly: `SHOW transaction_read_only`,
  nameListener: `SELECT set_config('application_name', $1, false)`,
  // E'\\' is one backslash whatever standard_conforming_strings says.
  /** (account, integration, since, LIKE pattern, limit) */
  changesMatching: `
    SELECT ${columns} FROM config_history
    WHERE account_id = $1 AND integration = $2 AND revision > $3 AND scope LIKE $4 ESCAPE E'\\\\'
    ORDER BY revision LIMIT $5`,
} as const;
