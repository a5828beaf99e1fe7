import type Database from 'better-sqlite3';
import { revisionValues, type RevisionFacts } from '../config-revisions.js';
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
/** A scope's newest revision and how many it has had; `revision` null when none was recorded. */
export interface Head {
  revision: number | null;
  depth: number;
}

/** The head as a config row holds it (migration 0026). */
export interface HeadColumns {
  history_head: number | null;
  history_depth: number;
}

export class SqliteRevisions {
  private readonly bumpCounter: Database.Statement;
  private readonly insertRevision: Database.Statement;
  private readonly headOfConfig: Database.Statement;
  private readonly setConfigHead: Database.Statement;
  private readonly takeDeletedHead: Database.Statement;
  private readonly putDeletedHead: Database.Statement;
  private readonly foldRecent: Database.Statement;
  private readonly clearRecent: Database.Statement;
  private readonly recentCount: Database.Statement;
  /** Rows waiting, as far as this connection knows (another process's writes and folds add or take some). */
  private waiting: number;

  constructor(
    db: Database.Database,
    /** False: writes record no revision, but heads still move with deletes and creates (see `record`). */
    private readonly recordsHistory = true,
  ) {
    this.bumpCounter = db.prepare(revisionSql.bumpCounter).pluck();
    this.insertRevision = db.prepare(revisionSql.insertRevision);
    this.headOfConfig = db.prepare(revisionSql.headOfConfig);
    this.setConfigHead = db.prepare(revisionSql.setConfigHead);
    this.takeDeletedHead = db.prepare(revisionSql.takeDeletedHead);
    this.putDeletedHead = db.prepare(revisionSql.putDeletedHead);
    this.foldRecent = db.prepare(revisionSql.foldRecent);
    this.clearRecent = db.prepare(revisionSql.clearRecent);
    this.recentCount = db.prepare(revisionSql.recentCount).pluck();
    this.waiting = this.recentCount.get() as number;
  }

  /**
   * Inside a config write, after the config row is written (for a delete, before it goes):
   * takes the account's next number, stores the revision linked to its scope's previous one,
   * and moves the scope's head to it (migration 0026); `configHead` is the config row's, when
   * the write has it at hand. A new config first takes the head its
   * deleted predecessor left. With history off only the heads move, so a scope's history stays
   * whole across a delete and a create made while it was off.
   */
  record(facts: RevisionFacts, configHead?: Head): void {
    const { accountId, integration } = facts.key;
    let head = configHead ?? (this.headOfConfig.get(facts.configId) as Head | undefined);
    let moved = false;
    if (head === undefined || head.revision === null) {
      const left = this.takeDeletedHead.get(accountId, integration, facts.scope) as Head | undefined;
      if (left) [head, moved] = [left, true];
    }
    if (this.recordsHistory) {
      const revision = this.bumpCounter.get(accountId) as number;
      const depth = (head?.depth ?? 0) + 1;
      this.insertRevision.run(...revisionValues(facts), revision, head?.revision ?? null, depth);
      [head, moved] = [{ revision, depth }, true];
      // A fold rolled back with its write leaves the count at 0: at most twice as many rows wait.
      if (++this.waiting >= foldRevisionsAt) this.fold();
    }
    if (facts.operation === 'delete') {
      if (head && head.revision !== null) {
        this.putDeletedHead.run(accountId, integration, facts.scope, head.revision, head.depth);
      }
    } else if (moved && head) {
      this.setConfigHead.run(head.revision, head.depth, facts.configId);
    }
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
