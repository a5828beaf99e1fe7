-- Channel-framework hosting: integrations registered by manifest, their instances, the
-- pull log, the threads and resources pulls stored, and single-use admin-UI hand-offs.
-- Times are epoch milliseconds. `metadata`, `state` and payloads are TEXT, returned exactly
-- as stored. AUTOINCREMENT: ids are never reused. Deleting an integration removes its
-- instances, and an instance its pulls, threads, resources and hand-offs (ON DELETE CASCADE).

CREATE TABLE channel_integrations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  remote_id TEXT NOT NULL,
  name TEXT NOT NULL,
  manifest_url TEXT NOT NULL,
  manifest TEXT NOT NULL,
  -- Derived from `manifest` on every write (urls.pull_url), so the scheduler can filter on it.
  pull_url TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- Listing by account, and the target of instances' (account_id, integration_id) key.
  UNIQUE (account_id, id)
);

CREATE TABLE instances (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL,
  integration_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  metadata TEXT NOT NULL,
  state TEXT NOT NULL,
  state_version INTEGER NOT NULL,
  instance_push_id TEXT NOT NULL UNIQUE,
  push_token_hash TEXT NOT NULL,
  active INTEGER NOT NULL,
  deactivated_reason TEXT,
  metadata_needs_update INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  next_pull_at INTEGER NOT NULL,
  last_pull_at INTEGER,
  -- The pull lease: who holds it, until when. NULL: not leased.
  lease_owner TEXT,
  lease_expires_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- An instance belongs to an integration of its own account.
  FOREIGN KEY (account_id, integration_id) REFERENCES channel_integrations (account_id, id) ON DELETE CASCADE
);

-- Listing by account (and integration); the cascade from channel_integrations.
CREATE INDEX instances_account ON instances (account_id, integration_id, id);
-- The scheduler: active instances, oldest due first.
CREATE INDEX instances_due ON instances (active, next_pull_at);

-- The pull log.
CREATE TABLE pulls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),
  http_status INTEGER,
  resources_stored INTEGER NOT NULL,
  duplicates INTEGER NOT NULL,
  state_conflict INTEGER NOT NULL,
  error TEXT,
  deactivated INTEGER NOT NULL
);

CREATE INDEX pulls_instance ON pulls (instance_id, id);

CREATE TABLE threads (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
  thread_key TEXT NOT NULL,
  resource_count INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (instance_id, thread_key)
);

CREATE TABLE resources (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
  thread_id INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
  external_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  -- An external id is stored once per instance: later copies are duplicates.
  UNIQUE (instance_id, external_id)
);

CREATE INDEX resources_instance ON resources (instance_id, id);
CREATE INDEX resources_thread ON resources (thread_id, id);

-- Single-use admin-UI hand-offs, by the hash of their token; consumed rows are deleted.
CREATE TABLE admin_ui_handoffs (
  token_hash TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL,
  integration_id INTEGER NOT NULL,
  instance_id INTEGER REFERENCES instances (id) ON DELETE CASCADE,
  -- The push credentials handed to the integration: a new instance's, or the edited one's.
  instance_push_id TEXT NOT NULL,
  push_token_hash TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  FOREIGN KEY (account_id, integration_id) REFERENCES channel_integrations (account_id, id) ON DELETE CASCADE
);

CREATE INDEX admin_ui_handoffs_expiry ON admin_ui_handoffs (expires_at);
CREATE INDEX admin_ui_handoffs_integration ON admin_ui_handoffs (account_id, integration_id);
CREATE INDEX admin_ui_handoffs_instance ON admin_ui_handoffs (instance_id);
