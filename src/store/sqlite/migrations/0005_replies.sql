-- Channelback: agents' replies to a thread, sent to the integration's channelback_url by
-- the reply sender. `parent_id`, `recipient_id` and `thread_key` are fixed when the reply
-- is created, so every retry sends the same form, with the same request_unique_identifier.
-- `file_urls` is a JSON array. A pending reply is leased while it is sent (lease_owner,
-- lease_expires_at), so no two nodes send it at once and a dead node's lease runs out.

CREATE TABLE replies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id INTEGER NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
  thread_id INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  message TEXT NOT NULL,
  file_urls TEXT NOT NULL,
  parent_id TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  thread_key TEXT NOT NULL,
  request_unique_identifier TEXT NOT NULL UNIQUE,
  -- The integration's id for the sent reply (its answer's external_id).
  external_id TEXT,
  attempts INTEGER NOT NULL,
  last_error TEXT,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  updated_at INTEGER NOT NULL
);

-- The sender: pending replies, oldest due first.
CREATE INDEX replies_due ON replies (next_attempt_at) WHERE status = 'pending';
CREATE INDEX replies_thread ON replies (thread_id, id);
-- report_error names a reply by the external id the integration gave it.
CREATE INDEX replies_external_id ON replies (instance_id, external_id);
