/** PostgreSQL statements for admin tokens and the credential revocation version (migration 0009). */
export const revocationSql = {
  adminTokensOfAccount: `SELECT id, account_id, email, created_at FROM admin_tokens WHERE account_id = $1 ORDER BY id`,
  /** Row-locks the account's admin tokens: two revocations of one account take turns, so "last" holds. */
  lockAdminTokensOfAccount: `SELECT id FROM admin_tokens WHERE account_id = $1 ORDER BY id FOR UPDATE`,
  deleteAdminToken: `DELETE FROM admin_tokens WHERE account_id = $1 AND id = $2`,
  bumpRevocationVersion: `UPDATE credential_revocations SET version = version + 1 WHERE id = 1`,
  revocationVersion: `SELECT version FROM credential_revocations WHERE id = 1`,
} as const;
