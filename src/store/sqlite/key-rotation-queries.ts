/** The SQL `switchboard keys rotate` runs on SQLite, as plain text. */
export const keyRotationSql = {
  /** A batch of instances' stored values by id ($1 after, $2 limit). */
  storedValues: `SELECT id, metadata, state FROM instances WHERE id > ? ORDER BY id LIMIT ?`,
  /** Rewrites one instance's values if they are still what was read (a writer may have changed them). */
  rewriteValues: `UPDATE instances SET metadata = ?, state = ? WHERE id = ? AND metadata = ? AND state = ?`,
} as const;
