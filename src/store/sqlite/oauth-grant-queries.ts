import { forSqlite } from '../sql/render.js';
import { oauthGrantStatements } from '../sql/oauth-grants.js';

/** The SQLite store's statements for OAuth clients, authorization codes and refresh tokens, as plain text. */
export const oauthGrantSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forSqlite(oauthGrantStatements),
  // Revoking an access token revokes the refresh token issued beside it.
  deleteRefreshTokensOf: `DELETE FROM refresh_tokens WHERE access_token_id = ?`,
};
