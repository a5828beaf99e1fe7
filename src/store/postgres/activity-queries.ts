import { forPostgres } from '../sql/render.js';
import { activityStatements } from '../sql/activity.js';
import {
  revisionScanCap,
  type ActivityStore,
  type ActivityWindow,
  type ConfigChangeSummary,
  type ConfigWriteMinutes,
  type MinuteCount,
  type PendingReplies,
  type PullMinute,
} from '../activity-store.js';
import type { RevisionOperation } from '../config-revisions.js';
import type { EventRecord } from '../event-outbox-store.js';
import { toEventRecord, type OutboxRow } from '../event-rules.js';
import type { PostgresAccess } from './postgres-channel-store.js';

/**
 * The console's activity reads on PostgreSQL, as plain text. Times in the pull log, the
 * outbox and the replies are epoch ms (a minute is `/ 60000`, bigint division), revisions'
 * are epoch seconds (`/ 60`). The partial indexes' conditions are written out so each is used.
 */
export const activitySql = {
  pullsPerMinute: `
    SELECT p.started_at / 60000 AS minute, COUNT(*) AS pulls, COUNT(*) FILTER (WHERE p.outcome = 'failed') AS failed
    FROM pulls p JOIN instances i ON i.id = p.instance_id
    WHERE p.started_at >= $2 AND p.started_at < $3 AND i.account_id = $1
    GROUP BY minute ORDER BY minute`,
  eventsDeliveredPerMinute: `
    SELECT delivered_at / 60000 AS minute, COUNT(*) AS count FROM event_outbox
    WHERE status <> 'pending' AND last_attempt_at >= $2
      AND status = 'delivered' AND account_id = $1 AND delivered_at >= $2 AND delivered_at < $3
    GROUP BY minute ORDER BY minute`,
  repliesSentPerMinute: `
    SELECT r.sent_at / 60000 AS minute, COUNT(*) AS count
    FROM replies r JOIN instances i ON i.id = r.instance_id
    WHERE r.status <> 'pending' AND r.updated_at >= $2
      AND r.status = 'sent' AND r.sent_at >= $2 AND r.sent_at < $3 AND i.account_id = $1
    GROUP BY minute ORDER BY minute`,
  /** The newest revisions only (see `revisionScanCap`); `scanned` and `oldest` tell whether the cap cut the window. */
  configWritesPerMinute: `
    WITH newest AS (
      SELECT changed_at FROM config_revisions WHERE account_id = $1 ORDER BY revision DESC LIMIT $4
    )
    SELECT changed_at / 60 AS minute, COUNT(*) AS count,
      (SELECT COUNT(*) FROM newest) AS scanned, (SELECT MIN(changed_at) FROM newest) AS oldest
    FROM newest WHERE changed_at >= $2 AND changed_at < $3
    GROUP BY minute ORDER BY minute`,
  ...forPostgres(activityStatements),
};

/** The store's pool reads bigint as a number; COUNT(*) and divisions are bigint too. */
type Num = number | string;

const minutes = (rows: { minute: Num; count: Num }[]): MinuteCount[] =>
  rows.map((row) => ({ minuteMs: Number(row.minute) * 60_000, count: Number(row.count) }));

/** The console's activity reads on PostgreSQL: one statement each, on any pooled connection. */
export class PostgresActivity implements ActivityStore {
  constructor(
    private readonly db: PostgresAccess,
    private readonly options: { configHistory: boolean; revisionScanCap?: number },
  ) {}

  async pullsPerMinute(accountId: number, window: ActivityWindow): Promise<PullMinute[]> {
    const rows = await this.db.rows<{ minute: Num; pulls: Num; failed: Num }>(activitySql.pullsPerMinute, [
      accountId,
      window.sinceMs,
      window.untilMs,
    ]);
    return rows.map((row) => ({
      minuteMs: Number(row.minute) * 60_000,
      pulls: Number(row.pulls),
      failed: Number(row.failed),
    }));
  }

  async eventsDeliveredPerMinute(accountId: number, window: ActivityWindow): Promise<MinuteCount[]> {
    const values = [accountId, window.sinceMs, window.untilMs];
    return minutes(await this.db.rows<{ minute: Num; count: Num }>(activitySql.eventsDeliveredPerMinute, values));
  }

  async repliesSentPerMinute(accountId: number, window: ActivityWindow): Promise<MinuteCount[]> {
    const values = [accountId, window.sinceMs, window.untilMs];
    return minutes(await this.db.rows<{ minute: Num; count: Num }>(activitySql.repliesSentPerMinute, values));
  }

  async configWritesPerMinute(accountId: number, window: ActivityWindow): Promise<ConfigWriteMinutes | undefined> {
    if (!this.options.configHistory) return undefined;
    const sinceSeconds = Math.ceil(window.sinceMs / 1000);
    const cap = this.options.revisionScanCap ?? revisionScanCap;
    const rows = await this.db.rows<{ minute: Num; count: Num; scanned: Num; oldest: Num }>(
      activitySql.configWritesPerMinute,
      [accountId, sinceSeconds, Math.ceil(window.untilMs / 1000), cap],
    );
    const first = rows[0];
    return {
      perMinute: minutes(rows),
      capped: first !== undefined && Number(first.scanned) >= cap && Number(first.oldest) >= sinceSeconds,
    };
  }

  async pendingRepliesByInstance(accountId: number): Promise<PendingReplies[]> {
    const rows = await this.db.rows<{ instance_id: Num; pending: Num }>(activitySql.pendingRepliesByInstance, [
      accountId,
    ]);
    return rows.map((row) => ({ instanceId: Number(row.instance_id), pending: Number(row.pending) }));
  }

  async latestConfigChanges(accountId: number, limit: number): Promise<ConfigChangeSummary[]> {
    const rows = await this.db.rows<{
      revision: Num;
      integration: string;
      scope: string;
      operation: RevisionOperation;
      changed_at: Num;
      actor_type: string;
      actor_id: string;
    }>(activitySql.latestConfigChanges, [accountId, limit]);
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
    const before = page.beforeId ?? Number.MAX_SAFE_INTEGER;
    const rows = await this.db.rows<OutboxRow>(activitySql.eventsBefore, [
      accountId,
      integrationId,
      before,
      page.limit,
    ]);
    return rows.map(toEventRecord);
  }

  async getEvent(accountId: number, integrationId: number, eventId: number): Promise<EventRecord | undefined> {
    const [row] = await this.db.rows<OutboxRow>(activitySql.event, [accountId, integrationId, eventId]);
    return row ? toEventRecord(row) : undefined;
  }
}
