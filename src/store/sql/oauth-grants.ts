import { accountStatements } from './accounts-and-configs.js';

/**
 * OAuth clients, authorization codes and refresh tokens: the statements both stores run
 * alike, written once with `?` placeholders (see render.ts).
 */
export const oauthGrantStatements = {
  oauthClientsOfAccount: accountStatements.integrationsOfAccount,
  oauthClientById: accountStatements.integrationById,
  // An absent field (null) keeps its value.
  updateOAuthClient: `
    UPDATE integrations
    SET description = coalesce(?, description), redirect_uris = coalesce(?, redirect_uris), updated_at = ?
    WHERE account_id = ? AND id = ? RETURNING *`,
  deleteExpiredCodes: `DELETE FROM oauth_codes WHERE expires_at <= ?`,
  insertCode: `
    INSERT INTO oauth_codes
      (code_hash, account_id, integration, scopes, redirect_uri, code_challenge, admin_email, created_at, expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // One statement: two exchanges of one code cannot both find it.
  takeCode: `DELETE FROM oauth_codes WHERE code_hash = ? AND account_id = ? AND integration = ? RETURNING *`,
  deleteExpiredRefreshTokens: `DELETE FROM refresh_tokens WHERE expires_at <= ?`,
  deleteExpiredAccessTokens: `DELETE FROM access_tokens WHERE expires_at <= ?`,
  insertRefreshToken: `
    INSERT INTO refresh_tokens
      (token_hash, account_id, integration, scopes, public_client, created_at, expires_at, access_token_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  takeRefreshToken: `
    DELETE FROM refresh_tokens WHERE token_hash = ? AND account_id = ? AND integration = ? RETURNING *`,
} as const;
