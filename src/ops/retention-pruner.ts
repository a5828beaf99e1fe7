import { epochSeconds, type Clock } from '../clock.js';
import type { GrantStore, Lifecycle, RetentionRule } from '../store/store.js';

/** How long each growing table keeps its finished rows (settings `retention`). */
export interface RetentionBounds {
  /** Delivered and failed events, after their last attempt, seconds. */
  eventsSeconds: number;
  /** Push request records (a repeated `request_id` answers the first push's results), seconds. */
  pushRequestsSeconds: number;
  /** Sent and failed replies, after they finished, seconds. */
  repliesSeconds: number;
  /** Each instance's pull log keeps its newest N entries. */
  pullsPerInstance: number;
}

export interface RetentionPrunerOptions {
  store: Pick<Lifecycle, 'pruneRetained'> & { grants: Pick<GrantStore, 'pruneConsoleSessions'> };
  clock: Clock;
  bounds: RetentionBounds;
  /** Rows per delete: small, so no batch holds the writer (or row locks) for long. */
  batchSize: number;
  /** Most batches per table in one pass: a huge backlog is worked off over several passes. */
  maxBatches?: number;
}

/** Rows deleted in one pass, per table. */
export type RetentionReport = Record<RetentionRule['table'] | 'console_sessions', number>;

/**
 * One pass of the pruner: each table in turn, batch after batch, until a batch comes up
 * short (nothing more is past its bound) or `maxBatches` ran. Bounds are read from the
 * clock once per pass. Pending events and replies are never deleted; revisions have their
 * own compaction (`zis/history/compaction-loop.ts`).
 */
export async function pruneOnce(options: RetentionPrunerOptions): Promise<RetentionReport> {
  const { store, bounds, batchSize } = options;
  const maxBatches = options.maxBatches ?? 100;
  const nowMs = options.clock().getTime();
  const rules: RetentionRule[] = [
    { table: 'event_outbox', beforeMs: nowMs - bounds.eventsSeconds * 1000 },
    { table: 'push_requests', beforeMs: nowMs - bounds.pushRequestsSeconds * 1000 },
    { table: 'replies', beforeMs: nowMs - bounds.repliesSeconds * 1000 },
    { table: 'pulls', keep: bounds.pullsPerInstance },
  ];
  const report: RetentionReport = { event_outbox: 0, push_requests: 0, replies: 0, pulls: 0, console_sessions: 0 };
  const drain = async (table: keyof RetentionReport, batch: () => Promise<number>) => {
    for (let i = 0; i < maxBatches; i++) {
      const deleted = await batch();
      report[table] += deleted;
      if (deleted < batchSize) return;
    }
  };
  for (const rule of rules) await drain(rule.table, () => store.pruneRetained(rule, batchSize));
  const nowSeconds = epochSeconds(options.clock);
  await drain('console_sessions', () => store.grants.pruneConsoleSessions(nowSeconds, batchSize));
  return report;
}

/**
 * The pruner in the background: a pass every `intervalMs` (and one at start). Passes never
 * overlap; a failed one is reported and the next tries again. Several nodes may run it at
 * once: each batch deletes rows that are past their bound whoever deletes them.
 */
export function startRetentionPruner(
  options: RetentionPrunerOptions & {
    intervalMs: number;
    onPruned?: (report: RetentionReport) => void;
    onError?: (error: unknown) => void;
  },
): { stop: () => Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    running = pruneOnce(options)
      .then(options.onPruned, options.onError)
      .finally(() => {
        running = undefined;
        if (stopped) return;
        timer = setTimeout(tick, options.intervalMs);
        timer.unref();
      });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
