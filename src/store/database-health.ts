// What the store tells operations about its database: whether it is reachable now (each
// change once, for the log), counters for metrics, and warnings found at start.

/** Counted events of a database connection pool. */
export interface DatabaseCounters {
  /** Acquisitions that found every connection in use and waited. */
  poolWaits: number;
  /** Acquisitions that gave up at the acquire timeout. */
  acquireTimeouts: number;
  /** Statements that gave up at the client-side query timeout. */
  queryTimeouts: number;
  /** Statements the server cancelled at statement_timeout or lock_timeout. */
  serverTimeouts: number;
  /** Connections closed rather than reused: in doubt after a timeout or a connection failure. */
  discarded: number;
  /** Pools re-made after a connection failure, so that new connections find the endpoint anew. */
  renewals: number;
}

/** A change of the database's availability, as the store saw it. */
export type AvailabilityChange =
  { available: false; reason: string } | { available: true; unavailableMs: number; failures: number };

/**
 * The database's health as one store sees it. The store reports each operation's outcome;
 * listeners hear only changes (reachable → unreachable and back), so an outage logs two
 * lines, not one per request.
 */
export class DatabaseHealth {
  readonly counters: DatabaseCounters = {
    poolWaits: 0,
    acquireTimeouts: 0,
    queryTimeouts: 0,
    serverTimeouts: 0,
    discarded: 0,
    renewals: 0,
  };
  /** Found at start (e.g. server-side timeouts a pooler set-up lacks); kept for whoever logs. */
  readonly warnings: string[] = [];
  private down: { since: number; failures: number } | undefined;
  /** Moves at each change of state: an outcome of an operation begun before it is stale. */
  private currentEpoch = 0;
  private readonly listeners = new Set<(change: AvailabilityChange) => void>();
  private readonly warningListeners = new Set<(warning: string) => void>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** Whether the last operation reached the database. */
  get available(): boolean {
    return this.down === undefined;
  }

  /** Read when an operation begins, and passed back with its outcome. */
  get epoch(): number {
    return this.currentEpoch;
  }

  count(counter: keyof DatabaseCounters): void {
    this.counters[counter] += 1;
  }

  /**
   * An operation failed for want of the database. One begun before the last change of
   * state (`epoch` then) changes nothing: a connection attempt made during an outage that
   * times out just after recovery is not a new outage.
   */
  failed(error: unknown, epoch = this.currentEpoch): void {
    if (this.down) {
      this.down.failures += 1;
      return;
    }
    if (epoch !== this.currentEpoch) return;
    this.currentEpoch += 1;
    this.down = { since: this.nowMs(), failures: 1 };
    const cause = (error as { cause?: unknown }).cause ?? error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    for (const listener of this.listeners) listener({ available: false, reason });
  }

  /** An operation reached the database; one begun before the outage was seen proves nothing. */
  succeeded(epoch = this.currentEpoch): void {
    const down = this.down;
    if (!down || epoch !== this.currentEpoch) return;
    this.currentEpoch += 1;
    this.down = undefined;
    const change = { available: true, unavailableMs: this.nowMs() - down.since, failures: down.failures } as const;
    for (const listener of this.listeners) listener(change);
  }

  warn(warning: string): void {
    this.warnings.push(warning);
    for (const listener of this.warningListeners) listener(warning);
  }

  /** Hears each change of availability; returns the unsubscribe. */
  onChange(listener: (change: AvailabilityChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hears the warnings so far and each later one. */
  onWarning(listener: (warning: string) => void): () => void {
    for (const warning of this.warnings) listener(warning);
    this.warningListeners.add(listener);
    return () => this.warningListeners.delete(listener);
  }
}
