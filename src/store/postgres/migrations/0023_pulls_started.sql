-- The console's overview counts the last hour's pulls per minute across every instance of
-- an account: by start time, not by each instance's log.
CREATE INDEX pulls_started ON pulls (started_at);
