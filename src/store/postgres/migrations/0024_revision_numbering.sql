-- History without serial commits (issue 23). Until now each config write bumped its
-- account's counter row inside its own transaction, so the row stayed locked through the
-- commit's WAL flush and one account's writes committed one at a time.
--
-- Now a write stores its revision here, unnumbered, in its own transaction (no shared row
-- locked), so one account's writes commit side by side and share WAL flushes. After COMMIT
-- the node numbers it with switchboard_number_revisions, which numbers every waiting
-- revision of the accounts it is given, in one short transaction; a node gathers the
-- accounts of the writes that committed while its last numbering ran into the next one, so
-- numberings share flushes too. Numbers are only ever handed out under the account's
-- counter row lock, so the feed's promise holds: a reader that sees revision n has seen
-- every number below it. A numbering that finds nothing left waits for no WAL flush.

CREATE TABLE config_revisions_pending (
  -- Insert order: a scope's writes take turns on the config row, so its revisions queue in
  -- version order and are numbered in that order.
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL,
  integration text NOT NULL,
  scope text COLLATE "C" NOT NULL,
  operation text NOT NULL CHECK (operation IN ('create', 'replace', 'merge', 'delete', 'restore')),
  config text,
  config_id bigint NOT NULL,
  version integer NOT NULL,
  changed_at bigint NOT NULL,
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  request_id text
);

CREATE INDEX config_revisions_pending_account ON config_revisions_pending (account_id, id);

-- Numbers the waiting revisions of `accounts`; returns how many. VOLATILE, so each
-- statement reads a fresh snapshot (READ COMMITTED): once an account's counter row is
-- locked, the next statement sees every revision committed before. Accounts are locked in
-- ascending order, so two numberings never wait on each other in a cycle.
CREATE FUNCTION switchboard_number_revisions(accounts bigint[], notify boolean) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  account bigint;
  last bigint;
  numbered integer;
  total integer := 0;
BEGIN
  FOR account IN SELECT DISTINCT a FROM unnest(accounts) AS a ORDER BY a LOOP
    -- Nothing waiting (a numbering that has committed took it): no lock, no write.
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM config_revisions_pending WHERE account_id = account);
    INSERT INTO config_revision_counters AS c (account_id, last_revision) VALUES (account, 0)
    ON CONFLICT (account_id) DO UPDATE SET last_revision = c.last_revision
    RETURNING c.last_revision INTO last;
    WITH waiting AS (
      DELETE FROM config_revisions_pending WHERE account_id = account RETURNING *
    )
    INSERT INTO config_revisions (account_id, revision, integration, scope, operation, config, config_id,
      version, changed_at, actor_type, actor_id, request_id)
    SELECT account_id, last + row_number() OVER (ORDER BY id), integration, scope, operation, config,
      config_id, version, changed_at, actor_type, actor_id, request_id
    FROM waiting;
    GET DIAGNOSTICS numbered = ROW_COUNT;
    CONTINUE WHEN numbered = 0;
    UPDATE config_revision_counters SET last_revision = last + numbered WHERE account_id = account;
    IF notify THEN
      PERFORM pg_notify('switchboard_config_changes', current_schema() || ':' || account::text);
    END IF;
    total := total + numbered;
  END LOOP;
  IF total = 0 THEN
    -- It waited on a lock while another numbering took what was waiting: nothing of this
    -- transaction needs to be durable, so its commit need not wait for a WAL flush.
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
  RETURN total;
END
$$;
