import type Database from 'better-sqlite3';
import type { PushRequestRecord, PushResultRecord } from '../push-records.js';
import { pushSql } from './push-queries.js';

/**
 * The push API's idempotency records on SQLite. Called only inside a write of the group
 * commit, which runs one write at a time: two copies of one push never interleave.
 */
export class SqlitePushRequests {
  private statements: { [K in keyof typeof pushSql]: Database.Statement } | undefined;

  constructor(private readonly db: Database.Database) {}

  /** Prepared on first use: the table exists only once the store is migrated. */
  private get q() {
    this.statements ??= Object.fromEntries(
      Object.entries(pushSql).map(([name, text]) => [name, this.db.prepare(text)]),
    ) as { [K in keyof typeof pushSql]: Database.Statement };
    return this.statements;
  }

  /** The record of a request id, if it was processed. */
  find(instanceId: number, requestId: string): PushRequestRecord | undefined {
    const row = this.q.pushRequest.get(instanceId, requestId) as
      { results: string; body_hash: string | null } | undefined;
    return row && { results: JSON.parse(row.results) as PushResultRecord[], bodyHash: row.body_hash };
  }

  record(instanceId: number, requestId: string, bodyHash: string, results: PushResultRecord[], nowMs: number): void {
    this.q.insertPushRequest.run(instanceId, requestId, JSON.stringify(results), bodyHash, nowMs);
  }

  purge(before: number): void {
    this.q.purgePushRequests.run(before);
  }
}
