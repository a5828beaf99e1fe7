/**
 * The push API's remembered requests: the statements both stores run alike (see render.ts).
 */
export const pushRequestStatements = {
  pushRequest: `SELECT results, body_hash FROM push_requests WHERE instance_id = ? AND request_id = ?`,
} as const;
