import type pg from 'pg';
import type { ChannelIntegration, Instance, PullCompletion, PullRecord } from '../channel-store.js';
import { toChannelIntegration, type ChannelIntegrationRow } from '../channel-rows.js';
import { pullUrlOf } from '../channel-rules.js';
import type { NewOutboxEvent } from '../event-outbox-store.js';
import {
  eventCallbackUrlOf,
  outboxEvent,
  outboxInsertValues,
  pullEvents,
  pushEvents,
  type StoredResourceIds,
} from '../event-rules.js';
import { SqlEventDelivery } from '../sql-event-delivery.js';
import { countOf, type WriteBody } from '../sql-runner.js';
import { eventSql as sql } from './event-queries.js';
import { PostgresRunner, type CountingAccess } from './postgres-runner.js';

/**
 * The event outbox on PostgreSQL, shared by every node on the database. `enqueue` runs
 * inside a transaction that is already under way.
 */
export class PostgresEventOutbox extends SqlEventDelivery {
  constructor(db: CountingAccess) {
    super(new PostgresRunner(db), sql);
  }

  /**
   * Enqueues `events` inside the caller's transaction on `client`: they commit, or roll
   * back, with it. After the transaction commits, call {@link notifyCommitted} so this
   * node delivers at once (other nodes, and this one if forgotten, find them by polling).
   * Returns how many were enqueued.
   */
  async enqueue(client: pg.PoolClient, events: readonly NewOutboxEvent[]): Promise<number> {
    for (const event of events) {
      await client.query(sql.insertEvent, outboxInsertValues(event));
      await client.query(sql.insertKey, [event.integrationId, event.nowMs]);
    }
    return events.length;
  }

  /** {@link enqueue} inside a shared store's write body. */
  *enqueueInWrite(events: readonly NewOutboxEvent[]): WriteBody<number> {
    for (const event of events) {
      yield* countOf(sql.insertEvent, outboxInsertValues(event));
      yield* countOf(sql.insertKey, [event.integrationId, event.nowMs]);
    }
    return events.length;
  }

  /** After a shared store's write committed `count` events. */
  committed(count: number): void {
    if (count > 0) this.notifyCommitted();
  }

  // --- The channel store's events (inside its transactions) -----------------------------------

  /** Enqueues one event about `integration`, if its manifest has an event callback URL. */
  async enqueueAbout(
    client: pg.PoolClient,
    integration: ChannelIntegration,
    typeId: Parameters<typeof outboxEvent>[1],
    event: Parameters<typeof outboxEvent>[2],
  ): Promise<number> {
    return this.enqueue(client, outboxEvent(integration, typeId, event));
  }

  /** The integration of an instance, when it takes events; undefined otherwise. */
  async eventTakingIntegration(client: pg.PoolClient, integrationId: number): Promise<ChannelIntegration | undefined> {
    const { rows } = await client.query<ChannelIntegrationRow>(sql.integrationByIdAnyAccount, [integrationId]);
    const row = rows[0];
    return row && eventCallbackUrlOf(row.manifest) !== null ? toChannelIntegration(row) : undefined;
  }

  /** The external ids among a pull's resources that the instance already holds. */
  async storedExternalIds(client: pg.PoolClient, instanceId: number, completion: PullCompletion): Promise<Set<string>> {
    if (completion.outcome !== 'ok' || completion.resources.length === 0) return new Set();
    return new Set((await this.storedIds(client, instanceId, completion.resources)).keys());
  }

  /**
   * The events of a finished pull: deactivation after repeated failures, or the resources
   * it stored and the duplicates it met. `before`: {@link storedExternalIds} before the pull.
   */
  async enqueuePullEvents(
    client: pg.PoolClient,
    integration: ChannelIntegration,
    instance: Instance,
    completion: PullCompletion,
    pull: PullRecord,
    before: ReadonlySet<string>,
  ): Promise<number> {
    let count = 0;
    if (pull.deactivated) {
      count += await this.enqueueAbout(client, integration, 'deactivate_integration_instance', {
        instanceId: instance.id,
        data: { deactivated_by: 'error', deactivating_error: pull.error ?? 'the pull failed' },
        error: pull.error,
        nowMs: completion.nowMs,
      });
    }
    if (pull.outcome !== 'ok' || completion.resources.length === 0) return count;
    return (
      count +
      (await this.enqueue(
        client,
        pullEvents(integration, {
          instanceId: instance.id,
          instanceName: instance.name,
          pullUrl: pullUrlOf(integration.manifestJson) ?? '',
          pullId: pull.id,
          resources: completion.resources,
          before,
          after: await this.storedIds(client, instance.id, completion.resources),
          nowMs: completion.nowMs,
        }),
      ))
    );
  }

  /**
   * The event of a push that stored `resources` (see `pushEvents`), if the instance's
   * integration takes events. Call it after storing them, inside the same transaction.
   */
  async enqueuePushEvents(
    client: pg.PoolClient,
    integrationId: number,
    push: { instanceId: number; requestId: string | null; resources: readonly { externalId: string }[]; nowMs: number },
  ): Promise<number> {
    const integration = await this.eventTakingIntegration(client, integrationId);
    if (!integration) return 0;
    const after = await this.storedIds(client, push.instanceId, push.resources);
    return this.enqueue(client, pushEvents(integration, { ...push, after }));
  }

  private async storedIds(
    client: pg.PoolClient,
    instanceId: number,
    resources: readonly { externalId: string }[],
  ): Promise<Map<string, StoredResourceIds>> {
    const { rows } = await client.query<{
      external_id: string;
      id: number;
      thread_id: number;
      first_in_thread: number;
    }>(sql.storedResourceIds, [instanceId, resources.map((resource) => resource.externalId)]);
    return new Map(
      rows.map((row) => [row.external_id, { id: row.id, threadId: row.thread_id, firstInThread: row.first_in_thread }]),
    );
  }
}
