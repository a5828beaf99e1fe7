/** The PostgreSQL store's statements for OAuth clients, authorization codes and refresh tokens, as plain text. */
export const oauthGrantSql = {
  oauthClientsOfAccount: `SELECT * FROM integrations WHERE account_id = $1 ORDER BY id`,
  oauthClientById: `SELECT * FROM integrations WHERE account_id = $1 AND id = $2`,
  // An absent field (null) keeps its value.
  updateOAuthClient: `
    UPDATE integrations
    SET description = coalesce($1, description), redirect_uris = coalesce($2, redirect_uris), updated_at = $3
    WHERE account_id = $4 AND id = $5 RETURNING *`,
  deleteExpiredCodes: `DELETE FROM oauth_codes WHERE expires_at <= $1`,
  insertCode: `
    INSERT INTO oauth_codes
      (code_hash, account_id, integration, scopes, redirect_uri, code_challenge, admin_email, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  // One statement: two exchanges of one code cannot both find it.
  takeCode: `DELETE FROM oauth_codes WHERE code_hash = $1 AND account_id = $2 AND integration = $3 RETURNING *`,
  deleteExpiredRefreshTokens: `DELETE FROM refresh_tokens WHERE expires_at <= $1`,
  deleteExpiredAccessTokens: `DELETE FROM access_tokens WHERE expires_at <= $1`,
  insertRefreshToken: `
    INSERT INTO refresh_tokens
      (token_hash, account_id, integration, scopes, public_client, created_at, expires_at, access_token_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  takeRefreshToken: `
    DELETE FROM refresh_tokens WHERE token_hash = $1 AND account_id = $2 AND integration = $3 RETURNING *`,
};
