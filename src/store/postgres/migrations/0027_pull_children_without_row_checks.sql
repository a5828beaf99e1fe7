-- A pull stores a thread, a resource and a log entry; each row's foreign key made PostgreSQL
-- run a lookup of the row it names, one statement of its own per row (about a third of the
-- PostgreSQL CPU a pull cost). Every writer of these rows holds its instance's row lock
-- (`FOR UPDATE`) and checks the instance is there first, so the keys checked nothing the
-- lock did not already hold. They go; the cascade they gave stays, as one statement per table
-- for all the instances a statement deletes (an integration's delete removes all of its).
ALTER TABLE pulls DROP CONSTRAINT pulls_instance_id_fkey;
ALTER TABLE threads DROP CONSTRAINT threads_instance_id_fkey;
ALTER TABLE resources DROP CONSTRAINT resources_instance_id_fkey;
ALTER TABLE resources DROP CONSTRAINT resources_thread_id_fkey;

CREATE FUNCTION delete_instances_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM resources WHERE instance_id IN (SELECT id FROM gone);
  -- A thread's replies go with it (their own key's cascade).
  DELETE FROM threads WHERE instance_id IN (SELECT id FROM gone);
  DELETE FROM pulls WHERE instance_id IN (SELECT id FROM gone);
  RETURN NULL;
END $$;

CREATE TRIGGER instances_children_deleted AFTER DELETE ON instances
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION delete_instances_children();
