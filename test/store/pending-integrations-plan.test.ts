import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSql } from '../../src/store/sqlite/event-queries.js';
import { openTempSqlite } from '../helpers/server.js';

/**
 * Finding 9 of issue 18: the event delivery poll read every integration's delivery key to
 * find the few with pending events. It now starts from the pending events' index, one
 * entry per integration, and looks keys up by id: its plan scans no key table.
 */
describe('the event delivery poll on SQLite', () => {
  let opened: Awaited<ReturnType<typeof openTempSqlite>>;
  let db: Database.Database;

  beforeAll(async () => {
    opened = await openTempSqlite();
    db = new Database(opened.url.slice('sqlite:'.length));
    const key = db.prepare('INSERT INTO event_delivery_keys (integration_id, next_attempt_at) VALUES (?, 0)');
    const event = db.prepare(
      `INSERT INTO event_outbox (account_id, integration_id, callback_url, integration_created_at, integration_name,
         subdomain, type_id, data, created_at, status, attempts, last_attempt_at)
       VALUES (1, ?, 'https://x.example', 0, 'n', 's', 't', '{}', 0, ?, 1, 0)`,
    );
    db.transaction(() => {
      // Many integrations whose events were all delivered, a few with pending ones.
      for (let id = 1; id <= 5000; id++) {
        key.run(id);
        event.run(id, 'delivered');
      }
      for (const id of [17, 4242]) event.run(id, 'pending');
    })();
    db.exec('ANALYZE');
  });
  afterAll(async () => {
    db.close();
    await opened.cleanup();
  });

  // The claim's parameters by number: $1 now, $2 limit, $3 owner, $4 lease ms.
  const claim = { 1: 1, 2: 10, 3: 'node-a', 4: 60_000 };

  it('finds exactly the integrations with pending events', () => {
    const leased = db.prepare(eventSql.claimKeys).pluck().all(claim) as number[];
    expect(leased.sort((a, b) => a - b)).toEqual([17, 4242]);
  });

  it('reads keys only by id, never by scanning them', () => {
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${eventSql.claimKeys}`).all(claim) as { detail: string }[])
      .map((row) => row.detail)
      .join('\n');
    expect(plan).toMatch(/SEARCH k USING INTEGER PRIMARY KEY/);
    expect(plan).not.toMatch(/SCAN k\b|SCAN event_delivery_keys/);
    expect(plan).toMatch(/event_outbox_pending/);
  });
});
