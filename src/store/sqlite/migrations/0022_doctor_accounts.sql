-- A doctor account (`switchboard accounts create --doctor`): on a production server the
-- integration doctor runs only with its admin credentials, and works inside it, so a run
-- never touches a tenant's account. 1: a doctor account.
ALTER TABLE accounts ADD COLUMN doctor INTEGER NOT NULL DEFAULT 0;
