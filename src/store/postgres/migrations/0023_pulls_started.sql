-- The console's overview counts the last hour's pulls (and failed ones) per minute over an
-- account's instances: each instance's pulls by start time, read from the index alone.
CREATE INDEX pulls_started ON pulls (instance_id, started_at, outcome);
