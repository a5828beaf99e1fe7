import { forPostgres } from '../sql/render.js';
import { keyRotationStatements } from '../sql/key-rotation.js';

/** The SQL `switchboard keys rotate` runs on PostgreSQL, as plain text. */
export const keyRotationSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forPostgres(keyRotationStatements),
  /**
   * Rewrites a batch in one statement (one short transaction), each row only if its values
   * are still what was read: a row a writer changed meanwhile is left to its writer.
   */
  rewriteValues: `
    UPDATE instances AS i SET metadata = r.metadata, state = r.state
    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
      AS r (id, old_metadata, old_state, metadata, state)
    WHERE i.id = r.id AND i.metadata = r.old_metadata AND i.state = r.old_state`,
} as const;
