import type pg from 'pg';
import type { ChannelStore, PullCompletion, PullRecord, PullTarget } from '../channel-store.js';
import { toInstance, toJoinedIntegration, type InstanceRow, type InstanceWithIntegrationRow } from '../channel-rows.js';
import { channelSql as sql } from './channel-queries.js';
import type { PushCompletion, PushOutcome } from '../push-records.js';
import { planPush, pushIdsToLookUp, repeatOutcome } from '../push-rules.js';
import {
  claimPushRequest,
  findPushRequest,
  purgePushRequests,
  recordPushResults,
  storedPushRequest,
} from './postgres-push-requests.js';
import { PostgresEventOutbox } from './postgres-event-outbox.js';
import { PostgresRunner } from './postgres-runner.js';
import { SqlChannelBase } from '../sql-channel-base.js';
import { completePulls, PullCompletionQueue } from './postgres-pull-completions.js';
import { storedThreads, storeResourcesOfMany } from './postgres-resources.js';

/**
 * How the channel store reaches the database: the {@link PostgresStore}'s own pool, with
 * its error translation (connection failures become `StoreUnavailableError`) and its
 * tracking of operations under way for `close()`.
 */
export interface PostgresAccess {
  /** One statement on any pooled connection (autocommit). */
  rows<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** `work` in a transaction on one connection: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

const target = (row: InstanceWithIntegrationRow, leasedAt: number): PullTarget => ({
  instance: toInstance(row),
  integration: toJoinedIntegration(row),
  pullUrl: row.ci_pull_url!,
  leasedAt,
});

/**
 * Channel hosting on PostgreSQL, for several nodes sharing one database. Writes that read
 * first run in a transaction that row-locks the instance (`SELECT … FOR UPDATE`), so
 * concurrent writers to one instance take turns; the scheduler's claim is one statement
 * with `FOR UPDATE SKIP LOCKED`, so nodes never lease the same instance.
 */
export class PostgresChannelStore extends SqlChannelBase<PostgresEventOutbox> implements ChannelStore {
  /**
   * Finished pulls that arrive together are recorded in one transaction, one batch at a
   * time: the next gathers while one runs (like a group commit). Measured against four at
   * once, batches grow and both this node's and PostgreSQL's CPU per pull drop.
   */
  private readonly pullCompletions: PullCompletionQueue;

  constructor(
    private readonly db: PostgresAccess,
    options: { pullBatch?: number } = {},
  ) {
    // Events are enqueued inside the transaction that causes them (see `PostgresEventOutbox.enqueue`).
    super(new PostgresRunner(db), new PostgresEventOutbox(db), sql.instanceByIdForUpdate);
    this.pullCompletions = new PullCompletionQueue(
      (completions) => this.withEvents((client, events) => completePulls(client, this.outbox, completions, events)),
      // Batching off (one pull per transaction): several at once, as before batching.
      { maxBatch: options.pullBatch ?? 64, maxRunning: options.pullBatch === 1 ? 4 : 1 },
    );
  }

  /** `work` in a transaction; this node's deliverer hears of the events it enqueued once it commits. */
  private async withEvents<T>(work: (client: pg.PoolClient, events: { count: number }) => Promise<T>): Promise<T> {
    const events = { count: 0 };
    const result = await this.db.transaction((client) => work(client, events));
    if (events.count > 0) this.outbox.notifyCommitted();
    return result;
  }

  // --- Instances -----------------------------------------------------------------------------

  // --- The pull loop ---------------------------------------------------------------------------

  async claimDueInstances(claim: {
    nowMs: number;
    limit: number;
    leaseMs: number;
    owner: string;
  }): Promise<PullTarget[]> {
    const rows = await this.db.rows<InstanceWithIntegrationRow>(sql.claimDue, [
      claim.nowMs,
      claim.limit,
      claim.owner,
      claim.leaseMs,
    ]);
    // RETURNING follows no particular order.
    rows.sort((a, b) => a.next_pull_at - b.next_pull_at || a.id - b.id);
    return rows.map((row) => target(row, claim.nowMs));
  }

  async claimInstance(
    accountId: number,
    id: number,
    claim: { nowMs: number; leaseMs: number; owner: string },
  ): Promise<PullTarget | 'not_found' | 'inactive' | 'no_pull_url' | 'busy'> {
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<InstanceWithIntegrationRow>(sql.instanceWithIntegrationForUpdate, [
        accountId,
        id,
      ]);
      const row = rows[0];
      if (!row) return 'not_found' as const;
      if (!row.active) return 'inactive' as const;
      if (row.ci_pull_url === null) return 'no_pull_url' as const;
      if (row.lease_expires_at !== null && row.lease_expires_at > claim.nowMs) return 'busy' as const;
      await client.query(sql.lease, [claim.owner, claim.nowMs + claim.leaseMs, row.id]);
      return target(row, claim.nowMs);
    });
  }

  async renewPullLeases(renewal: {
    owner: string;
    instanceIds: number[];
    nowMs: number;
    leaseMs: number;
  }): Promise<number[]> {
    if (renewal.instanceIds.length === 0) return [];
    const rows = await this.db.rows<{ id: number }>(sql.renewLeases, [
      renewal.nowMs + renewal.leaseMs,
      renewal.instanceIds,
      renewal.owner,
    ]);
    return rows.map((row) => row.id);
  }

  completePull(completion: PullCompletion): Promise<PullRecord> {
    return this.pullCompletions.add(completion);
  }

  // --- The push API --------------------------------------------------------------------------

  async completePush(push: PushCompletion): Promise<PushOutcome> {
    return this.withEvents(async (client, events): Promise<PushOutcome> => {
      // The instance lock comes first: taken after the idempotency insert (whose foreign key
      // takes a KEY SHARE lock on the instance), two pushes would deadlock upgrading it.
      const { rows } = await client.query<InstanceRow>(sql.instanceByIdAnyAccountForUpdate, [push.instanceId]);
      if (!rows[0]) return { kind: 'not_found' };
      const instanceId = rows[0].id;
      await purgePushRequests(client, push.purgeBefore);
      if (!rows[0].active) {
        // A repeat of a push processed before the deactivation still answers its results.
        const done = push.requestId === null ? undefined : await findPushRequest(client, instanceId, push.requestId);
        return done ? repeatOutcome(done, push.bodyHash) : { kind: 'inactive' };
      }
      const { requestId, bodyHash } = push;
      if (requestId !== null && !(await claimPushRequest(client, instanceId, requestId, bodyHash, push.nowMs))) {
        return repeatOutcome(await storedPushRequest(client, instanceId, requestId), bodyHash);
      }
      const found = await storedThreads(client, instanceId, pushIdsToLookUp(push.entries));
      const plan = planPush(push.entries, new Set(found.keys()));
      if (plan.store.length > 0) {
        await storeResourcesOfMany(client, [{ instanceId, resources: plan.store, nowMs: push.nowMs }]);
        events.count += await this.outbox.enqueuePushEvents(client, rows[0].integration_id, {
          instanceId,
          requestId,
          resources: plan.store,
          nowMs: push.nowMs,
        });
      }
      if (requestId !== null) await recordPushResults(client, instanceId, requestId, plan.results);
      return { kind: 'processed', results: plan.results };
    });
  }
}
