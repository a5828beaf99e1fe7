-- Push authentication finds the instance from its token (before the body is read), so a
-- push token hash must name one instance. Tokens are 32 random bytes, so two instances
-- share a hash only when a row was copied by hand. Such a token cannot say which instance
-- it is for: the oldest instance keeps it; the others get a value no token hashes to (not
-- hex), so their integrations answer 401 until an admin opens the admin UI again, which
-- hands out a new token.
UPDATE instances
SET push_token_hash = 'unusable:duplicate:' || id
WHERE EXISTS (
  SELECT 1 FROM instances AS older
  WHERE older.push_token_hash = instances.push_token_hash AND older.id < instances.id
);

CREATE UNIQUE INDEX instances_push_token_hash ON instances (push_token_hash);
