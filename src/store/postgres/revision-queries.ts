import { forPostgres } from '../sql/render.js';
import { revisionColumns as columns, revisionStatements } from '../sql/revisions.js';

/** The NOTIFY channel of config changes; the payload is `schema:accountId`, so stores in other schemas ignore it. */
export const configChangesChannel = 'switchboard_config_changes';

/**
 * In the write's own transaction, one round trip: bumps the account's counter row (which
 * row-locks it until commit, so the account's revisions commit in number order) and stores
 * the revision under that number.
 */
const recordRevision = `
    WITH counter AS (
      INSERT INTO config_revision_counters (account_id, last_revision) VALUES ($1::bigint, 1)
      ON CONFLICT (account_id) DO UPDATE SET last_revision = config_revision_counters.last_revision + 1
      RETURNING last_revision
    )
    INSERT INTO config_revisions (account_id, revision, integration, scope, operation, config, config_id,
      version, changed_at, actor_type, actor_id, request_id)
    SELECT $1::bigint, last_revision, $2::text, $3::text, $4::text, $5::text, $6::bigint, $7::integer, $8::bigint,
      $9::text, $10::text, $11::text
    FROM counter
    RETURNING revision`;

/** The PostgreSQL store's config-history statements, as plain text. */
export const revisionSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forPostgres(revisionStatements),
  /** The revision, and the NOTIFY, which PostgreSQL sends at commit. */
  recordRevision: `${recordRevision}, pg_notify('${configChangesChannel}', current_schema() || ':' || $1::bigint::text)::text`,
  /** Without LISTEN/NOTIFY: other nodes' pollers find the counter moved ({@link revisionSql.revisionCounters}). */
  recordRevisionQuietly: recordRevision,
  /** Every account's latest revision: what a node without LISTEN polls for changes. */
  revisionCounters: `SELECT account_id, last_revision FROM config_revision_counters`,
  /** With history off, listeners still hear of the change. */
  notifyOnly: `SELECT pg_notify('${configChangesChannel}', current_schema() || ':' || $1::bigint::text)::text`,
  listen: `LISTEN ${configChangesChannel}`,
  currentSchema: `SELECT current_schema() AS schema`,
  /** `/readyz`: `on` on a standby or a read-only database. */
  readOnly: `SHOW transaction_read_only`,
  nameListener: `SELECT set_config('application_name', $1, false)`,
  // E'\\' is one backslash whatever standard_conforming_strings says.
  /** (account, integration, since, LIKE pattern, limit) */
  changesMatching: `
    SELECT ${columns} FROM config_revisions
    WHERE account_id = $1 AND integration = $2 AND revision > $3 AND scope LIKE $4 ESCAPE E'\\\\'
    ORDER BY revision LIMIT $5`,
} as const;
