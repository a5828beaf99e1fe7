import type { ChannelIntegration } from './channel-store.js';
import { toChannelIntegration, type ChannelIntegrationRow } from './channel-rows.js';
import type {
  EventBatch,
  EventBatchCompletion,
  EventOutboxStore,
  EventRecord,
  NewOutboxEvent,
} from './event-outbox-store.js';
import {
  eventCallbackUrlOf,
  toEventBatch,
  toEventRecord,
  type ClaimedOutboxRow,
  type OutboxRow,
} from './event-rules.js';
import { eventStatements } from './sql/events.js';
import { forDialect } from './sql/render.js';
import { countOf, rowsOf, type SqlRunner, type WriteBody } from './sql-runner.js';

/** The delivery statements each dialect writes its own way. */
export interface EventDeliverySql {
  /**
   * ($1 now, $2 limit, $3 owner, $4 lease ms) Leases integrations with pending events that
   * are due and not leased (or whose lease ran out), longest waiting first → their ids.
   */
  readonly claimKeys: string;
  /** (integration ids, batch size) The oldest pending events of each, with their instance's metadata. */
  readonly pendingEvents: string;
  /** (until, integration ids, owner) → the ids still the owner's. */
  readonly renewLeases: string;
  /** (integration id) The key's lease owner, locked until the completion commits where the engine needs it. */
  readonly keyOwner: string;
  /** ($1 now, $2 event ids) */
  readonly markDelivered: string;
  /** ($1 error, $2 now, $3 max attempts, $4 event ids) → each tried event's status. */
  readonly markAttemptFailed: string;
}

/** The outbox as a shared store's write enqueues into it (each dialect's outbox implements it). */
export interface OutboxInWrite {
  /** Enqueues `events` inside the write under way; answers how many. */
  enqueueInWrite(events: readonly NewOutboxEvent[]): WriteBody<number>;
  /** After the write committed with `count` events: this node's deliverer hears of them. */
  committed(count: number): void;
}

/**
 * Delivering the event outbox, on either store: claims, lease renewals, completions and the
 * listing. Each dialect's outbox extends it with how a change's transaction enqueues events.
 */
export class SqlEventDelivery implements EventOutboxStore {
  private readonly listeners = new Set<() => void>();
  protected readonly delivery;

  constructor(
    private readonly runner: SqlRunner,
    dialectSql: EventDeliverySql,
  ) {
    this.delivery = { ...forDialect(runner.dialect, eventStatements), ...dialectSql };
  }

  /** Tells this node's listeners that enqueued events are committed. */
  notifyCommitted(): void {
    for (const listener of this.listeners) listener();
  }

  onEventsCommitted(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async claimEventBatches(claim: {
    nowMs: number;
    keys: number;
    batchSize: number;
    leaseMs: number;
    owner: string;
  }): Promise<EventBatch[]> {
    const values = [claim.nowMs, claim.keys, claim.owner, claim.leaseMs];
    const keys = await this.runner.writeRows<{ integration_id: number }>(this.delivery.claimKeys, values);
    if (keys.length === 0) return [];
    const ids = keys.map((key) => key.integration_id);
    const rows = await this.runner.rows<ClaimedOutboxRow>(this.delivery.pendingEvents, [ids, claim.batchSize]);
    const byKey = new Map<number, ClaimedOutboxRow[]>();
    for (const row of rows) byKey.set(row.integration_id, [...(byKey.get(row.integration_id) ?? []), row]);
    return [...byKey.values()].flatMap((group) => toEventBatch(group) ?? []);
  }

  async renewEventLeases(renewal: {
    owner: string;
    integrationIds: number[];
    nowMs: number;
    leaseMs: number;
  }): Promise<number[]> {
    if (renewal.integrationIds.length === 0) return [];
    const values = [renewal.nowMs + renewal.leaseMs, renewal.integrationIds, renewal.owner];
    const rows = await this.runner.writeRows<{ integration_id: number }>(this.delivery.renewLeases, values);
    return rows.map((row) => row.integration_id);
  }

  completeEventBatch(completion: EventBatchCompletion): Promise<boolean> {
    const sql = this.delivery;
    return this.runner.write(function* () {
      const [key] = yield* rowsOf<{ lease_owner: string | null }>(sql.keyOwner, [completion.integrationId]);
      if (key?.lease_owner !== completion.owner) return false;
      let nextAttemptAt = completion.nowMs;
      if (completion.outcome === 'delivered') {
        yield* countOf(sql.markDelivered, [completion.nowMs, completion.eventIds]);
      } else {
        const { error, nowMs, maxAttempts, eventIds } = completion;
        const tried = yield* rowsOf<{ status: string }>(sql.markAttemptFailed, [error, nowMs, maxAttempts, eventIds]);
        // Events given up no longer hold the others back.
        if (tried.some((row) => row.status === 'pending')) nextAttemptAt = completion.retryAt;
      }
      yield* countOf(sql.releaseKey, [nextAttemptAt, completion.integrationId]);
      return true;
    });
  }

  /** Inside a write's body: the integration, when it takes events (its manifest has an event callback URL). */
  *eventTakingIntegrationInWrite(integrationId: number): WriteBody<ChannelIntegration | undefined> {
    const [row] = yield* rowsOf<ChannelIntegrationRow>(this.delivery.integrationByIdAnyAccount, [integrationId]);
    return row && eventCallbackUrlOf(row.manifest) !== null ? toChannelIntegration(row) : undefined;
  }

  async listEvents(accountId: number, integrationId: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.runner.rows<OutboxRow>(this.delivery.listEvents, [accountId, integrationId, limit]);
    return rows.map(toEventRecord);
  }
}
