import type { ChangeListeners } from '../config-revisions.js';

/** How a PostgreSQL store hears of config changes committed by other nodes. */
export interface ChangeSignal {
  /** Begins on the first subscription; later calls do nothing. */
  start(): void;
  stop(): Promise<void>;
  /** True while other nodes' changes (and this node's) arrive through it; else the store tells its listeners of its own writes. */
  readonly listening: boolean;
}

/** One poll's answer: every account's latest revision. */
export type RevisionCounters = () => Promise<{ account_id: number; last_revision: number }[]>;

/**
 * Without LISTEN/NOTIFY: every `pollMs` the store reads each account's latest revision and
 * wakes the listeners of every account whose number moved. This node's own writes wake its
 * listeners at once (the store does, as `listening` is false); other nodes' writes within a
 * poll. With history off no counter moves, and only the feed's safety poll sees them.
 */
export class PostgresChangePoller implements ChangeSignal {
  readonly listening = false;
  private seen: Map<number, number> | undefined;
  private started = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly listeners: ChangeListeners,
    private readonly counters: RevisionCounters,
    private readonly pollMs = 250,
  ) {}

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.pollThenWait();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  private pollThenWait(): void {
    this.polling = this.poll().finally(() => {
      this.polling = undefined;
      if (this.stopped) return;
      this.timer = setTimeout(() => this.pollThenWait(), this.pollMs);
      this.timer.unref();
    });
  }

  private async poll(): Promise<void> {
    let rows: Awaited<ReturnType<RevisionCounters>>;
    try {
      rows = await this.counters();
    } catch {
      // The database is away: the next poll looks again, and finds whatever moved meanwhile.
      return;
    }
    const before = this.seen;
    this.seen = new Map(rows.map((row) => [Number(row.account_id), Number(row.last_revision)]));
    // The first poll only learns where each account stands.
    if (before === undefined || this.stopped) return;
    for (const [accountId, revision] of this.seen) {
      if (revision > (before.get(accountId) ?? 0)) this.listeners.fire(accountId);
    }
  }
}
