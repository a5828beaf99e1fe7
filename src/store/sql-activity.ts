import {
  revisionScanCap,
  type ActivityStore,
  type ActivityWindow,
  type ConfigChangeSummary,
  type ConfigWriteMinutes,
  type MinuteCount,
  type PendingReplies,
  type PullMinute,
} from './activity-store.js';
import type { RevisionOperation } from './config-revisions.js';
import type { EventRecord } from './event-outbox-store.js';
import { toEventRecord, type OutboxRow } from './event-rules.js';
import { activityStatements } from './sql/activity.js';
import { forDialect } from './sql/render.js';
import type { SqlRunner } from './sql-runner.js';

/** Counts and divisions are bigint on PostgreSQL: a number, or text from a pool that leaves bigint alone. */
type Num = number | string;

const minutes = (rows: { minute: Num; count: Num }[]): MinuteCount[] =>
  rows.map((row) => ({ minuteMs: Number(row.minute) * 60_000, count: Number(row.count) }));

interface ChangeRow {
  revision: Num;
  integration: string;
  scope: string;
  operation: RevisionOperation;
  changed_at: Num;
  actor_type: string;
  actor_id: string;
}

/** The console's activity reads on either store: one statement each. */
export class SqlActivity implements ActivityStore {
  private readonly sql;

  constructor(
    private readonly db: SqlRunner,
    private readonly options: { configHistory: boolean; revisionScanCap?: number },
  ) {
    this.sql = forDialect(db.dialect, activityStatements);
  }

  async pullsPerMinute(accountId: number, window: ActivityWindow): Promise<PullMinute[]> {
    const values = [window.sinceMs, window.untilMs, accountId];
    const rows = await this.db.rows<{ minute: Num; pulls: Num; failed: Num }>(this.sql.pullsPerMinute, values);
    return rows.map((row) => ({
      minuteMs: Number(row.minute) * 60_000,
      pulls: Number(row.pulls),
      failed: Number(row.failed),
    }));
  }

  async eventsDeliveredPerMinute(accountId: number, window: ActivityWindow): Promise<MinuteCount[]> {
    const values = [window.sinceMs, accountId, window.sinceMs, window.untilMs];
    return minutes(await this.db.rows(this.sql.eventsDeliveredPerMinute, values));
  }

  async repliesSentPerMinute(accountId: number, window: ActivityWindow): Promise<MinuteCount[]> {
    const values = [window.sinceMs, window.sinceMs, window.untilMs, accountId];
    return minutes(await this.db.rows(this.sql.repliesSentPerMinute, values));
  }

  async configWritesPerMinute(accountId: number, window: ActivityWindow): Promise<ConfigWriteMinutes | undefined> {
    if (!this.options.configHistory) return undefined;
    const sinceSeconds = Math.ceil(window.sinceMs / 1000);
    const cap = this.options.revisionScanCap ?? revisionScanCap;
    const rows = await this.db.rows<{ minute: Num; count: Num; scanned: Num; oldest: Num }>(
      this.sql.configWritesPerMinute,
      [accountId, cap, sinceSeconds, Math.ceil(window.untilMs / 1000)],
    );
    const first = rows[0];
    return {
      perMinute: minutes(rows),
      capped: first !== undefined && Number(first.scanned) >= cap && Number(first.oldest) >= sinceSeconds,
    };
  }

  async pendingRepliesByInstance(accountId: number): Promise<PendingReplies[]> {
    const rows = await this.db.rows<{ instance_id: Num; pending: Num }>(this.sql.pendingRepliesByInstance, [accountId]);
    return rows.map((row) => ({ instanceId: Number(row.instance_id), pending: Number(row.pending) }));
  }

  async latestConfigChanges(accountId: number, limit: number): Promise<ConfigChangeSummary[]> {
    const rows = await this.db.rows<ChangeRow>(this.sql.latestConfigChanges, [accountId, limit]);
    return rows.map((row) => ({
      revision: Number(row.revision),
      integration: row.integration,
      scope: row.scope,
      operation: row.operation,
      changedAt: Number(row.changed_at),
      actorType: row.actor_type,
      actorId: row.actor_id,
    }));
  }

  async listEventsBefore(
    accountId: number,
    integrationId: number,
    page: { beforeId?: number; limit: number },
  ): Promise<EventRecord[]> {
    const values = [accountId, integrationId, page.beforeId ?? Number.MAX_SAFE_INTEGER, page.limit];
    return (await this.db.rows<OutboxRow>(this.sql.eventsBefore, values)).map(toEventRecord);
  }

  async getEvent(accountId: number, integrationId: number, eventId: number): Promise<EventRecord | undefined> {
    const [row] = await this.db.rows<OutboxRow>(this.sql.event, [accountId, integrationId, eventId]);
    return row ? toEventRecord(row) : undefined;
  }
}
