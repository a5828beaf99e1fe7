import { forPostgres } from '../sql/render.js';
import { consoleSessionStatements } from '../sql/console-sessions.js';
/** PostgreSQL statements for console sessions (migration 0013). */
export const sessionSql = {
  ...forPostgres(consoleSessionStatements),
} as const;
