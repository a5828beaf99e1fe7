import { forPostgres } from '../sql/render.js';
import { consoleSessionStatements } from '../sql/console-sessions.js';

/** PostgreSQL statements for console sessions (migration 0013). */
export const sessionSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forPostgres(consoleSessionStatements),
} as const;
