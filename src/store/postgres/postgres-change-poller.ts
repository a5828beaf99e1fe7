import type { ChangeListeners } from '../config-revisions.js';
import type { ChangeFeedState } from '../store.js';

/** How a PostgreSQL store hears of config changes committed by other nodes. */
export interface ChangeSignal {
  /** Begins on the first subscription; later calls do nothing. */
  start(): void;
  stop(): Promise<void>;
  /** True while other nodes' changes (and this node's) arrive through it; else the store tells its listeners of its own writes. */
  readonly listening: boolean;
  /** Resolves once a change committed from now on will be heard (the poll knows where each account stands). */
  ready?(): Promise<void>;
  /** How the store hears of changes now, for `/readyz` (store.ts, `ChangeFeedState`). */
  readonly state: ChangeFeedState;
  /** Moves each time the LISTEN connection is put in place again (LISTEN/NOTIFY only). */
  readonly generation?: number;
}

/**
 * Neither NOTIFY nor a poll: with history off and no LISTEN/NOTIFY no counter moves, so the
 * store tells its listeners of its own writes, and other nodes' are found by the change
 * feed's safety poll.
 */
export const ownWritesOnly: ChangeSignal = {
  start: () => {},
  stop: async () => {},
  listening: false,
  state: 'in-process',
};

/** One poll's answer: every account's latest revision. */
export type RevisionCounters = () => Promise<{ account_id: number; last_revision: number }[]>;

/**
 * Without LISTEN/NOTIFY: every `pollMs` the store reads each account's latest revision and
 * wakes the listeners of every account whose number moved, once per poll, whichever node
 * wrote. A write waits for the first poll ({@link ready}); while polls fail, `listening` is
 * false and the store tells its listeners of its own writes itself.
 */
export class PostgresChangePoller implements ChangeSignal {
  listening = false;
  readonly state = 'polling';
  private seen: Map<number, number> | undefined;
  private started = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private firstPoll: Promise<void> | undefined;

  constructor(
    private readonly listeners: ChangeListeners,
    private readonly counters: RevisionCounters,
    private readonly pollMs = 250,
    /** Wake every account its first poll finds: a fallback that starts after changes may have gone unheard. */
    private readonly wakeAllFirst = false,
  ) {}

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.pollThenWait();
    this.firstPoll = this.polling;
  }

  /** A write waits for the first poll, so the poll, not the writer, tells of it: once. */
  ready(): Promise<void> {
    return this.firstPoll ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
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
      this.listening = false;
      return;
    }
    const before = this.seen;
    this.seen = new Map(rows.map((row) => [Number(row.account_id), Number(row.last_revision)]));
    this.listening = !this.stopped;
    // The first poll (or the first after a failure: the store told its own writes meanwhile,
    // others' are found here) compares with what the last good one saw.
    if (this.stopped) return;
    if (before === undefined) {
      if (this.wakeAllFirst) for (const accountId of this.seen.keys()) this.listeners.fire(accountId);
      return;
    }
    for (const [accountId, revision] of this.seen) {
      if (revision > (before.get(accountId) ?? 0)) this.listeners.fire(accountId);
    }
  }
}
