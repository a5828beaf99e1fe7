import { forPostgres } from '../sql/render.js';
import { oauthGrantStatements } from '../sql/oauth-grants.js';

/** The PostgreSQL store's statements for OAuth clients, authorization codes and refresh tokens, as plain text. */
export const oauthGrantSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forPostgres(oauthGrantStatements),
};
