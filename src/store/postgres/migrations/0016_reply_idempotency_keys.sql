-- A reply's Idempotency-Key (Stripe's semantics): a client that lost the answer to its
-- reply sends it again with the same key and gets the first reply back instead of a second
-- customer-visible message. request_hash is the SHA-256 (hex) of the request's thread and
-- the canonical JSON of its body: the same key with another request answers 409.
-- Keys are scoped per instance (the route's :id; an instance is one account's): the unique
-- index makes two requests racing with one key create one reply. Null for replies created
-- without a key (the console, the CLI, and before this migration). A key older than 24 h is
-- cleared by the next reply reusing it, so the index never refuses a fresh one.
ALTER TABLE replies ADD COLUMN idempotency_key text;
ALTER TABLE replies ADD COLUMN request_hash text;
CREATE UNIQUE INDEX replies_idempotency_key ON replies (instance_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
