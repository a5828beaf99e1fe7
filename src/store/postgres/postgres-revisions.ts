import type pg from 'pg';
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
import type { PostgresAccess } from './postgres-channel-store.js';
import { revisionSql } from './revision-queries.js';
import { scopeLike } from './scope-like.js';

/**
 * Inside a write's transaction: the revision under the account's next number, and (unless
 * `notify` is false: no LISTEN/NOTIFY) its NOTIFY, sent at commit.
 */
export async function recordRevision(client: pg.PoolClient, facts: RevisionFacts, notify = true): Promise<void> {
  await client.query(notify ? revisionSql.recordRevision : revisionSql.recordRevisionQuietly, [
    facts.key.accountId,
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
  ]);
}

/** With history off: only the wake-up, so watchers still hear of the change. */
export async function notifyChange(client: pg.PoolClient, accountId: number): Promise<void> {
  await client.query(revisionSql.notifyOnly, [accountId]);
}

/** The PostgreSQL store's history reads and compaction. */
export class PostgresRevisions {
  constructor(private readonly db: PostgresAccess) {}

  async list(
    key: IntegrationKey,
    scope: string,
    page: { beforeRevision?: number; limit: number },
  ): Promise<ConfigRevision[]> {
    const before = page.beforeRevision ?? Number.MAX_SAFE_INTEGER;
    const rows = await this.db.rows<RevisionRow>(revisionSql.revisionsOfScope, [
      key.accountId,
      key.integration,
      scope,
      before,
      page.limit,
    ]);
    return rows.map(toRevision);
  }

  async get(key: IntegrationKey, scope: string, revision: number): Promise<ConfigRevision | undefined> {
    const [row] = await this.db.rows<RevisionRow>(revisionSql.revisionOfScope, [
      key.accountId,
      key.integration,
      scope,
      revision,
    ]);
    return row && toRevision(row);
  }

  async changes(
    key: IntegrationKey,
    query: { pattern: ScopePattern; sinceRevision: number; limit: number },
  ): Promise<ConfigRevision[]> {
    const [text, operand] =
      query.pattern.length === 1
        ? [revisionSql.changesExact, query.pattern[0]]
        : [revisionSql.changesLike, scopeLike(query.pattern)];
    const rows = await this.db.rows<RevisionRow>(text, [
      key.accountId,
      key.integration,
      query.sinceRevision,
      operand,
      query.limit,
    ]);
    return rows.map(toRevision);
  }

  async bounds(accountId: number): Promise<RevisionBounds> {
    const [row] = await this.db.rows<{ latest: number; watermark: number }>(revisionSql.bounds, [accountId]);
    return { oldest: row!.watermark + 1, latest: row!.latest };
  }

  /** Each step its own short statement: compaction never holds a lock a writer needs. */
  async compact(policy: RetentionPolicy): Promise<CompactionReport> {
    const accounts = await this.db.rows<{ account_id: number }>(revisionSql.accountsWithRevisions);
    let deleted = 0;
    for (const { account_id: accountId } of accounts) {
      const { oldest, latest } = await this.bounds(accountId);
      const [first] = await this.db.rows<{ revision: number }>(revisionSql.firstRetained, [
        accountId,
        oldest - 1,
        policy.cutoffSeconds,
      ]);
      const target = first === undefined ? latest : first.revision - 1;
      const [raised] = await this.db.rows<{ compacted_through: number }>(revisionSql.raiseWatermark, [
        accountId,
        target,
      ]);
      let cursor = 0;
      for (;;) {
        const gone = await this.db.rows<{ revision: number }>(revisionSql.deleteCompacted, [
          accountId,
          cursor,
          raised!.compacted_through,
          policy.keepPerScope,
          policy.batchSize,
        ]);
        deleted += gone.length;
        if (gone.length < policy.batchSize) break;
        cursor = Math.max(...gone.map((row) => row.revision));
      }
    }
    return { accounts: accounts.length, deleted };
  }
}
