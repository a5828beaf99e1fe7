import type Database from 'better-sqlite3';
import {
  toRevision,
  type CompactionReport,
  type ConfigRevision,
  type RetentionPolicy,
  type RevisionBounds,
  type RevisionRow,
  type RevisionFacts,
} from '../config-revisions.js';
import type { IntegrationKey, ScopePattern } from '../store.js';
import type { WriteQueue } from './group-commit.js';
import { revisionSql } from './revision-queries.js';
import { scopeGlob } from './scope-glob.js';

/**
 * The SQLite store's config history: `record` runs inside a config write (in its group
 * commit savepoint), the reads run directly, compaction runs as small group-commit writes.
 */
export class SqliteRevisions {
  private readonly q: { [K in keyof typeof revisionSql]: Database.Statement };

  constructor(
    db: Database.Database,
    private readonly writes: WriteQueue,
  ) {
    this.q = Object.fromEntries(Object.entries(revisionSql).map(([name, text]) => [name, db.prepare(text)])) as {
      [K in keyof typeof revisionSql]: Database.Statement;
    };
  }

  /** Inside a write's transaction: takes the account's next number and stores the revision. */
  record(facts: RevisionFacts): void {
    const revision = this.q.bumpCounter.pluck().get(facts.key.accountId) as number;
    this.q.insertRevision.run(
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

  list(key: IntegrationKey, scope: string, page: { beforeRevision?: number; limit: number }): ConfigRevision[] {
    const before = page.beforeRevision ?? Number.MAX_SAFE_INTEGER;
    const rows = this.q.revisionsOfScope.all(key.accountId, key.integration, scope, before, page.limit);
    return (rows as RevisionRow[]).map(toRevision);
  }

  get(key: IntegrationKey, scope: string, revision: number): ConfigRevision | undefined {
    const row = this.q.revisionOfScope.get(key.accountId, key.integration, scope, revision) as RevisionRow | undefined;
    return row && toRevision(row);
  }

  changes(
    key: IntegrationKey,
    query: { pattern: ScopePattern; sinceRevision: number; limit: number },
  ): ConfigRevision[] {
    // GLOB stops at U+0000: the method table answers a pattern holding one (none matches).
    const [statement, operand] =
      query.pattern.length === 1
        ? [this.q.changesExact, query.pattern[0]]
        : [this.q.changesGlob, scopeGlob(query.pattern)];
    const rows = statement.all(key.accountId, key.integration, query.sinceRevision, operand, query.limit);
    return (rows as RevisionRow[]).map(toRevision);
  }

  bounds(accountId: number): RevisionBounds {
    const latest = (this.q.latestRevision.pluck().get(accountId) as number | undefined) ?? 0;
    const watermark = (this.q.watermark.pluck().get(accountId) as number | undefined) ?? 0;
    return { oldest: watermark + 1, latest };
  }

  async compact(policy: RetentionPolicy): Promise<CompactionReport> {
    const accounts = this.q.accountsWithRevisions.pluck().all() as number[];
    let deleted = 0;
    for (const accountId of accounts) {
      const { oldest, latest } = this.bounds(accountId);
      const firstRetained = this.q.firstRetained.pluck().get(accountId, oldest - 1, policy.cutoffSeconds) as
        number | undefined;
      const target = firstRetained === undefined ? latest : firstRetained - 1;
      const watermark = await this.writes.enqueue(() => this.q.raiseWatermark.pluck().get(accountId, target) as number);
      let cursor = 0;
      for (;;) {
        const gone = await this.writes.enqueue(
          () =>
            this.q.deleteCompacted
              .pluck()
              .all(accountId, cursor, watermark, policy.keepPerScope, policy.batchSize) as number[],
        );
        deleted += gone.length;
        if (gone.length < policy.batchSize) break;
        cursor = Math.max(...gone);
      }
    }
    return { accounts: accounts.length, deleted };
  }
}
