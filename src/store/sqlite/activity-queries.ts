import type Database from 'better-sqlite3';
import { forSqlite } from '../sql/render.js';
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
import type { EventRecord } from '../event-outbox-store.js';
import { toEventRecord, type OutboxRow } from '../event-rules.js';
import type { RevisionOperation } from '../config-revisions.js';

/**
 * The console's activity reads on SQLite, as plain text. Times in the pull log, the outbox
 * and the replies are epoch ms (a minute is `/ 60000`), revisions' are epoch seconds (`/ 60`).
 * Each names the partial index it rides on in its WHERE clause, so SQLite can use it.
 */
export const activitySql = {
  pullsPerMinute: `
    SELECT p.started_at / 60000 AS minute, COUNT(*) AS pulls,
      SUM(CASE WHEN p.outcome = 'failed' THEN 1 ELSE 0 END) AS failed
    FROM pulls p JOIN instances i ON i.id = p.instance_id
    WHERE p.started_at >= @since AND p.started_at < @until AND i.account_id = @account
    GROUP BY minute ORDER BY minute`,
  eventsDeliveredPerMinute: `
    SELECT delivered_at / 60000 AS minute, COUNT(*) AS count FROM event_outbox
    WHERE status <> 'pending' AND last_attempt_at >= @since
      AND status = 'delivered' AND account_id = @account AND delivered_at >= @since AND delivered_at < @until
    GROUP BY minute ORDER BY minute`,
  repliesSentPerMinute: `
    SELECT r.sent_at / 60000 AS minute, COUNT(*) AS count
    FROM replies r JOIN instances i ON i.id = r.instance_id
    WHERE r.status <> 'pending' AND r.updated_at >= @since
      AND r.status = 'sent' AND r.sent_at >= @since AND r.sent_at < @until AND i.account_id = @account
    GROUP BY minute ORDER BY minute`,
  /** The newest revisions only (see `revisionScanCap`); `scanned` and `oldest` tell whether the cap cut the window. */
  configWritesPerMinute: `
    WITH newest AS (
      SELECT changed_at FROM config_revisions WHERE account_id = @account ORDER BY revision DESC LIMIT @cap
    )
    SELECT changed_at / 60 AS minute, COUNT(*) AS count,
      (SELECT COUNT(*) FROM newest) AS scanned, (SELECT MIN(changed_at) FROM newest) AS oldest
    FROM newest WHERE changed_at >= @sinceSeconds AND changed_at < @untilSeconds
    GROUP BY minute ORDER BY minute`,
  ...forSqlite(activityStatements),
};

interface ChangeRow {
  revision: number;
  integration: string;
  scope: string;
  operation: RevisionOperation;
  changed_at: number;
  actor_type: string;
  actor_id: string;
}

/** Minute rows (`minute` counted in `unitMs`) as minute starts in epoch ms. */
const minutes = (rows: { minute: number; count: number }[], unitMs: number): MinuteCount[] =>
  rows.map((row) => ({ minuteMs: row.minute * unitMs, count: row.count }));

/** A revision row as the overview lists it. */
const toChangeSummary = (row: ChangeRow): ConfigChangeSummary => ({
  revision: Number(row.revision),
  integration: row.integration,
  scope: row.scope,
  operation: row.operation,
  changedAt: Number(row.changed_at),
  actorType: row.actor_type,
  actorId: row.actor_id,
});

/** The console's activity reads on SQLite: synchronous reads on the main connection, statements prepared on first use. */
export class SqliteActivity implements ActivityStore {
  private statements: Map<string, Database.Statement> = new Map();

  constructor(
    private readonly db: Database.Database,
    private readonly options: { configHistory: boolean; revisionScanCap?: number },
  ) {}

  private statement(name: keyof typeof activitySql): Database.Statement {
    let statement = this.statements.get(name);
    if (!statement) {
      statement = this.db.prepare(activitySql[name]);
      this.statements.set(name, statement);
    }
    return statement;
  }

  private window(accountId: number, window: ActivityWindow) {
    return { account: accountId, since: window.sinceMs, until: window.untilMs };
  }

  async pullsPerMinute(accountId: number, window: ActivityWindow): Promise<PullMinute[]> {
    const rows = this.statement('pullsPerMinute').all(this.window(accountId, window)) as {
      minute: number;
      pulls: number;
      failed: number;
    }[];
    return rows.map((row) => ({ minuteMs: row.minute * 60_000, pulls: row.pulls, failed: row.failed }));
  }

  async eventsDeliveredPerMinute(accountId: number, window: ActivityWindow): Promise<MinuteCount[]> {
    const rows = this.statement('eventsDeliveredPerMinute').all(this.window(accountId, window));
    return minutes(rows as { minute: number; count: number }[], 60_000);
  }

  async repliesSentPerMinute(accountId: number, window: ActivityWindow): Promise<MinuteCount[]> {
    const rows = this.statement('repliesSentPerMinute').all(this.window(accountId, window));
    return minutes(rows as { minute: number; count: number }[], 60_000);
  }

  async configWritesPerMinute(accountId: number, window: ActivityWindow): Promise<ConfigWriteMinutes | undefined> {
    if (!this.options.configHistory) return undefined;
    const sinceSeconds = Math.ceil(window.sinceMs / 1000);
    const cap = this.options.revisionScanCap ?? revisionScanCap;
    const rows = this.statement('configWritesPerMinute').all({
      account: accountId,
      cap,
      sinceSeconds,
      untilSeconds: Math.ceil(window.untilMs / 1000),
    }) as { minute: number; count: number; scanned: number; oldest: number }[];
    const first = rows[0];
    return {
      perMinute: minutes(rows, 60_000),
      capped: first !== undefined && first.scanned >= cap && first.oldest >= sinceSeconds,
    };
  }

  async pendingRepliesByInstance(accountId: number): Promise<PendingReplies[]> {
    const rows = this.statement('pendingRepliesByInstance').all(accountId) as {
      instance_id: number;
      pending: number;
    }[];
    return rows.map((row) => ({ instanceId: row.instance_id, pending: row.pending }));
  }

  async latestConfigChanges(accountId: number, limit: number): Promise<ConfigChangeSummary[]> {
    const rows = this.statement('latestConfigChanges').all(accountId, limit) as ChangeRow[];
    return rows.map(toChangeSummary);
  }

  async listEventsBefore(
    accountId: number,
    integrationId: number,
    page: { beforeId?: number; limit: number },
  ): Promise<EventRecord[]> {
    const before = page.beforeId ?? Number.MAX_SAFE_INTEGER;
    const rows = this.statement('eventsBefore').all(accountId, integrationId, before, page.limit) as OutboxRow[];
    return rows.map(toEventRecord);
  }

  async getEvent(accountId: number, integrationId: number, eventId: number): Promise<EventRecord | undefined> {
    const row = this.statement('event').get(accountId, integrationId, eventId) as OutboxRow | undefined;
    return row ? toEventRecord(row) : undefined;
  }
}
