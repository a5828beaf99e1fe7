/**
 * The console's activity reads, written once with `?` placeholders (see render.ts). Times in
 * the pull log, the outbox and the replies are epoch ms (a minute is `/ 60000`, an integer
 * division in both engines), revisions' are epoch seconds (`/ 60`). Each names the partial
 * index it rides on in its WHERE clause, so both planners use it.
 */
export const activityStatements = {
  /** (since, until, account) */
  pullsPerMinute: `
    SELECT p.started_at / 60000 AS minute, COUNT(*) AS pulls, COUNT(*) FILTER (WHERE p.outcome = 'failed') AS failed
    FROM pulls p JOIN instances i ON i.id = p.instance_id
    WHERE p.started_at >= ? AND p.started_at < ? AND i.account_id = ?
    GROUP BY minute ORDER BY minute`,
  /** (since, account, since, until) */
  eventsDeliveredPerMinute: `
    SELECT delivered_at / 60000 AS minute, COUNT(*) AS count FROM event_outbox
    WHERE status <> 'pending' AND last_attempt_at >= ?
      AND status = 'delivered' AND account_id = ? AND delivered_at >= ? AND delivered_at < ?
    GROUP BY minute ORDER BY minute`,
  /** (since, since, until, account) */
  repliesSentPerMinute: `
    SELECT r.sent_at / 60000 AS minute, COUNT(*) AS count
    FROM replies r JOIN instances i ON i.id = r.instance_id
    WHERE r.status <> 'pending' AND r.updated_at >= ?
      AND r.status = 'sent' AND r.sent_at >= ? AND r.sent_at < ? AND i.account_id = ?
    GROUP BY minute ORDER BY minute`,
  /**
   * (account, cap, since s, until s) The newest revisions only (see `revisionScanCap`);
   * `scanned` and `oldest` tell whether the cap cut the window.
   */
  configWritesPerMinute: `
    WITH newest AS (
      SELECT changed_at FROM config_history WHERE account_id = ? ORDER BY revision DESC LIMIT ?
    )
    SELECT changed_at / 60 AS minute, COUNT(*) AS count,
      (SELECT COUNT(*) FROM newest) AS scanned, (SELECT MIN(changed_at) FROM newest) AS oldest
    FROM newest WHERE changed_at >= ? AND changed_at < ?
    GROUP BY minute ORDER BY minute`,
  pendingRepliesByInstance: `
    SELECT r.instance_id, COUNT(*) AS pending
    FROM replies r JOIN instances i ON i.id = r.instance_id
    WHERE r.status = 'pending' AND i.account_id = ?
    GROUP BY r.instance_id ORDER BY pending DESC, r.instance_id`,
  latestConfigChanges: `
    SELECT revision, integration, scope, operation, changed_at, actor_type, actor_id
    FROM config_history WHERE account_id = ? ORDER BY revision DESC LIMIT ?`,
  eventsBefore: `
    SELECT * FROM event_outbox WHERE account_id = ? AND integration_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
  event: `SELECT * FROM event_outbox WHERE account_id = ? AND integration_id = ? AND id = ?`,
};
