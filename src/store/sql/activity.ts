/**
 * The console's activity reads that both stores run alike, written once with `?` placeholders
 * (see render.ts). The per-minute counts differ by dialect and stay in each dialect's folder.
 */
export const activityStatements = {
  pendingRepliesByInstance: `
    SELECT r.instance_id, COUNT(*) AS pending
    FROM replies r JOIN instances i ON i.id = r.instance_id
    WHERE r.status = 'pending' AND i.account_id = ?
    GROUP BY r.instance_id ORDER BY pending DESC, r.instance_id`,
  latestConfigChanges: `
    SELECT revision, integration, scope, operation, changed_at, actor_type, actor_id
    FROM config_revisions WHERE account_id = ? ORDER BY revision DESC LIMIT ?`,
  eventsBefore: `
    SELECT * FROM event_outbox WHERE account_id = ? AND integration_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
  event: `SELECT * FROM event_outbox WHERE account_id = ? AND integration_id = ? AND id = ?`,
};
