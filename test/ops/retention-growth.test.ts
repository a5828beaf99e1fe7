import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { pruneOnce, type RetentionBounds } from '../../src/ops/retention-pruner.js';
import { loadSettings } from '../../src/settings.js';
import { createTenant } from '../helpers/server.js';
import Database from 'better-sqlite3';
import pg from 'pg';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const minute = 60_000;
/** Bounds scaled to the compressed hour: ten minutes (or 20 pulls) instead of days. */
const bounds: RetentionBounds = {
  eventsSeconds: 600,
  pushRequestsSeconds: 600,
  repliesSeconds: 600,
  pullsPerInstance: 20,
};
const instanceCount = 5;

/**
 * Finding 9 of issue 18: growing tables had no enforced bound. A compressed hour of steady
 * traffic (one step per minute, the pruner running after each) on each store: every table's
 * row count goes flat once its retention has passed, and pending events and replies are
 * never pruned, however old.
 */
describe.each(storeKinds)('retention under steady traffic on $name', (kind) => {
  let opened: OpenedStore;
  let now = Date.parse('2026-05-01T00:00:00Z');
  const clock: Clock = () => new Date(now);
  const instanceIds: number[] = [];
  let threadIds: number[] = [];
  /** One connection beside the store's for the whole test: the traffic's rows and the counts. */
  let execSql: (url: string, statements: string) => Promise<void>;
  let countRows: (url: string, table: string, where: string) => Promise<number>;
  let closeRaw: () => Promise<void>;

  beforeAll(async () => {
    opened = await kind.open();
    if (opened.url.startsWith('sqlite:')) {
      const db = new Database(opened.url.slice('sqlite:'.length));
      execSql = async (_url, statements) => void db.exec(statements);
      countRows = async (_url, table, where) =>
        (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;
      closeRaw = async () => void db.close();
    } else {
      const client = new pg.Client({ connectionString: opened.url });
      await client.connect();
      execSql = async (_url, statements) => void (await client.query(statements));
      countRows = async (_url, table, where) =>
        Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)).rows[0]!.n);
      closeRaw = () => client.end();
    }
    const tenant = await createTenant(opened.store, 'acme', []);
    const integration = await opened.store.channels.createIntegration({
      accountId: tenant.accountId,
      remoteId: 'com.example.growth',
      name: 'Growth',
      manifestUrl: 'https://growth.example/manifest.json',
      manifestJson: JSON.stringify({ name: 'Growth', id: 'com.example.growth', urls: {} }),
      nowMs: now,
    });
    for (let i = 0; i < instanceCount; i++) {
      const instance = await opened.store.channels.createInstance({
        accountId: tenant.accountId,
        integrationId: integration.id,
        name: `i${i}`,
        metadata: '{}',
        state: '',
        instancePushId: `growth-push-${i}`,
        pushTokenHash: `growth-hash-${i}`,
        nowMs: now,
      });
      instanceIds.push(instance.id);
      await execSql(
        opened.url,
        `INSERT INTO threads (instance_id, thread_key, resource_count, created_at) VALUES (${instance.id}, 't${i}', 0, ${now})`,
      );
    }
    threadIds = instanceIds; // one thread each, ids assigned in the same order
    const threads = await countRows(opened.url, 'threads', '1 = 1');
    expect(threads).toBe(instanceCount);
    // Work still to do, older than every bound: never pruned.
    await execSql(
      opened.url,
      [eventRows(3, 'pending', now - 3600_000), replyRows(2, 'pending', now - 3600_000)].join(';\n'),
    );
  });
  afterAll(async () => {
    await closeRaw();
    await opened.cleanup();
  });

  let seq = 0;
  function eventRows(count: number, status: 'pending' | 'delivered' | 'failed', at: number): string {
    const values = Array.from(
      { length: count },
      () =>
        `(1, 1, NULL, 'https://growth.example/events', 0, 'Growth', 'acme', 'test', '{}', ${at}, '${status}', ` +
        `${status === 'pending' ? 0 : 1}, ${status === 'pending' ? 'NULL' : at}, ${status === 'delivered' ? at : 'NULL'})`,
    );
    return (
      'INSERT INTO event_outbox (account_id, integration_id, instance_id, callback_url, integration_created_at, ' +
      'integration_name, subdomain, type_id, data, created_at, status, attempts, last_attempt_at, delivered_at) VALUES ' +
      values.join(', ')
    );
  }
  function replyRows(count: number, status: 'pending' | 'sent' | 'failed', at: number): string {
    const values = Array.from({ length: count }, (_, i) => {
      const instance = instanceIds[i % instanceCount]!;
      const thread = threadIds[i % instanceCount]!;
      return (
        `(${instance}, ${thread}, '${status}', 'hello', '[]', 'p', 'r', 'k', 'growth-${seq++}', 1, ${at}, ${at}, ` +
        `${status === 'sent' ? at : 'NULL'}, ${at})`
      );
    });
    return (
      'INSERT INTO replies (instance_id, thread_id, status, message, file_urls, parent_id, recipient_id, thread_key, ' +
      'request_unique_identifier, attempts, next_attempt_at, created_at, sent_at, updated_at) VALUES ' +
      values.join(', ')
    );
  }
  /** One minute of traffic: finished events, push records, pulls, finished replies, sign-ins. */
  async function minuteOfTraffic(): Promise<void> {
    const push = Array.from(
      { length: 20 },
      (_, i) => `(${instanceIds[i % instanceCount]}, 'req-${seq++}', '[]', ${now})`,
    );
    const pulls = instanceIds.flatMap((id) =>
      [0, 1].map(
        () =>
          `(${id}, ${now}, 5, 'ok', 200, 1, 0, ${kind.name === 'postgres' ? 'false' : '0'}, NULL, ${kind.name === 'postgres' ? 'false' : '0'})`,
      ),
    );
    await execSql(
      opened.url,
      [
        eventRows(18, 'delivered', now),
        eventRows(2, 'failed', now),
        `INSERT INTO push_requests (instance_id, request_id, results, created_at) VALUES ${push.join(', ')}`,
        'INSERT INTO pulls (instance_id, started_at, duration_ms, outcome, http_status, resources_stored, duplicates, ' +
          `state_conflict, error, deactivated) VALUES ${pulls.join(', ')}`,
        replyRows(9, 'sent', now),
        replyRows(1, 'failed', now),
      ].join(';\n'),
    );
    for (let i = 0; i < 5; i++) {
      await opened.store.grants.createConsoleSession({
        idHash: `session-${seq++}`,
        accountId: 1,
        nowSeconds: Math.floor(now / 1000),
        expiresAt: Math.floor(now / 1000) + 600,
      });
    }
  }
  const counts = async () => ({
    event_outbox: await countRows(opened.url, 'event_outbox', '1 = 1'),
    push_requests: await countRows(opened.url, 'push_requests', '1 = 1'),
    pulls: await countRows(opened.url, 'pulls', '1 = 1'),
    replies: await countRows(opened.url, 'replies', '1 = 1'),
    console_sessions: await countRows(opened.url, 'console_sessions', '1 = 1'),
  });

  it('holds every table flat after its retention, through a compressed hour', async () => {
    const history: Awaited<ReturnType<typeof counts>>[] = [];
    for (let step = 0; step < 60; step++) {
      now += minute;
      await minuteOfTraffic();
      // Small batches: each table takes several per pass.
      await pruneOnce({ store: opened.store, clock, bounds, batchSize: 7 });
      history.push(await counts());
    }
    // Ten minutes of retention (plus the minute at its edge): flat from the twelfth step on.
    const settled = history.slice(12);
    for (const table of Object.keys(history[0]!) as (keyof (typeof history)[0])[]) {
      const values = settled.map((c) => c[table]);
      expect(new Set(values).size, `${table}: ${values.join(',')}`).toBe(1);
    }
    const last = history.at(-1)!;
    // Eleven minutes of 20 finished events, plus the 3 pending from the start.
    expect(last.event_outbox).toBe(11 * 20 + 3);
    expect(last.push_requests).toBe(11 * 20);
    expect(last.pulls).toBe(instanceCount * bounds.pullsPerInstance);
    expect(last.replies).toBe(11 * 10 + 2);
    // Sessions expire at the tenth minute: those of the last ten remain.
    expect(last.console_sessions).toBe(10 * 5);
    expect(await countRows(opened.url, 'event_outbox', "status = 'pending'")).toBe(3);
    expect(await countRows(opened.url, 'replies', "status = 'pending'")).toBe(2);
    // Without the pruner the same hour would have left 60 minutes of every table.
    expect(history[59]!.event_outbox).toBeLessThan(60 * 20);
  }, 180_000);

  it('has a setting for each bound, with the documented defaults', () => {
    expect(loadSettings({}).retention).toEqual({
      pruner: true,
      eventsSeconds: 7 * 86_400,
      pushRequestsSeconds: 86_400,
      repliesSeconds: 30 * 86_400,
      pullsPerInstance: 100,
      intervalMs: 60_000,
      batchSize: 500,
    });
    expect(() => loadSettings({ SWITCHBOARD_PUSH_REQUESTS_RETENTION_S: '3600' })).toThrow(/PUSH_REQUESTS_RETENTION_S/);
    expect(loadSettings({ SWITCHBOARD_EVENTS_RETENTION_S: '3600' }).retention.eventsSeconds).toBe(3600);
    expect(loadSettings({ SWITCHBOARD_RETENTION_PRUNER: 'off' }).retention.pruner).toBe(false);
  });
});
