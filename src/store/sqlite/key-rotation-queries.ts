import { forSqlite } from '../sql/render.js';
import { keyRotationStatements } from '../sql/key-rotation.js';

/** The SQL `switchboard keys rotate` runs on SQLite, as plain text. */
export const keyRotationSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(keyRotationStatements),
  /** Rewrites one instance's values if they are still what was read (a writer may have changed them). */
  rewriteValues: `UPDATE instances SET metadata = ?, state = ? WHERE id = ? AND metadata = ? AND state = ?`,
} as const;
