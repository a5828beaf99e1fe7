import type pg from 'pg';
import type { RevisionFacts } from '../config-revisions.js';
import { revisionSql } from './revision-queries.js';

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
