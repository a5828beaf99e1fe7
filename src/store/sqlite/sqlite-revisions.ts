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

/** A scope's newest revision and how many it has had; `revision` null when none was recorded. */
export interface Head {
  revision: number | null;
  depth: number;
}

/** A new config's own head, before it takes any its deleted predecessor left. */
export const noHead: Head = { revision: null, depth: 0 };

/** The head as a config row holds it (migration 0026). */
export interface HeadColumns {
  history_head: number | null;
  history_depth: number;
}

/**
 * The SQLite store's config writes record their revision here, inside the write (in its
 * group commit savepoint); reads and compaction are `SqlRevisions`. A revision goes first into
 * `config_revisions_recent`, which has no index, so a group commit of writes to many scopes
 * writes one page for their revisions, not a page of each index per write (migration 0025).
 * Each revision links to its scope's previous one, and the config row (or, once deleted,
 * `config_history_deleted`) keeps the scope's head (migration 0026).
 */
export class SqliteRevisions {
  private readonly bumpCounter: Database.Statement;
  private readonly insertRevision: Database.Statement;
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
    this.setConfigHead = db.prepare(revisionSql.setConfigHead);
    this.takeDeletedHead = db.prepare(revisionSql.takeDeletedHead);
    this.putDeletedHead = db.prepare(revisionSql.putDeletedHead);
    this.foldRecent = db.prepare(revisionSql.foldRecent);
    this.clearRecent = db.prepare(revisionSql.clearRecent);
    this.recentCount = db.prepare(revisionSql.recentCount).pluck();
    this.waiting = this.recentCount.get() as number;
  }

  /** Inside an update with history on, before its UPDATE: the account's next number (its counter row). */
  nextNumber(accountId: number): number {
    return this.bumpCounter.get(accountId) as number;
  }

  /**
   * Inside an update, after its UPDATE moved the config's head to `revision`: the revision,
   * linked to the head `before` it (migration 0026).
   */
  recordUpdate(facts: RevisionFacts, revision: number, before: Head): void {
    this.insert(facts, revision, before);
  }

  /**
   * Inside a create (after the config row is written) or a delete (before it goes), whose
   * row held `head`: takes the account's next number, stores the revision linked to its
   * scope's previous one, and moves the scope's head to it. A new config first takes the
   * head its deleted predecessor left; a deleted one leaves its head behind. With history off
   * only the heads move, so a scope's history stays whole across a delete and a create made
   * while it was off.
   */
  record(facts: RevisionFacts, head: Head): void {
    const { accountId, integration } = facts.key;
    let moved = false;
    if (head.revision === null) {
      const left = this.takeDeletedHead.get(accountId, integration, facts.scope) as Head | undefined;
      if (left) [head, moved] = [left, true];
    }
    if (this.recordsHistory) {
      const revision = this.nextNumber(accountId);
      this.insert(facts, revision, head);
      [head, moved] = [{ revision, depth: head.depth + 1 }, true];
    }
    if (facts.operation === 'delete') {
      if (head.revision !== null)
        this.putDeletedHead.run(accountId, integration, facts.scope, head.revision, head.depth);
    } else if (moved) {
      this.setConfigHead.run(head.revision, head.depth, facts.configId);
    }
  }

  private insert(facts: RevisionFacts, revision: number, previous: Head): void {
    this.insertRevision.run(...revisionValues(facts), revision, previous.revision, previous.depth + 1);
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
