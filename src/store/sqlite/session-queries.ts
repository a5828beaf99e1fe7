import { forSqlite } from '../sql/render.js';
import { consoleSessionStatements } from '../sql/console-sessions.js';

/** SQLite statements for console sessions (migration 0013). */
export const sessionSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(consoleSessionStatements),
} as const;
