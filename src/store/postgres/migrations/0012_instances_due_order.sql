-- The scheduler's claim takes due instances in (next_pull_at, id) order, a few at a time.
-- Indexed on next_pull_at alone, instances due at the same moment (all those registered
-- together, or a backlog) had to be read and sorted in full for every claim: with 5,000
-- due, each claim scanned all of them to return a dozen. With id in the index, a claim
-- reads the index in order and stops after the rows it takes.
CREATE INDEX instances_due_order ON instances (next_pull_at, id) WHERE active;
DROP INDEX instances_due;
