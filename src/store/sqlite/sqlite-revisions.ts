import type Database from 'better-sqlite3';
import type { RevisionFacts } from '../config-revisions.js';
import { revisionSql } from './revision-queries.js';

/**
 * How many recent revisions wait before a write folds them into the indexed table. Fewer
 * folds cost less per revision (each index page a fold writes takes more of them); more
 * waiting rows make every history read scan more. 512: measured, folds of 250 to 2,000
 * rows cost about the same per write.
 */
export const foldRevisionsAt = 512;

/**
 * The SQLite store's config writes record their revision here, inside the write (in its
 * group commit savepoint); reads and compaction are `SqlRevisions`. A revision goes first into
 * `config_revisions_recent`, which has no index, so a group commit of writes to many scopes
 * writes one page for their revisions, not a page of each index per write (migration 0025).
 */
export class SqliteRevisions {
  private readonly bumpCounter: Database.Statement;
  private readonly insertRevision: Database.Statement;
  private readonly foldRecent: Database.Statement;
  private readonly clearRecent: Database.Statement;
  private readonly recentCount: Database.Statement;
  /** Rows waiting, as far as this connection knows (another process's writes and folds add or take some). */
  private waiting: number;

  constructor(db: Database.Database) {
    this.bumpCounter = db.prepare(revisionSql.bumpCounter).pluck();
    this.insertRevision = db.prepare(revisionSql.insertRevision);
    this.foldRecent = db.prepare(revisionSql.foldRecent);
    this.clearRecent = db.prepare(revisionSql.clearRecent);
    this.recentCount = db.prepare(revisionSql.recentCount).pluck();
    this.waiting = this.recentCount.get() as number;
  }

  /** Inside a write's transaction: takes the account's next number and stores the revision. */
  record(facts: RevisionFacts): void {
    const revision = this.bumpCounter.get(facts.key.accountId) as number;
    this.insertRevision.run(
      facts.key.accountId,
      revision,
      facts.key.integration,
      facts.scope,
      facts.operation,
      facts.configJson ?? null,
      facts.configId,
      facts.version,
      facts.nowSeconds,
      facts.actor.type,
      facts.actor.id,
      facts.actor.requestId ?? null,
    );
    // A fold rolled back with its write leaves the count at 0: at most twice as many rows wait.
    if (++this.waiting >= foldRevisionsAt) this.fold();
  }

  /**
   * Inside a transaction: moves every recent revision into `config_revisions`, whole.
   * Compaction calls it first, so it sees every revision in the indexed table (the backup
   * export reads both tables instead: it must not write). With nothing waiting it writes nothing.
   */
  fold(): void {
    if (this.recentCount.get() === 0) return;
    this.foldRecent.run();
    this.clearRecent.run();
    this.waiting = 0;
  }
}
