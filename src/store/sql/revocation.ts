/**
 * Admin tokens and the credential revocation version (migration 0009), written once (see render.ts).
 */
export const revocationStatements = {
  adminTokensOfAccount: `SELECT id, account_id, email, created_at FROM admin_tokens WHERE account_id = ? ORDER BY id`,
  deleteAdminToken: `DELETE FROM admin_tokens WHERE account_id = ? AND id = ?`,
  bumpRevocationVersion: `UPDATE credential_revocations SET version = version + 1 WHERE id = 1`,
  revocationVersion: `SELECT version FROM credential_revocations WHERE id = 1`,
} as const;
