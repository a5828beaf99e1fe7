import type {
  ChannelIntegration,
  Handoff,
  Instance,
  NewHandoff,
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
import { pullUrlOf } from './channel-rules.js';
import type { EventBatch, EventBatchCompletion, EventRecord } from './event-outbox-store.js';
import { channelStatements } from './sql/channel.js';
import { forDialect } from './sql/render.js';
import type { SqlEventDelivery } from './sql-event-delivery.js';
import { countOf, type SqlRunner } from './sql-runner.js';

/**
 * What the channel stores run alike, written once: the reads, the writes that cause no
 * event, and the outbox's delivery. Each dialect's channel store extends it with its
 * claims, completions, pushes and the writes whose events commit with them.
 */
export class SqlChannelBase<Outbox extends SqlEventDelivery> {
  private readonly shared;

  constructor(
    private readonly runner: SqlRunner,
    /** Events are enqueued inside the write that causes them. */
    readonly outbox: Outbox,
  ) {
    this.shared = forDialect(runner.dialect, channelStatements);
  }

  // --- Integrations ------------------------------------------------------------------------

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
