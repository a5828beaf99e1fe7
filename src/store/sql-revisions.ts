import {
  toRevision,
  type CompactionReport,
  type ConfigRevision,
  type RetentionPolicy,
  type RevisionBounds,
  type RevisionRow,
} from './config-revisions.js';
import { forDialect } from './sql/render.js';
import { revisionStatements } from './sql/revisions.js';
import type { SqlRunner } from './sql-runner.js';
import type { IntegrationKey, ScopePattern } from './store.js';

/**
 * What differs between the dialects' history: how a scope pattern of several parts is
 * matched, how a scope's history is found (SQLite walks links, PostgreSQL reads an index),
 * and so how compaction keeps each scope's newest revisions.
 */
export interface DialectHistory {
  /** (account, integration, since revision, operand, limit) */
  readonly changesMatching: string;
  readonly operand: (pattern: ScopePattern) => string;
  /** A scope's history, newest first: (account, integration, scope, below revision, limit). */
  readonly revisionsOfScope: string;
  /** One compaction batch, `RETURNING revision`: (account, after revision, watermark, keep per scope, batch size). */
  readonly deleteCompacted: string;
}

/**
 * Config history's reads and compaction on either store (a config write records its revision
 * itself, in its own transaction). Each compaction step is its own short write: compaction
 * never holds a lock a writer needs.
 */
export class SqlRevisions {
  private readonly sql;

  constructor(
    private readonly db: SqlRunner,
    private readonly dialect: DialectHistory,
  ) {
    this.sql = forDialect(db.dialect, revisionStatements);
  }

  async list(key: IntegrationKey, scope: string, page: { beforeRevision?: number; limit: number }) {
    const before = page.beforeRevision ?? Number.MAX_SAFE_INTEGER;
    const values = [key.accountId, key.integration, scope, before, page.limit];
    return (await this.db.rows<RevisionRow>(this.dialect.revisionsOfScope, values)).map(toRevision);
  }

  async get(key: IntegrationKey, scope: string, revision: number): Promise<ConfigRevision | undefined> {
    const values = [key.accountId, key.integration, scope, revision];
    const [row] = await this.db.rows<RevisionRow>(this.sql.revisionOfScope, values);
    return row && toRevision(row);
  }

  async changes(
    key: IntegrationKey,
    query: { pattern: ScopePattern; sinceRevision: number; limit: number },
  ): Promise<ConfigRevision[]> {
    // SQLite's GLOB stops at U+0000: the method table answers a pattern holding one (none matches).
    const [text, operand] =
      query.pattern.length === 1
        ? [this.sql.changesExact, query.pattern[0]]
        : [this.dialect.changesMatching, this.dialect.operand(query.pattern)];
    const values = [key.accountId, key.integration, query.sinceRevision, operand, query.limit];
    return (await this.db.rows<RevisionRow>(text, values)).map(toRevision);
  }

  async bounds(accountId: number): Promise<RevisionBounds> {
    const [row] = await this.db.rows<{ latest: number; watermark: number }>(this.sql.bounds, [accountId, accountId]);
    return { oldest: row!.watermark + 1, latest: row!.latest };
  }

  async compact(policy: RetentionPolicy): Promise<CompactionReport> {
    const accounts = await this.db.rows<{ account_id: number }>(this.sql.accountsWithRevisions);
    let deleted = 0;
    for (const { account_id: accountId } of accounts) {
      const { oldest, latest } = await this.bounds(accountId);
      const [first] = await this.db.rows<{ revision: number }>(this.sql.firstRetained, [
        ...[accountId, oldest - 1, policy.cutoffSeconds],
      ]);
      const target = first === undefined ? latest : first.revision - 1;
      const [raised] = await this.db.writeRows<{ compacted_through: number }>(this.sql.raiseWatermark, [
        ...[accountId, target],
      ]);
      let cursor = 0;
      for (;;) {
        const gone = await this.db.writeRows<{ revision: number }>(this.dialect.deleteCompacted, [
          ...[accountId, cursor, raised!.compacted_through, policy.keepPerScope, policy.batchSize],
        ]);
        deleted += gone.length;
        if (gone.length < policy.batchSize) break;
        cursor = Math.max(...gone.map((row) => row.revision));
      }
    }
    return { accounts: accounts.length, deleted };
  }
}
