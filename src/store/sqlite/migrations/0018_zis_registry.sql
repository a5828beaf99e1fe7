-- The ZIS registry routes setup scripts call (issue 19): bundles, installed job specs,
-- connections and ZIS OAuth clients. Stored and validated, never executed. Secrets
-- (connection tokens, passwords, API keys, OAuth client secrets) are stored only as
-- ciphertext under the instance-metadata key ring (`enc:v1:…`), never as plaintext.

-- Every upload is a new version of its bundle (one per name); the vendor's list shows the
-- newest of each. `uuid` is the bundle's, the same for all its versions.
CREATE TABLE zis_bundles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  integration TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  uuid TEXT NOT NULL,
  description TEXT NOT NULL,
  template_version TEXT NOT NULL,
  resources TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  FOREIGN KEY (account_id, integration) REFERENCES integrations (account_id, name) ON DELETE CASCADE
);
CREATE UNIQUE INDEX zis_bundles_version ON zis_bundles (account_id, integration, name, version);

-- A job spec's full name is `zis:{integration}:job_spec:{name}`: unique per account.
CREATE TABLE zis_job_spec_installs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  integration TEXT NOT NULL,
  job_spec_name TEXT NOT NULL,
  installed_at INTEGER NOT NULL,
  FOREIGN KEY (account_id, integration) REFERENCES integrations (account_id, name) ON DELETE CASCADE
);
CREATE UNIQUE INDEX zis_job_spec_installs_name ON zis_job_spec_installs (account_id, job_spec_name);

-- `label` is basic_auth's username or api_key's header_name (NULL for bearer_token).
-- Names are unique per integration across types, as the vendor's connection names are.
CREATE TABLE zis_connections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  integration TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('bearer_token', 'basic_auth', 'api_key')),
  allowed_domain TEXT NOT NULL,
  label TEXT,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  FOREIGN KEY (account_id, integration) REFERENCES integrations (account_id, name) ON DELETE CASCADE
);
CREATE UNIQUE INDEX zis_connections_name ON zis_connections (account_id, integration, name);

CREATE TABLE zis_oauth_clients (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  uuid TEXT NOT NULL UNIQUE,
  account_id INTEGER NOT NULL,
  integration TEXT NOT NULL,
  name TEXT,
  client_id TEXT NOT NULL,
  client_secret TEXT NOT NULL,
  auth_url TEXT,
  token_url TEXT NOT NULL,
  default_scopes TEXT,
  grant_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  FOREIGN KEY (account_id, integration) REFERENCES integrations (account_id, name) ON DELETE CASCADE
);
CREATE INDEX zis_oauth_clients_integration ON zis_oauth_clients (account_id, integration, id);
