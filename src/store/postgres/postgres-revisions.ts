import type pg from 'pg';
import { revisionValues, type RevisionFacts } from '../config-revisions.js';
import type { PostgresAccess } from './postgres-channel-store.js';
import { revisionSql } from './revision-queries.js';

/** Inside a write's transaction: its revision, waiting for a number ({@link RevisionNumbering}). */
export async function queueRevision(client: pg.PoolClient, facts: RevisionFacts): Promise<void> {
  await client.query(revisionSql.queueRevision, revisionValues(facts));
}

/** With history off: only the wake-up, so watchers still hear of the change. */
export async function notifyChange(client: pg.PoolClient, accountId: number): Promise<void> {
  await client.query(revisionSql.notifyOnly, [accountId]);
}

/**
 * Numbers committed writes' revisions (migration 0024) in batches, like a group commit: up
 * to `concurrency` numberings run at once on this node, and the accounts of writes that
 * commit while they run go together into the next, so concurrent writes share its
 * transaction and its WAL flush. `number(account)` resolves once a numbering that began after the call has
 * committed, so the caller's revision has its number (this node's numbering or another
 * node's gave it); with `notify`, each numbered account's NOTIFY goes out at that commit.
 */
export class RevisionNumbering {
  /** The batch that has not begun yet: later writes join it. */
  private next: { accounts: Set<number>; done: Promise<void> } | undefined;
  /** Numberings under way, at most {@link RevisionNumbering.concurrency}. */
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly rows: PostgresAccess['rows'],
    private readonly notify: boolean,
    /**
     * Told of each batch's accounts once its numbering has ended (committed, or failed when
     * it may have committed), before the writes waiting on it resolve: this node's listeners
     * hear of every change the batch numbered, and the NOTIFY it sent comes back unheeded.
     */
    private readonly numbered: (accounts: number[]) => void = () => {},
    /** Numberings at once: one account's wait on its counter row; others' flushes overlap. */
    private readonly concurrency = 4,
  ) {}

  number(accountId: number): Promise<void> {
    if (!this.next) {
      const accounts = new Set<number>();
      const done = this.begin(accounts);
      this.next = { accounts, done };
      const settled = done.catch(() => {});
      this.running.add(settled);
      void settled.then(() => this.running.delete(settled));
    }
    this.next.accounts.add(accountId);
    return this.next.done;
  }

  /** Waits for a free slot (writes that commit meanwhile join the batch), then numbers it. */
  private async begin(accounts: Set<number>): Promise<void> {
    await Promise.resolve();
    while (this.running.size > this.concurrency) await Promise.race(this.running);
    if (this.next?.accounts === accounts) this.next = undefined;
    try {
      await this.rows(revisionSql.numberRevisions, [[...accounts], this.notify]);
    } finally {
      this.numbered([...accounts]);
    }
  }

  /** Only the NOTIFY, when a numbering failed (best effort: never rejects). */
  async tell(accountId: number): Promise<void> {
    if (this.notify) await this.rows(revisionSql.notifyOnly, [accountId]).catch(() => {});
  }

  /**
   * Numbers what a stopped node left waiting (it committed a write, then stopped before its
   * numbering; the next write to the account would number it too). Returns how many accounts.
   */
  async sweep(): Promise<number> {
    const accounts = await this.rows<{ account_id: number }>(revisionSql.accountsWithWaitingRevisions);
    if (accounts.length > 0) await Promise.all(accounts.map(({ account_id }) => this.number(account_id)));
    return accounts.length;
  }

  /** Sweeps now, then every `intervalMs`; a failed sweep waits for the next round. */
  async startSweeping(intervalMs: number): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep().catch(() => 0), intervalMs).unref();
    await this.sweep().catch(() => 0);
  }

  /** No more sweeps; waits for the numberings under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.running);
  }
}
