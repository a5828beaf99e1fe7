import { forPostgres } from '../sql/render.js';
import { channelStatements } from '../sql/channel.js';
import { integrationColumnsPrefixed } from '../channel-rows.js';

/** Every SQL statement the PostgreSQL channel store runs, as plain text. */
export const channelSql = {
  // The statements both dialects run alike, written once under src/store/sql/.
  ...forPostgres(channelStatements),
  // --- Instances
  /** Row-locks the instance until commit, so writes to it (and to its threads) take turns. */
  instanceByIdForUpdate: `SELECT * FROM instances WHERE account_id = $1 AND id = $2 FOR UPDATE`,
  instanceByIdAnyAccountForUpdate: `SELECT * FROM instances WHERE id = $1 FOR UPDATE`,

  // --- The pull loop
  /**
   * Leases due, active, pullable instances whose lease (if any) ran out, oldest due first
   * ($1 now, $2 limit, $3 owner, $4 lease ms), in one statement. SKIP LOCKED: rows another
   * node is leasing right now are passed over rather than waited for; a row leased by a
   * transaction that committed meanwhile is re-checked and no longer qualifies. So no two
   * claimers ever get the same instance while its lease runs. The leased rows are found by
   * id (`= ANY`), not by a join with the CTE: that join's plan, reused for every claim, was a
   * hash join over the whole table, so PostgreSQL planned each claim anew instead.
   */
  claimDue: `
    WITH due AS (
      SELECT instances.id
      FROM instances JOIN channel_integrations ci ON ci.id = instances.integration_id
      WHERE instances.active AND instances.next_pull_at <= $1::bigint
        AND (instances.lease_expires_at IS NULL OR instances.lease_expires_at <= $1::bigint)
        AND ci.pull_url IS NOT NULL
      ORDER BY instances.next_pull_at, instances.id
      LIMIT $2
      FOR UPDATE OF instances SKIP LOCKED
    )
    UPDATE instances SET lease_owner = $3, lease_expires_at = $1::bigint + $4::bigint
    FROM channel_integrations ci
    WHERE instances.id = ANY (ARRAY(SELECT id FROM due)) AND ci.id = instances.integration_id
    RETURNING instances.*, ${integrationColumnsPrefixed}`,
  /** Row-locks the instance (not its integration) for an on-demand claim. */
  instanceWithIntegrationForUpdate: `
    SELECT instances.*, ${integrationColumnsPrefixed}
    FROM instances JOIN channel_integrations ci ON ci.id = instances.integration_id
    WHERE instances.account_id = $1 AND instances.id = $2
    FOR UPDATE OF instances`,
  /**
   * Extends an owner's leases ($1 until, $2 ids, $3 owner); RETURNING names the ones still
   * theirs. The rows are locked in id order, as a batch of completions locks them, so a
   * renewal and a batch of the same node never deadlock.
   */
  renewLeases: `
    UPDATE instances SET lease_expires_at = $1
    WHERE lease_owner = $3 AND id IN (
      SELECT id FROM instances WHERE id = ANY ($2::bigint[]) AND lease_owner = $3 ORDER BY id FOR UPDATE
    )
    RETURNING id`,
  /**
   * Row-locks the instances of finished pulls, in id order (two batches lock in the same
   * order, so they cannot deadlock), with their integration's manifest (does it take events?).
   */
  instancesForPullForUpdate: `
    SELECT instances.*, ci.manifest AS ci_manifest
    FROM instances JOIN channel_integrations ci ON ci.id = instances.integration_id
    WHERE instances.id = ANY ($1::bigint[])
    ORDER BY instances.id
    FOR UPDATE OF instances`,
  /**
   * What finished pulls change, one row per instance, and their log entries, in one
   * statement. A NULL metadata or state keeps the stored text (it did not change: no need to
   * send or rewrite it); the lease is released only where its owner finished.
   */
  settleAndLogPulls: `
    WITH settled AS (
      UPDATE instances SET metadata = COALESCE(u.metadata, instances.metadata),
        state = COALESCE(u.state, instances.state), state_version = u.state_version, active = u.active,
        deactivated_reason = u.deactivated_reason, metadata_needs_update = u.metadata_needs_update,
        consecutive_failures = u.consecutive_failures, next_pull_at = u.next_pull_at, last_pull_at = u.last_pull_at,
        updated_at = u.updated_at,
        lease_owner = CASE WHEN u.release_lease THEN NULL ELSE instances.lease_owner END,
        lease_expires_at = CASE WHEN u.release_lease THEN NULL ELSE instances.lease_expires_at END
      FROM unnest($1::bigint[], $2::text[], $3::text[], $4::integer[], $5::boolean[], $6::text[], $7::boolean[],
        $8::integer[], $9::bigint[], $10::bigint[], $11::bigint[], $12::boolean[])
        AS u (id, metadata, state, state_version, active, deactivated_reason, metadata_needs_update,
          consecutive_failures, next_pull_at, last_pull_at, updated_at, release_lease)
      WHERE instances.id = u.id
    )
    INSERT INTO pulls
      (instance_id, started_at, duration_ms, outcome, http_status, resources_stored, duplicates, state_conflict,
       error, deactivated)
    SELECT * FROM unnest($13::bigint[], $14::bigint[], $15::bigint[], $16::text[], $17::integer[], $18::integer[],
      $19::integer[], $20::boolean[], $21::text[], $22::boolean[])
    RETURNING *`,
  /** The stored thread of each (instance, external id) pair that is stored. */
  storedResources: `
    SELECT r.instance_id, r.external_id, r.thread_id
    FROM resources r JOIN unnest($1::bigint[], $2::text[]) AS k (instance_id, external_id)
      ON r.instance_id = k.instance_id AND r.external_id = k.external_id`,
  /**
   * In one round trip, what storing resources needs to know: the stored thread of each
   * (instance, external id) pair that is stored ($1, $2; kind 'resource'), and the id of
   * each (instance, thread key) thread that exists ($3, $4; kind 'thread').
   */
  storedResourcesAndThreads: `
    SELECT 'resource' AS kind, r.instance_id, r.external_id AS key, r.thread_id AS id
    FROM resources r JOIN unnest($1::bigint[], $2::text[]) AS k (instance_id, external_id)
      ON r.instance_id = k.instance_id AND r.external_id = k.external_id
    UNION ALL
    SELECT 'thread', t.instance_id, t.thread_key, t.id
    FROM threads t JOIN unnest($3::bigint[], $4::text[]) AS k (instance_id, thread_key)
      ON t.instance_id = k.instance_id AND t.thread_key = k.thread_key`,
  /**
   * New threads (with the resources they receive counted in), new resources, and the counts
   * added to existing threads, in one statement. Ids are taken from the sequences here and
   * handed out in ascending order along the arrays, so ids follow the pulls' order. A new
   * resource names its thread by id ($6, existing) or by its place among the new threads
   * ($7, from 1). The UPDATE sees only threads that existed before it, which is why new
   * threads come with their count. (No foreign key is checked here: migration 0027.) The ids
   * are taken one per array element (`unnest`, not `generate_series`): a count PostgreSQL
   * cannot know made it plan every call anew rather than keep one plan.
   */
  storeThreadsAndResources: `
    WITH thread_ids AS (
      SELECT row_number() OVER (ORDER BY id) AS n, id
      FROM (SELECT nextval(pg_get_serial_sequence('threads', 'id')) AS id FROM unnest($1::bigint[])) AS taken
    ), new_threads AS (
      INSERT INTO threads (id, instance_id, thread_key, resource_count, created_at)
      SELECT thread_ids.id, t.instance_id, t.thread_key, t.resource_count, t.created_at
      FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::bigint[]) WITH ORDINALITY
        AS t (instance_id, thread_key, resource_count, created_at, n)
      JOIN thread_ids USING (n)
    ), resource_ids AS (
      SELECT row_number() OVER (ORDER BY id) AS n, id
      FROM (SELECT nextval(pg_get_serial_sequence('resources', 'id')) AS id FROM unnest($5::bigint[])) AS taken
    ), new_resources AS (
      INSERT INTO resources (id, instance_id, thread_id, external_id, payload, stored_at)
      SELECT resource_ids.id, r.instance_id, COALESCE(r.thread_id, thread_ids.id), r.external_id, r.payload,
        r.stored_at
      FROM unnest($5::bigint[], $6::bigint[], $7::integer[], $8::text[], $9::text[], $10::bigint[]) WITH ORDINALITY
        AS r (instance_id, thread_id, new_thread, external_id, payload, stored_at, n)
      JOIN resource_ids USING (n)
      LEFT JOIN thread_ids ON thread_ids.n = r.new_thread
    )
    UPDATE threads SET resource_count = resource_count + added.count
    FROM unnest($11::bigint[], $12::integer[]) AS added (id, count)
    WHERE threads.id = added.id`,
} as const;
