import { forSqlite } from '../sql/render.js';
import { pushRequestStatements } from '../sql/push-requests.js';

/** The SQL of the SQLite push API, as plain text. */
export const pushSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(pushRequestStatements),
  insertPushRequest: `
    INSERT INTO push_requests (instance_id, request_id, results, body_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
  /** A bounded batch, oldest first, so one push never pays for a long backlog. */
  purgePushRequests: `
    DELETE FROM push_requests WHERE rowid IN (
      SELECT rowid FROM push_requests WHERE created_at < ? ORDER BY created_at LIMIT 100)`,
} as const;
