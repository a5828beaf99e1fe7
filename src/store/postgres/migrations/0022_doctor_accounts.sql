-- A doctor account (`switchboard accounts create --doctor`): on a production server the
-- integration doctor runs only with its admin credentials, and works inside it, so a run
-- never touches a tenant's account. Same column as the SQLite schema.
ALTER TABLE accounts ADD COLUMN doctor boolean NOT NULL DEFAULT false;
