import type pg from 'pg';
import type { ChannelIntegration, PullCompletion, PullRecord } from '../channel-store.js';
import { toInstance, toPull, type InstanceRow, type PullRow } from '../channel-rows.js';
import { settledInstance, type SettledPull } from '../channel-rules.js';
import { eventCallbackUrlOf } from '../event-rules.js';
import { channelSql as sql } from './channel-queries.js';
import type { PostgresEventOutbox } from './postgres-event-outbox.js';
import { storeResourcesOfMany } from './postgres-resources.js';

/** A completion's result: its pull log entry, or why it could not be recorded. */
export type CompletionResult = PullRecord | Error;

/**
 * Records finished pulls of distinct instances inside one transaction (`client`), in at
 * most five statements whatever their number: the instances row-locked, their resources
 * stored (three), then each instance settled and its pull logged (one): its state replaced
 * only if `stateVersion` is still what its pull began with (the compare-and-swap, decided
 * per instance under its lock), its log entry, next due time and lease. Answers in the order of `completions`; an instance deleted meanwhile answers
 * an Error and the others go ahead. `events.count` counts the events enqueued.
 */
export async function completePulls(
  client: pg.PoolClient,
  outbox: PostgresEventOutbox,
  completions: readonly PullCompletion[],
  events: { count: number },
): Promise<CompletionResult[]> {
  const locked = await client.query<InstanceRow & { ci_manifest: string }>(sql.instancesForPullForUpdate, [
    completions.map((completion) => completion.instanceId),
  ]);
  const rowOf = new Map(locked.rows.map((row) => [row.id, row]));
  const results: CompletionResult[] = completions.map(
    (completion) => new Error(`completePull: instance ${completion.instanceId} no longer exists`),
  );
  const found = completions.flatMap((completion, index) => {
    const row = rowOf.get(completion.instanceId);
    return row ? [{ index, completion, row }] : [];
  });
  if (found.length === 0) return results;

  // Event callbacks need the integration and what the instance held before (rare: most
  // manifests have no event_callback_url, and those pulls skip both reads).
  const eventsOf = new Map<number, { integration: ChannelIntegration; before: Set<string> }>();
  for (const { completion, row } of found) {
    if (eventCallbackUrlOf(row.ci_manifest) === null) continue;
    const integration = await outbox.eventTakingIntegration(client, row.integration_id);
    if (integration) {
      eventsOf.set(row.id, { integration, before: await outbox.storedExternalIds(client, row.id, completion) });
    }
  }

  const withResources = found.filter(
    ({ completion }) => completion.outcome === 'ok' && completion.resources.length > 0,
  );
  const counts = await storeResourcesOfMany(
    client,
    withResources.map(({ completion }) => completion),
  );
  const countOf = new Map(withResources.map(({ row }, n) => [row.id, counts[n]!]));

  const settled = found.map(({ completion, row }) => settledInstance(toInstance(row), completion, row.lease_owner));
  const pulls = await client.query<PullRow>(sql.settleAndLogPulls, [
    ...settleColumns(found, settled),
    found.map(({ row }) => row.id),
    found.map(({ completion }) => completion.startedAt),
    found.map(({ completion }) => completion.durationMs),
    found.map(({ completion }) => completion.outcome),
    found.map(({ completion }) => completion.httpStatus),
    found.map(({ row }) => countOf.get(row.id)?.resourcesStored ?? 0),
    found.map(({ row }) => countOf.get(row.id)?.duplicates ?? 0),
    settled.map((s) => s.stateConflict),
    found.map(({ completion }) => completion.error),
    settled.map((s) => s.deactivated),
  ]);
  // Each instance appears once in a batch, so its log entry is found by instance id.
  const pullOf = new Map(pulls.rows.map((pull) => [pull.instance_id, toPull(pull)]));
  for (const [n, { index, completion, row }] of found.entries()) {
    const record = pullOf.get(row.id)!;
    results[index] = record;
    const withEvents = eventsOf.get(row.id);
    if (withEvents) {
      const { integration, before } = withEvents;
      const instance = settled[n]!.instance;
      events.count += await outbox.enqueuePullEvents(client, integration, instance, completion, record, before);
    }
  }
  return results;
}

/** The instance arrays of `settleAndLogPulls`: metadata and state only where they changed (NULL keeps them). */
function settleColumns(found: { row: InstanceRow }[], settled: SettledPull[]): unknown[] {
  const instances = settled.map((s) => s.instance);
  return [
    instances.map((i) => i.id),
    instances.map((i, n) => (i.metadata === found[n]!.row.metadata ? null : i.metadata)),
    instances.map((i, n) => (i.state === found[n]!.row.state ? null : i.state)),
    instances.map((i) => i.stateVersion),
    instances.map((i) => i.active),
    instances.map((i) => i.deactivatedReason),
    instances.map((i) => i.metadataNeedsUpdate),
    instances.map((i) => i.consecutiveFailures),
    instances.map((i) => i.nextPullAt),
    instances.map((i) => i.lastPullAt),
    instances.map((i) => i.updatedAt),
    settled.map((s) => s.releaseLease),
  ];
}

interface Waiting {
  completion: PullCompletion;
  resolve: (record: PullRecord) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the completions that arrive together (in one turn of the event loop, or while
 * the batches before them run) and records them in one transaction each batch, so a busy
 * node pays a transaction's round trips once per batch rather than once per pull. A batch
 * holds each instance once (a second completion of one instance waits for the next), and
 * if a batch fails as a whole, its completions are retried one by one, so one bad
 * completion fails alone.
 */
export class PullCompletionQueue {
  private waiting: Waiting[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly record: (completions: PullCompletion[]) => Promise<CompletionResult[]>,
    private readonly options: { maxBatch: number; maxRunning: number },
  ) {}

  add(completion: PullCompletion): Promise<PullRecord> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ completion, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.options.maxRunning || this.waiting.length === 0) return;
    this.scheduled = true;
    // After this turn's I/O: completions finishing together join one batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.running >= this.options.maxRunning || this.waiting.length === 0) return;
    const batch: Waiting[] = [];
    const later: Waiting[] = [];
    const seen = new Set<number>();
    for (const entry of this.waiting) {
      if (batch.length < this.options.maxBatch && !seen.has(entry.completion.instanceId)) {
        seen.add(entry.completion.instanceId);
        batch.push(entry);
      } else later.push(entry);
    }
    this.waiting = later;
    this.running++;
    void this.run(batch).finally(() => {
      this.running--;
      this.schedule();
    });
    this.schedule();
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      const results = await this.record(batch.map((entry) => entry.completion));
      batch.forEach((entry, n) => settle(entry, results[n]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const entry of batch) {
        try {
          settle(entry, (await this.record([entry.completion]))[0]!);
        } catch (single) {
          entry.reject(single);
        }
      }
    }
  }
}

function settle(entry: Waiting, result: CompletionResult): void {
  if (result instanceof Error) entry.reject(result);
  else entry.resolve(result);
}
