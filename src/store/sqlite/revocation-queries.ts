import { forSqlite } from '../sql/render.js';
import { revocationStatements } from '../sql/revocation.js';

/** SQLite statements for admin tokens and the credential revocation version (migration 0009). */
export const revocationSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(revocationStatements),
  countAdminTokensOfAccount: `SELECT count(*) FROM admin_tokens WHERE account_id = ?`,
  adminTokenOfAccount: `SELECT 1 FROM admin_tokens WHERE account_id = ? AND id = ?`,
} as const;
