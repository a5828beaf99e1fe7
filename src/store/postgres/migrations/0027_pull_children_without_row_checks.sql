-- A pull stores a thread, a resource and a log entry; each row's foreign key made PostgreSQL
-- run a lookup of the row it names, one statement of its own per row (about a third of the
-- PostgreSQL CPU a pull cost). Every writer of these rows holds its instance's row lock
-- (`FOR UPDATE`) and checks the instance is there first, so the keys checked nothing the
-- lock did not already hold. They go; the cascade they gave stays, as one statement per table
-- for all the instances a statement deletes (an integration's delete removes all of its).
-- (IF EXISTS: a key of another name stays, and costs what it did, rather than stop the start.)
ALTER TABLE pulls DROP CONSTRAINT IF EXISTS pulls_instance_id_fkey;
ALTER TABLE threads DROP CONSTRAINT IF EXISTS threads_instance_id_fkey;
ALTER TABLE resources DROP CONSTRAINT IF EXISTS resources_instance_id_fkey;
ALTER TABLE resources DROP CONSTRAINT IF EXISTS resources_thread_id_fkey;

-- The tables it names are this schema's whatever the deleting session's search_path.
CREATE FUNCTION switchboard_delete_instance_children() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
  DELETE FROM resources WHERE instance_id IN (SELECT id FROM gone);
  -- A thread's replies go with it (their own key's cascade).
  DELETE FROM threads WHERE instance_id IN (SELECT id FROM gone);
  DELETE FROM pulls WHERE instance_id IN (SELECT id FROM gone);
  RETURN NULL;
END $$;

CREATE TRIGGER instances_children_deleted AFTER DELETE ON instances
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION switchboard_delete_instance_children();
