/**
 * Console sessions (migration 0013), written once with `?` placeholders (see render.ts).
 */
export const consoleSessionStatements = {
  insertConsoleSession: `INSERT INTO console_sessions (id_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
  consoleSessionActive: `SELECT 1 FROM console_sessions WHERE id_hash = ? AND expires_at > ?`,
  deleteConsoleSession: `DELETE FROM console_sessions WHERE id_hash = ?`,
  /** A small batch of expired sessions, oldest first: the pruner calls it until it deletes none. */
  pruneConsoleSessions: `DELETE FROM console_sessions WHERE id_hash IN (
    SELECT id_hash FROM console_sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
} as const;
