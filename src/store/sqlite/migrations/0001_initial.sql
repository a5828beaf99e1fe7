-- Accounts, their admin API tokens, registered integrations with their OAuth clients,
-- bearer tokens, and ZIS configs. Tokens and secrets are stored only as SHA-256 hashes.

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subdomain TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE admin_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE integrations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  client_identifier TEXT NOT NULL UNIQUE,
  client_secret_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (account_id, name)
);

CREATE TABLE access_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_hash TEXT NOT NULL UNIQUE,
  account_id INTEGER NOT NULL,
  integration TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  FOREIGN KEY (account_id, integration) REFERENCES integrations (account_id, name) ON DELETE CASCADE
);

-- AUTOINCREMENT: ids are never reused, so `page[after]` cursors and ETags stay unique.
CREATE TABLE configs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  integration TEXT NOT NULL,
  scope TEXT NOT NULL,
  config TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Lookups by scope, and prefix wildcards as a range scan (GLOB on a BINARY column).
CREATE UNIQUE INDEX configs_scope ON configs (account_id, integration, scope);
-- Listing in id order, for `*` and patterns without a literal prefix.
CREATE INDEX configs_id ON configs (account_id, integration, id);
