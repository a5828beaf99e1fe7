import { forPostgres } from '../sql/render.js';
import { revocationStatements } from '../sql/revocation.js';

/** PostgreSQL statements for admin tokens and the credential revocation version (migration 0009). */
export const revocationSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forPostgres(revocationStatements),
  /** Row-locks the account's admin tokens: two revocations of one account take turns, so "last" holds. */
  lockAdminTokensOfAccount: `SELECT id FROM admin_tokens WHERE account_id = $1 ORDER BY id FOR UPDATE`,
} as const;
