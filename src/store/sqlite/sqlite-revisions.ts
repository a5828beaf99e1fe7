import type Database from 'better-sqlite3';
import type { RevisionFacts } from '../config-revisions.js';
import { revisionSql } from './revision-queries.js';

/**
 * The SQLite store's config writes record their revision here, inside the write (in its
 * group commit savepoint); reads and compaction are `SqlRevisions`.
 */
export class SqliteRevisions {
  private readonly bumpCounter: Database.Statement;
  private readonly insertRevision: Database.Statement;

  constructor(db: Database.Database) {
    this.bumpCounter = db.prepare(revisionSql.bumpCounter).pluck();
    this.insertRevision = db.prepare(revisionSql.insertRevision);
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
  }
}
