import type Database from 'better-sqlite3';
import type { ChannelIntegration, Instance, PullCompletion, PullRecord } from '../channel-store.js';
import { toChannelIntegration, type ChannelIntegrationRow } from '../channel-rows.js';
import { pullUrlOf } from '../channel-rules.js';
import type { NewOutboxEvent } from '../event-outbox-store.js';
import { eventCallbackUrlOf, outboxEvent, pullEvents, pushEvents, type StoredResourceIds } from '../event-rules.js';
import { SqlEventDelivery } from '../sql-event-delivery.js';
import type { WriteBody } from '../sql-runner.js';
import { eventSql } from './event-queries.js';
import type { WriteQueue } from './group-commit.js';
import { SqliteRunner } from './sqlite-runner.js';

/**
 * The event outbox on SQLite. Its writes run in the store's group commit, like every other
 * write; `enqueue` runs inside a write that is already under way.
 */
export class SqliteEventOutbox extends SqlEventDelivery {
  private statements: { [K in keyof typeof eventSql]: Database.Statement } | undefined;
  private notifyScheduled = false;

  constructor(
    private readonly db: Database.Database,
    private readonly writes: WriteQueue,
  ) {
    super(new SqliteRunner(db, writes), eventSql);
  }

  /** Prepared on first use: the tables exist only once the store is migrated. */
  private get q() {
    this.statements ??= Object.fromEntries(
      Object.entries(eventSql).map(([name, text]) => [name, this.db.prepare(text)]),
    ) as { [K in keyof typeof eventSql]: Database.Statement };
    return this.statements;
  }

  /**
   * Enqueues `events` inside the write under way (call it only from a function passed to
   * the group commit: it commits, or rolls back, with that write). Listeners hear of it
   * after the commit. Returns how many were enqueued.
   */
  enqueue(events: readonly NewOutboxEvent[]): number {
    for (const event of events) {
      this.q.insertEvent.run({ ...event, instanceId: event.instanceId, error: event.error });
      this.q.insertKey.run(event.integrationId, event.nowMs);
    }
    if (events.length > 0 && !this.notifyScheduled) {
      this.notifyScheduled = true;
      // The group commit runs BEGIN … COMMIT in one synchronous stretch: this runs after it.
      setImmediate(() => {
        this.notifyScheduled = false;
        // Pipelined, the COMMIT is not on disk yet: no deliverer may send what a crash could undo.
        const durable = this.writes.durable?.();
        if (!durable) return this.notifyCommitted();
        durable.then(
          () => this.notifyCommitted(),
          () => {}, // the store is broken (see `WalSync`): nothing to announce
        );
      });
    }
    return events.length;
  }

  /**
   * {@link enqueue} inside a shared store's write body, which runs synchronously inside the
   * group commit's transaction: the events are inserted at once, no statement is yielded.
   */
  // eslint-disable-next-line require-yield
  *enqueueInWrite(events: readonly NewOutboxEvent[]): WriteBody<number> {
    return this.enqueue(events);
  }

  /** `enqueue` has scheduled the listeners already. */
  committed(): void {}

  // --- The channel store's events (inside its writes) ---------------------------------------

  /** Enqueues one event about `integration`, if its manifest has an event callback URL. */
  enqueueAbout(
    integration: ChannelIntegration,
    typeId: Parameters<typeof outboxEvent>[1],
    event: Parameters<typeof outboxEvent>[2],
  ): void {
    this.enqueue(outboxEvent(integration, typeId, event));
  }

  /** The integration of an instance, when it takes events; undefined otherwise. */
  eventTakingIntegration(integrationId: number): ChannelIntegration | undefined {
    const row = this.q.integrationByIdAnyAccount.get(integrationId) as ChannelIntegrationRow | undefined;
    return row && eventCallbackUrlOf(row.manifest) !== null ? toChannelIntegration(row) : undefined;
  }

  /** The external ids among a pull's resources that the instance already holds. */
  storedExternalIds(instanceId: number, completion: PullCompletion): Set<string> {
    if (completion.outcome !== 'ok' || completion.resources.length === 0) return new Set();
    return new Set(this.storedIds(instanceId, completion.resources).keys());
  }

  /**
   * The events of a finished pull: deactivation after repeated failures, or the resources
   * it stored and the duplicates it met. `before`: {@link storedExternalIds} before the pull.
   */
  enqueuePullEvents(
    integration: ChannelIntegration,
    instance: Instance,
    completion: PullCompletion,
    pull: PullRecord,
    before: ReadonlySet<string>,
  ): void {
    if (pull.deactivated) {
      this.enqueueAbout(integration, 'deactivate_integration_instance', {
        instanceId: instance.id,
        data: { deactivated_by: 'error', deactivating_error: pull.error ?? 'the pull failed' },
        error: pull.error,
        nowMs: completion.nowMs,
      });
    }
    if (pull.outcome !== 'ok' || completion.resources.length === 0) return;
    this.enqueue(
      pullEvents(integration, {
        instanceId: instance.id,
        instanceName: instance.name,
        pullUrl: pullUrlOf(integration.manifestJson) ?? '',
        pullId: pull.id,
        resources: completion.resources,
        before,
        after: this.storedIds(instance.id, completion.resources),
        nowMs: completion.nowMs,
      }),
    );
  }

  /**
   * The event of a push that stored `resources` (see `pushEvents`), if the instance's
   * integration takes events. Call it after storing them, inside the same write.
   */
  enqueuePushEvents(
    integrationId: number,
    push: { instanceId: number; requestId: string | null; resources: readonly { externalId: string }[]; nowMs: number },
  ): void {
    const integration = this.eventTakingIntegration(integrationId);
    if (!integration) return;
    this.enqueue(pushEvents(integration, { ...push, after: this.storedIds(push.instanceId, push.resources) }));
  }

  private storedIds(instanceId: number, resources: readonly { externalId: string }[]): Map<string, StoredResourceIds> {
    const externalIds = JSON.stringify(resources.map((resource) => resource.externalId));
    const rows = this.q.storedResourceIds.all(instanceId, externalIds) as {
      external_id: string;
      id: number;
      thread_id: number;
      first_in_thread: number;
    }[];
    return new Map(
      rows.map((row) => [row.external_id, { id: row.id, threadId: row.thread_id, firstInThread: row.first_in_thread }]),
    );
  }
}
