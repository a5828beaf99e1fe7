import type {
  ChannelIntegration,
  Handoff,
  Instance,
  InstanceChange,
  NewChannelIntegration,
  NewHandoff,
  NewInstance,
  PullRecord,
  ResourceRecord,
  ThreadRecord,
} from './channel-store.js';
import {
  toChannelIntegration,
  toHandoff,
  toInstance,
  toPull,
  toResource,
  toThread,
  type ChannelIntegrationRow,
  type HandoffRow,
  type InstanceRow,
  type PullRow,
  type ResourceRow,
  type ThreadRow,
} from './channel-rows.js';
import { changedInstance, pullUrlOf } from './channel-rules.js';
import { outboxEvent } from './event-rules.js';
import type { EventBatch, EventBatchCompletion, EventRecord } from './event-outbox-store.js';
import { channelStatements } from './sql/channel.js';
import { forDialect } from './sql/render.js';
import type { OutboxInWrite, SqlEventDelivery } from './sql-event-delivery.js';
import { countOf, rowsOf, type SqlRunner, type WriteBody } from './sql-runner.js';

/** The parameters of `updateInstance`: every changeable field, then the id. */
const instanceFields = (instance: Instance) => [
  ...[instance.name, instance.pushTokenHash, instance.metadata, instance.state, instance.stateVersion],
  ...[instance.active, instance.deactivatedReason, instance.metadataNeedsUpdate, instance.consecutiveFailures],
  ...[instance.nextPullAt, instance.lastPullAt, instance.updatedAt, instance.id],
];

/**
 * What the channel stores run alike, written once: the reads, the writes that cause no
 * event, and the outbox's delivery. Each dialect's channel store extends it with its
 * claims, completions, pushes and the writes whose events commit with them.
 */
export class SqlChannelBase<Outbox extends SqlEventDelivery & OutboxInWrite> {
  private readonly shared;

  constructor(
    private readonly runner: SqlRunner,
    /** Events are enqueued inside the write that causes them. */
    readonly outbox: Outbox,
    /** (account, id) The instance, locked until the write commits where the engine needs it (else read). */
    private readonly lockedInstance?: string,
  ) {
    this.shared = forDialect(runner.dialect, channelStatements);
  }

  /** `body` in one write; this node's deliverer hears of the events it enqueued once it commits. */
  private async writeWithEvents<T>(body: (events: { count: number }) => WriteBody<T>): Promise<T> {
    const events = { count: 0 };
    const result = await this.runner.write(() => body(events));
    this.outbox.committed(events.count);
    return result;
  }

  // --- Integrations ------------------------------------------------------------------------

  createIntegration(input: NewChannelIntegration): Promise<ChannelIntegration> {
    const { shared: sql, outbox } = this;
    const { remoteId, name, manifestUrl, manifestJson, nowMs } = input;
    return this.writeWithEvents(function* (events) {
      const [row] = yield* rowsOf<ChannelIntegrationRow>(sql.insertIntegration, [
        ...[input.accountId, remoteId, name, manifestUrl, manifestJson, pullUrlOf(manifestJson), nowMs, nowMs],
      ]);
      const integration = toChannelIntegration(row!);
      const event = { data: { manifest_url: manifestUrl }, nowMs };
      events.count += yield* outbox.enqueueInWrite(outboxEvent(integration, 'create_integration', event));
      return integration;
    });
  }

  deleteIntegration(accountId: number, id: number, nowMs?: number): Promise<boolean> {
    const { shared: sql, outbox } = this;
    return this.writeWithEvents(function* (events) {
      const [row] = yield* rowsOf<ChannelIntegrationRow>(sql.integrationById, [accountId, id]);
      const deleted = yield* countOf(sql.deleteIntegration, [accountId, id]);
      if (row && deleted > 0) {
        const event = { data: { manifest_url: row.manifest_url }, nowMs: nowMs ?? row.updated_at };
        events.count += yield* outbox.enqueueInWrite(
          outboxEvent(toChannelIntegration(row), 'destroy_integration', event),
        );
      }
      return deleted > 0;
    });
  }

  async listIntegrations(accountId: number): Promise<ChannelIntegration[]> {
    const rows = await this.runner.rows<ChannelIntegrationRow>(this.shared.listIntegrations, [accountId]);
    return rows.map(toChannelIntegration);
  }

  async getIntegration(accountId: number, id: number): Promise<ChannelIntegration | undefined> {
    const [row] = await this.runner.rows<ChannelIntegrationRow>(this.shared.integrationById, [accountId, id]);
    return row && toChannelIntegration(row);
  }

  async updateIntegrationManifest(
    accountId: number,
    id: number,
    change: { manifestJson: string; name: string; nowMs: number },
  ): Promise<ChannelIntegration | undefined> {
    const { manifestJson, name, nowMs } = change;
    const values = [manifestJson, pullUrlOf(manifestJson), name, nowMs, accountId, id];
    const [row] = await this.runner.writeRows<ChannelIntegrationRow>(this.shared.updateIntegrationManifest, values);
    return row && toChannelIntegration(row);
  }

  // --- Instances -----------------------------------------------------------------------------

  createInstance(input: NewInstance): Promise<Instance> {
    const { shared: sql, outbox } = this;
    const { name, metadata, state, instancePushId, pushTokenHash, nowMs } = input;
    return this.writeWithEvents(function* (events) {
      const [row] = yield* rowsOf<InstanceRow>(sql.insertInstance, [
        ...[input.accountId, input.integrationId, name, metadata, state, instancePushId, pushTokenHash],
        ...[nowMs, nowMs, nowMs],
      ]);
      const instance = toInstance(row!);
      const integration = yield* outbox.eventTakingIntegrationInWrite(instance.integrationId);
      if (integration) {
        const event = { instanceId: instance.id, nowMs };
        events.count += yield* outbox.enqueueInWrite(outboxEvent(integration, 'create_integration_instance', event));
      }
      return instance;
    });
  }

  updateInstance(accountId: number, id: number, change: InstanceChange): Promise<Instance | undefined> {
    const { shared: sql, outbox } = this;
    const locked = this.lockedInstance ?? sql.instanceById;
    return this.writeWithEvents(function* (events) {
      const [row] = yield* rowsOf<InstanceRow>(locked, [accountId, id]);
      if (!row) return undefined;
      const before = toInstance(row);
      const next = changedInstance(before, change);
      const [updated] = yield* rowsOf<InstanceRow>(sql.updateInstance, instanceFields(next));
      const integration =
        next.active !== before.active && (yield* outbox.eventTakingIntegrationInWrite(next.integrationId));
      if (integration) {
        const data = next.active ? {} : { deactivated_by: 'api' };
        const type = next.active ? 'activate_integration_instance' : 'deactivate_integration_instance';
        const event = { instanceId: id, data, nowMs: change.nowMs };
        events.count += yield* outbox.enqueueInWrite(outboxEvent(integration, type, event));
      }
      return toInstance(updated!);
    });
  }

  deleteInstance(accountId: number, id: number, nowMs?: number): Promise<boolean> {
    const { shared: sql, outbox } = this;
    const locked = this.lockedInstance ?? sql.instanceById;
    return this.writeWithEvents(function* (events) {
      const [row] = yield* rowsOf<InstanceRow>(locked, [accountId, id]);
      if (!row) return false;
      yield* countOf(sql.deleteInstance, [accountId, id]);
      const integration = yield* outbox.eventTakingIntegrationInWrite(row.integration_id);
      if (integration) {
        const event = { instanceId: id, nowMs: nowMs ?? row.updated_at };
        events.count += yield* outbox.enqueueInWrite(outboxEvent(integration, 'destroy_integration_instance', event));
      }
      return true;
    });
  }

  async listInstances(accountId: number, filter: { integrationId?: number } = {}): Promise<Instance[]> {
    const rows =
      filter.integrationId === undefined
        ? await this.runner.rows<InstanceRow>(this.shared.listInstances, [accountId])
        : await this.runner.rows<InstanceRow>(this.shared.listInstancesOfIntegration, [
            accountId,
            filter.integrationId,
          ]);
    return rows.map(toInstance);
  }

  async getInstance(accountId: number, id: number): Promise<Instance | undefined> {
    const [row] = await this.runner.rows<InstanceRow>(this.shared.instanceById, [accountId, id]);
    return row && toInstance(row);
  }

  async findInstanceByPushId(instancePushId: string): Promise<Instance | undefined> {
    const [row] = await this.runner.rows<InstanceRow>(this.shared.instanceByPushId, [instancePushId]);
    return row && toInstance(row);
  }

  async findInstanceByPushTokenHash(pushTokenHash: string): Promise<Instance | undefined> {
    const [row] = await this.runner.rows<InstanceRow>(this.shared.instanceByPushTokenHash, [pushTokenHash]);
    return row && toInstance(row);
  }

  async listPulls(accountId: number, instanceId: number, limit: number): Promise<PullRecord[]> {
    return (await this.runner.rows<PullRow>(this.shared.listPulls, [accountId, instanceId, limit])).map(toPull);
  }

  // --- Threads and resources -----------------------------------------------------------------

  async listThreads(accountId: number, instanceId: number): Promise<ThreadRecord[]> {
    return (await this.runner.rows<ThreadRow>(this.shared.listThreads, [accountId, instanceId])).map(toThread);
  }

  async listResources(accountId: number, instanceId: number, threadId?: number): Promise<ResourceRecord[]> {
    const rows =
      threadId === undefined
        ? await this.runner.rows<ResourceRow>(this.shared.listResources, [accountId, instanceId])
        : await this.runner.rows<ResourceRow>(this.shared.listThreadResources, [accountId, instanceId, threadId]);
    return rows.map(toResource);
  }

  // --- Admin UI hand-off -----------------------------------------------------------------------

  async createHandoff(input: NewHandoff): Promise<void> {
    const sql = this.shared;
    await this.runner.write(function* () {
      // Unused hand-offs are deleted once they expire, so the table stays small.
      yield* countOf(sql.purgeExpiredHandoffs, [input.nowMs]);
      yield* countOf(sql.insertHandoff, [
        ...[input.tokenHash, input.accountId, input.integrationId, input.instanceId, input.instancePushId],
        ...[input.pushTokenHash, input.expiresAt, input.nowMs],
      ]);
    });
  }

  async consumeHandoff(tokenHash: string, nowMs: number): Promise<Handoff | undefined> {
    const [row] = await this.runner.writeRows<HandoffRow>(this.shared.consumeHandoff, [tokenHash, nowMs]);
    return row && toHandoff(row);
  }

  // --- The event outbox -----------------------------------------------------------------------

  claimEventBatches(claim: Parameters<SqlEventDelivery['claimEventBatches']>[0]): Promise<EventBatch[]> {
    return this.outbox.claimEventBatches(claim);
  }

  renewEventLeases(renewal: Parameters<SqlEventDelivery['renewEventLeases']>[0]): Promise<number[]> {
    return this.outbox.renewEventLeases(renewal);
  }

  completeEventBatch(completion: EventBatchCompletion): Promise<boolean> {
    return this.outbox.completeEventBatch(completion);
  }

  listEvents(accountId: number, integrationId: number, limit: number): Promise<EventRecord[]> {
    return this.outbox.listEvents(accountId, integrationId, limit);
  }

  onEventsCommitted(listener: () => void): () => void {
    return this.outbox.onEventsCommitted(listener);
  }
}
