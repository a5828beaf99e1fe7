-- The console's overview counts the last hour's pulls per minute over an account's
-- instances: each instance's pulls by start time, not its whole log.
CREATE INDEX pulls_started ON pulls (instance_id, started_at);
