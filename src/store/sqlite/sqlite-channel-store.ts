import type Database from 'better-sqlite3';
import type {
  ChannelStore,
  Instance,
  PullCompletion,
  PullRecord,
  PulledResource,
  PullTarget,
} from '../channel-store.js';
import {
  toInstance,
  toJoinedIntegration,
  toPull,
  type InstanceRow,
  type InstanceWithIntegrationRow,
  type PullRow,
} from '../channel-rows.js';
import { idsToLookUp, planResources, settledInstance } from '../channel-rules.js';
import { channelSql } from './channel-queries.js';
import type { WriteQueue } from './group-commit.js';
import type { PushCompletion, PushOutcome } from '../push-records.js';
import { planPush, pushIdsToLookUp, repeatOutcome } from '../push-rules.js';
import { SqlitePushRequests } from './sqlite-push-requests.js';
import { SqliteEventOutbox } from './sqlite-event-outbox.js';
import { SqliteRunner } from './sqlite-runner.js';
import { SqlChannelBase } from '../sql-channel-base.js';

const flag = (value: boolean) => (value ? 1 : 0);

/**
 * Channel hosting on the embedded SQLite store. Reads run directly; every write goes
 * through the store's group commit, and a write of several statements runs as one nested
 * transaction (a savepoint), so a failure undoes all of it. Writers take turns, so a
 * claim can never hand out an instance twice; across processes, BEGIN IMMEDIATE does.
 */
export class SqliteChannelStore extends SqlChannelBase<SqliteEventOutbox> implements ChannelStore {
  private statements: ReturnType<typeof prepareStatements> | undefined;
  private readonly pushRequests: SqlitePushRequests;

  constructor(
    private readonly db: Database.Database,
    private readonly writes: WriteQueue,
  ) {
    // Events are enqueued inside the write that causes them (see `SqliteEventOutbox.enqueue`).
    super(new SqliteRunner(db, writes), new SqliteEventOutbox(db, writes));
    this.pushRequests = new SqlitePushRequests(db);
  }

  /** Prepared on first use: the tables exist only once the store is migrated. */
  private get q() {
    this.statements ??= prepareStatements(this.db);
    return this.statements;
  }

  // --- Instances -----------------------------------------------------------------------------

  // --- The pull loop ---------------------------------------------------------------------------

  async claimDueInstances(claim: {
    nowMs: number;
    limit: number;
    leaseMs: number;
    owner: string;
  }): Promise<PullTarget[]> {
    const leaseDue = this.db.transaction(() => {
      const rows = this.q.dueInstances.all(claim.nowMs, claim.nowMs, claim.limit) as InstanceWithIntegrationRow[];
      return rows.map((row) => this.lease(row, claim));
    });
    return this.writes.enqueue(() => leaseDue());
  }

  async claimInstance(
    accountId: number,
    id: number,
    claim: { nowMs: number; leaseMs: number; owner: string },
  ): Promise<PullTarget | 'not_found' | 'inactive' | 'no_pull_url' | 'busy'> {
    return this.writes.enqueue(() => {
      const row = this.q.instanceWithIntegration.get(accountId, id) as InstanceWithIntegrationRow | undefined;
      if (!row) return 'not_found' as const;
      if (!row.active) return 'inactive' as const;
      if (row.ci_pull_url === null) return 'no_pull_url' as const;
      if (row.lease_expires_at !== null && row.lease_expires_at > claim.nowMs) return 'busy' as const;
      return this.lease(row, claim);
    });
  }

  async renewPullLeases(renewal: {
    owner: string;
    instanceIds: number[];
    nowMs: number;
    leaseMs: number;
  }): Promise<number[]> {
    if (renewal.instanceIds.length === 0) return [];
    const { owner, nowMs, leaseMs } = renewal;
    const rows = await this.writes.enqueue(
      () => this.q.renewLeases.all(nowMs + leaseMs, JSON.stringify(renewal.instanceIds), owner) as { id: number }[],
    );
    return rows.map((row) => row.id);
  }

  async completePull(completion: PullCompletion): Promise<PullRecord> {
    const complete = this.db.transaction((): PullRecord => {
      const row = this.q.instanceByIdAnyAccount.get(completion.instanceId) as InstanceRow | undefined;
      if (!row) throw new Error(`completePull: instance ${completion.instanceId} no longer exists`);
      const current = toInstance(row);
      const integration = this.outbox.eventTakingIntegration(current.integrationId);
      const before = integration && this.outbox.storedExternalIds(current.id, completion);
      let resourcesStored = 0;
      let duplicates = 0;
      if (completion.outcome === 'ok' && completion.resources.length > 0) {
        ({ resourcesStored, duplicates } = this.storeResources(current.id, completion));
      }
      const settled = settledInstance(current, completion, row.lease_owner);
      this.writeInstance(settled.instance);
      if (settled.releaseLease) this.q.releaseLease.run(current.id);
      const pull = this.q.insertPull.get(
        current.id,
        completion.startedAt,
        completion.durationMs,
        completion.outcome,
        completion.httpStatus,
        resourcesStored,
        duplicates,
        flag(settled.stateConflict),
        completion.error,
        flag(settled.deactivated),
      ) as PullRow;
      if (integration) this.outbox.enqueuePullEvents(integration, settled.instance, completion, toPull(pull), before!);
      return toPull(pull);
    });
    return this.writes.enqueue(() => complete());
  }

  // --- The push API --------------------------------------------------------------------------

  async completePush(push: PushCompletion): Promise<PushOutcome> {
    const complete = this.db.transaction((): PushOutcome => {
      const row = this.q.instanceByIdAnyAccount.get(push.instanceId) as InstanceRow | undefined;
      if (!row) return { kind: 'not_found' };
      this.pushRequests.purge(push.purgeBefore);
      const done = push.requestId === null ? undefined : this.pushRequests.find(row.id, push.requestId);
      // A repeat of a push processed before a deactivation still answers its results.
      if (done) return repeatOutcome(done, push.bodyHash);
      if (!row.active) return { kind: 'inactive' };
      const stored = new Set<string>();
      for (const externalId of pushIdsToLookUp(push.entries)) {
        if (this.q.storedResource.pluck().get(row.id, externalId) !== undefined) stored.add(externalId);
      }
      const plan = planPush(push.entries, stored);
      if (plan.store.length > 0) {
        this.storeResources(row.id, { resources: plan.store, nowMs: push.nowMs });
        const { requestId, nowMs } = push;
        this.outbox.enqueuePushEvents(row.integration_id, {
          instanceId: row.id,
          requestId,
          resources: plan.store,
          nowMs,
        });
      }
      if (push.requestId !== null) {
        this.pushRequests.record(row.id, push.requestId, push.bodyHash, plan.results, push.nowMs);
      }
      return { kind: 'processed', results: plan.results };
    });
    return this.writes.enqueue(() => complete());
  }

  // --- Inside writes ---------------------------------------------------------------------------

  private lease(row: InstanceWithIntegrationRow, claim: { nowMs: number; leaseMs: number; owner: string }): PullTarget {
    this.q.lease.run(claim.owner, claim.nowMs + claim.leaseMs, row.id);
    return {
      instance: toInstance(row),
      integration: toJoinedIntegration(row),
      pullUrl: row.ci_pull_url!,
      leasedAt: claim.nowMs,
    };
  }

  /** Writes every changeable field of `instance`; returns it as stored. */
  private writeInstance(instance: Instance): Instance {
    const row = this.q.updateInstance.get(
      instance.name,
      instance.pushTokenHash,
      instance.metadata,
      instance.state,
      instance.stateVersion,
      flag(instance.active),
      instance.deactivatedReason,
      flag(instance.metadataNeedsUpdate),
      instance.consecutiveFailures,
      instance.nextPullAt,
      instance.lastPullAt,
      instance.updatedAt,
      instance.id,
    ) as InstanceRow;
    return toInstance(row);
  }

  /** Stores a successful pull's (or push's) resources in order, threading them; duplicates are counted. */
  private storeResources(instanceId: number, completion: { resources: PulledResource[]; nowMs: number }) {
    const stored = new Map<string, number>();
    for (const externalId of idsToLookUp(completion.resources)) {
      const threadId = this.q.storedResource.pluck().get(instanceId, externalId) as number | undefined;
      if (threadId !== undefined) stored.set(externalId, threadId);
    }
    const plan = planResources(completion.resources, stored);
    const threadIds = new Map<string, number>();
    for (const key of plan.threadKeys) {
      this.q.insertThread.run(instanceId, key, completion.nowMs);
      threadIds.set(key, this.q.threadByKey.pluck().get(instanceId, key) as number);
    }
    for (const { resource, thread } of plan.store) {
      const threadId = 'id' in thread ? thread.id : threadIds.get(thread.key)!;
      this.q.insertResource.run(instanceId, threadId, resource.externalId, resource.payloadJson, completion.nowMs);
      this.q.countIntoThread.run(threadId);
    }
    return { resourcesStored: plan.store.length, duplicates: plan.duplicates };
  }
}

function prepareStatements(db: Database.Database) {
  return Object.fromEntries(Object.entries(channelSql).map(([name, text]) => [name, db.prepare(text)])) as {
    [K in keyof typeof channelSql]: Database.Statement;
  };
}
