import { forPostgres } from '../sql/render.js';
import { pushRequestStatements } from '../sql/push-requests.js';

/** The SQL of the PostgreSQL push API, as plain text. */
export const pushSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forPostgres(pushRequestStatements),
  /** Nothing returned: the request id is taken (by a committed push: the instance lock is held). */
  insertPushRequest: `
    INSERT INTO push_requests (instance_id, request_id, results, body_hash, created_at) VALUES ($1, $2, '[]', $3, $4)
    ON CONFLICT (instance_id, request_id) DO NOTHING RETURNING request_id`,
  setPushResults: `UPDATE push_requests SET results = $3 WHERE instance_id = $1 AND request_id = $2`,
  /**
   * A bounded batch, oldest first. SKIP LOCKED: rows another node is purging are left to it,
   * so concurrent pushes never wait on each other here.
   */
  purgePushRequests: `
    DELETE FROM push_requests WHERE (instance_id, request_id) IN (
      SELECT instance_id, request_id FROM push_requests WHERE created_at < $1
      ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED)`,
} as const;
