-- Access tokens as the Support API's OAuth tokens show them: their scopes (a token with
-- only "read" cannot write configs), the first characters of the token (so an admin can tell
-- tokens apart without the secret; the rest is kept only as its hash) and when the token was
-- last used. Tokens issued before this migration keep read and write, and have no prefix.
-- A constant default: no table rewrite.
ALTER TABLE access_tokens ADD COLUMN scopes text NOT NULL DEFAULT 'read write';
ALTER TABLE access_tokens ADD COLUMN token_prefix text;
ALTER TABLE access_tokens ADD COLUMN used_at bigint;

-- Listing an account's tokens in id order.
CREATE INDEX access_tokens_account ON access_tokens (account_id, id);
