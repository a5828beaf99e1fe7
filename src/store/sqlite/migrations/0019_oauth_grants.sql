-- The OAuth authorization-code grant and its refresh tokens, and the OAuth client fields the
-- vendor's /api/v2/oauth/clients shows: a description, the redirect URIs a code may be sent
-- to (a JSON array of strings) and when the client was last changed (null: never).
ALTER TABLE integrations ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE integrations ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '[]';
ALTER TABLE integrations ADD COLUMN updated_at INTEGER;

-- Tokens from the authorization-code and refresh grants expire (epoch seconds); null: never.
ALTER TABLE access_tokens ADD COLUMN expires_at INTEGER;

-- One-use authorization codes, kept as hashes for at most their few minutes of life.
CREATE TABLE oauth_codes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code_hash TEXT NOT NULL UNIQUE,
  account_id INTEGER NOT NULL,
  integration TEXT NOT NULL,
  scopes TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  -- PKCE (RFC 7636), S256 only; null when the client sent no challenge.
  code_challenge TEXT,
  -- Who approved it in the console.
  admin_email TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  FOREIGN KEY (account_id, integration) REFERENCES integrations (account_id, name) ON DELETE CASCADE
);
CREATE INDEX oauth_codes_expiry ON oauth_codes (expires_at);

-- Refresh tokens, as hashes; each is used once and replaced by a new one.
CREATE TABLE refresh_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_hash TEXT NOT NULL UNIQUE,
  account_id INTEGER NOT NULL,
  integration TEXT NOT NULL,
  scopes TEXT NOT NULL,
  -- 1 when it came from a PKCE exchange without the client secret: it is refreshed the same way.
  public_client INTEGER NOT NULL DEFAULT 0,
  -- The access token issued beside it: revoking that token revokes this refresh token too.
  access_token_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  FOREIGN KEY (account_id, integration) REFERENCES integrations (account_id, name) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_access_token ON refresh_tokens (access_token_id);
