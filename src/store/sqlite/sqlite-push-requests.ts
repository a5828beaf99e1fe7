import type Database from 'better-sqlite3';
import type { PushResultRecord } from '../push-records.js';
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

  results(instanceId: number, requestId: string): PushResultRecord[] | undefined {
    const text = this.q.pushResults.pluck().get(instanceId, requestId) as string | undefined;
    return text === undefined ? undefined : (JSON.parse(text) as PushResultRecord[]);
  }

  record(instanceId: number, requestId: string, results: PushResultRecord[], nowMs: number): void {
    this.q.insertPushRequest.run(instanceId, requestId, JSON.stringify(results), nowMs);
  }

  purge(before: number): void {
    this.q.purgePushRequests.run(before);
  }
}
