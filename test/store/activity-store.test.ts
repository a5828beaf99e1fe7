import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { ActivityWindow } from '../../src/store/activity-store.js';
import type { Instance } from '../../src/store/channel-store.js';
import { openStore } from '../../src/store/open-store.js';
import { PostgresRunner } from '../../src/store/postgres/postgres-runner.js';
import { SqlActivity } from '../../src/store/sql-activity.js';
import { SqliteRunner } from '../../src/store/sqlite/sqlite-runner.js';
import type { Store } from '../../src/store/store.js';
import { createPostgresSchema, storeKinds, storeProfiles, type OpenedStore } from '../helpers/stores.js';
import { tempDir } from '../helpers/server.js';

const manifestJson = JSON.stringify({
  name: 'Chat',
  id: 'com.example.chat',
  urls: {
    admin_ui: { href: 'https://chat.example/admin', scheme: 'https', written: './admin' },
    pull_url: { href: 'https://chat.example/pull', scheme: 'https', written: './pull' },
    channelback_url: { href: 'https://chat.example/cb', scheme: 'https', written: './cb' },
    event_callback_url: { href: 'https://chat.example/events', scheme: 'https', written: './events' },
  },
});
const minute = 60_000;

/**
 * The console's activity reads on every store kind: per-minute counts of pulls (and failed
 * ones), delivered events, sent replies and config writes inside a window and for one
 * account only; pending replies by instance; the latest config changes; events paged.
 * Times are taken from the real clock, as the console takes them.
 */
describe.each(storeProfiles)('ActivityStore on $name', (kind) => {
  let opened: OpenedStore;
  let store: Store;
  let accountA: number;
  let accountB: number;
  let instanceA: Instance;
  let instanceB: Instance;
  /** The start of the window: a whole minute, half an hour ago by the real clock. */
  let base: number;
  let window: ActivityWindow;
  let eventsDelivered = 0;

  const instanceOf = async (accountId: number, pushId: string) => {
    const integration = await store.channels.createIntegration({
      accountId,
      remoteId: 'com.example.chat',
      name: 'Chat',
      manifestUrl: 'https://chat.example/manifest.json',
      manifestJson,
      nowMs: base,
    });
    return store.channels.createInstance({
      accountId,
      integrationId: integration.id,
      name: 'Inbox',
      metadata: '',
      state: '',
      instancePushId: `${pushId}-${kind.name}`,
      pushTokenHash: `h-${pushId}`,
      nowMs: base,
    });
  };
  const pull = (instance: Instance, startedAt: number, outcome: 'ok' | 'failed') =>
    store.channels.completePull({
      instanceId: instance.id,
      startedAt,
      durationMs: 5,
      outcome,
      httpStatus: outcome === 'ok' ? 200 : 500,
      error: outcome === 'ok' ? null : 'The integration answered 500.',
      stateVersionAtStart: instance.stateVersion,
      resources:
        outcome === 'ok' && startedAt === base + 1000
          ? [{ externalId: 'm1', parentId: null, threadId: null, payloadJson: '{"external_id":"m1"}' }]
          : [],
      nextPullAt: startedAt + minute,
      deactivateAfter: 100,
      nowMs: startedAt + 5,
    });

  beforeAll(async () => {
    opened = await kind.open();
    store = opened.store;
    base = Math.floor(systemClock().getTime() / minute) * minute - 30 * minute;
    window = { sinceMs: base, untilMs: base + 60 * minute };
    const a = await store.createAccount({ subdomain: 'a', adminEmail: 'a@x', adminTokenHash: 'ha', nowSeconds: 1 });
    const b = await store.createAccount({ subdomain: 'b', adminEmail: 'b@x', adminTokenHash: 'hb', nowSeconds: 1 });
    if (a === 'exists' || b === 'exists') throw new Error('accounts exist');
    accountA = a.id;
    accountB = b.id;
    instanceA = await instanceOf(accountA, 'a');
    instanceB = await instanceOf(accountB, 'b');

    // Pulls: two in the first minute (one failed), one in the second, one long before the
    // window, one after it; account B's one in the first minute is not A's.
    await pull(instanceA, base + 1000, 'ok');
    await pull(instanceA, base + 59_999, 'failed');
    await pull(instanceA, base + minute, 'ok');
    await pull(instanceA, base - 2 * 60 * minute, 'ok');
    await pull(instanceA, base + 60 * minute, 'ok');
    await pull(instanceB, base + 2000, 'failed');

    // Events: every pending one delivered in the third minute.
    const batches = await store.channels.claimEventBatches({
      nowMs: base + 2 * minute,
      keys: 10,
      batchSize: 100,
      leaseMs: 10_000,
      owner: 'test',
    });
    for (const batch of batches) {
      const ids = batch.events.map((e) => e.id);
      await store.channels.completeEventBatch({
        integrationId: batch.integrationId,
        owner: 'test',
        eventIds: ids,
        outcome: 'delivered',
        error: null,
        maxAttempts: 5,
        retryAt: 0,
        nowMs: base + 2 * minute + 7,
      });
      if (batch.accountId === accountA) eventsDelivered += ids.length;
    }

    // Replies: one sent in the fourth minute, one still pending.
    const threadId = (await store.channels.listThreads(accountA, instanceA.id))[0]!.id;
    const reply = (rui: string, nowMs: number) =>
      store.replies.createReply({
        accountId: accountA,
        instanceId: instanceA.id,
        threadId,
        message: 'hello',
        fileUrls: [],
        parentId: 'm1',
        recipientId: 'c',
        threadKey: 'm1',
        requestUniqueIdentifier: `${rui}-${kind.name}`,
        nowMs,
      });
    const sent = (await reply('sent', base + 3 * minute))!;
    const [claimed] = await store.replies.claimDueReplies({
      nowMs: base + 3 * minute,
      limit: 1,
      leaseMs: 10_000,
      owner: 'test',
    });
    expect(claimed!.reply.id).toBe(sent.id);
    await store.replies.completeReply({
      replyId: sent.id,
      owner: 'test',
      outcome: 'sent',
      error: null,
      externalId: 'x1',
      resourcePayloadJson: '{"external_id":"x1"}',
      channelbackUrl: 'https://chat.example/cb',
      nowMs: base + 3 * minute + 9,
    });
    await reply('pending', base + 50 * minute);

    // Config writes: two in the fifth minute, one two hours before; B's is not A's.
    const actor = { type: 'admin' as const, id: 'a@x', requestId: 'r' };
    const seconds = (ms: number) => Math.floor(ms / 1000);
    const key = { accountId: accountA, integration: 'zendesk' };
    await store.createConfig(key, {
      scope: 'old',
      configJson: '{}',
      nowSeconds: seconds(base - 2 * 60 * minute),
      actor,
    });
    await store.createConfig(key, { scope: 'one', configJson: '{}', nowSeconds: seconds(base + 4 * minute), actor });
    await store.createConfig(key, {
      scope: 'two',
      configJson: '{}',
      nowSeconds: seconds(base + 4 * minute) + 59,
      actor,
    });
    await store.createConfig(
      { accountId: accountB, integration: 'zendesk' },
      { scope: 'b', configJson: '{}', nowSeconds: seconds(base + 4 * minute), actor },
    );
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  it('counts pulls and failed pulls per minute, in the window and for the account only', async () => {
    expect(await store.activity.pullsPerMinute(accountA, window)).toEqual([
      { minuteMs: base, pulls: 2, failed: 1 },
      { minuteMs: base + minute, pulls: 1, failed: 0 },
    ]);
    expect(await store.activity.pullsPerMinute(accountB, window)).toEqual([{ minuteMs: base, pulls: 1, failed: 1 }]);
    expect(
      await store.activity.pullsPerMinute(accountA, { sinceMs: base + minute, untilMs: base + 2 * minute }),
    ).toEqual([{ minuteMs: base + minute, pulls: 1, failed: 0 }]);
  });

  it('counts events delivered and replies sent per minute', async () => {
    expect(eventsDelivered).toBeGreaterThan(0);
    expect(await store.activity.eventsDeliveredPerMinute(accountA, window)).toEqual([
      { minuteMs: base + 2 * minute, count: eventsDelivered },
    ]);
    expect(await store.activity.repliesSentPerMinute(accountA, window)).toEqual([
      { minuteMs: base + 3 * minute, count: 1 },
    ]);
    expect(await store.activity.repliesSentPerMinute(accountB, window)).toEqual([]);
    expect(await store.activity.eventsDeliveredPerMinute(accountA, { sinceMs: base, untilMs: base + minute })).toEqual(
      [],
    );
  });

  it('counts config writes per minute from the revisions', async () => {
    expect(await store.activity.configWritesPerMinute(accountA, window)).toEqual({
      perMinute: [{ minuteMs: base + 4 * minute, count: 2 }],
      capped: false,
    });
    expect(await store.activity.configWritesPerMinute(accountB, window)).toEqual({
      perMinute: [{ minuteMs: base + 4 * minute, count: 1 }],
      capped: false,
    });
  });

  it('reads only the newest revisions, and says when that cut the window short', async () => {
    // The same database through an activity reader with a small cap.
    const reader = await cappedReader(kind.dialect, opened.url);
    try {
      expect(await reader.read(2).configWritesPerMinute(accountA, window)).toEqual({
        perMinute: [{ minuteMs: base + 4 * minute, count: 2 }],
        capped: true,
      });
      expect(await reader.read(1).configWritesPerMinute(accountA, window)).toEqual({
        perMinute: [{ minuteMs: base + 4 * minute, count: 1 }],
        capped: true,
      });
      // The third newest is two hours old: the window is whole.
      expect(await reader.read(3).configWritesPerMinute(accountA, window)).toEqual({
        perMinute: [{ minuteMs: base + 4 * minute, count: 2 }],
        capped: false,
      });
    } finally {
      await reader.close();
    }
  });

  it('lists pending replies by instance and the latest config changes', async () => {
    expect(await store.activity.pendingRepliesByInstance(accountA)).toEqual([{ instanceId: instanceA.id, pending: 1 }]);
    expect(await store.activity.pendingRepliesByInstance(accountB)).toEqual([]);
    const latest = await store.activity.latestConfigChanges(accountA, 2);
    expect(latest.map((c) => [c.scope, c.operation, c.integration, c.actorId])).toEqual([
      ['two', 'create', 'zendesk', 'a@x'],
      ['one', 'create', 'zendesk', 'a@x'],
    ]);
    expect(latest[0]!.revision).toBeGreaterThan(latest[1]!.revision);
    expect(latest[0]!.changedAt).toBe(Math.floor((base + 4 * minute) / 1000) + 59);
  });

  it('pages an integration’s events newest first and reads one, for its account only', async () => {
    const integrationId = instanceA.integrationId;
    const all = await store.activity.listEventsBefore(accountA, integrationId, { limit: 100 });
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((x, y) => y - x));
    const first = await store.activity.listEventsBefore(accountA, integrationId, { limit: 1 });
    const second = await store.activity.listEventsBefore(accountA, integrationId, { beforeId: first[0]!.id, limit: 1 });
    expect([...first, ...second].map((e) => e.id)).toEqual(all.slice(0, 2).map((e) => e.id));
    expect(await store.activity.listEventsBefore(accountB, integrationId, { limit: 100 })).toEqual([]);
    const one = await store.activity.getEvent(accountA, integrationId, all[0]!.id);
    expect(one).toEqual(all[0]);
    expect(JSON.parse(one!.dataJson)).toBeTypeOf('object');
    expect(await store.activity.getEvent(accountB, integrationId, all[0]!.id)).toBeUndefined();
  });
});

/** Writes refused: the readers below only read. */
const readOnly = { enqueue: () => Promise.reject(new Error('read-only')) };

/** An activity reader over an opened store's database, reading at most `cap` revisions. */
async function cappedReader(kind: 'sqlite' | 'postgres', url: string) {
  if (kind === 'sqlite') {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    return {
      read: (cap: number) =>
        new SqlActivity(new SqliteRunner(db, readOnly), { configHistory: true, revisionScanCap: cap }),
      close: async () => db.close(),
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const access = {
    rows: async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
      (await pool.query<R>(text, values)).rows,
    result: () => Promise.reject(new Error('read-only')),
    transaction: () => Promise.reject(new Error('read-only')),
  };
  const runner = new PostgresRunner(access, () => Promise.reject(new Error('read-only')));
  return {
    read: (cap: number) => new SqlActivity(runner, { configHistory: true, revisionScanCap: cap }),
    close: () => pool.end(),
  };
}

describe('ActivityStore with config history off', () => {
  it('has no config writes per minute on SQLite', async () => {
    const dir = tempDir();
    const store = await openStore(`sqlite:${dir.path}/off.db`, { configHistory: false });
    try {
      await store.migrate();
      expect(await store.activity.configWritesPerMinute(1, { sinceMs: 0, untilMs: 1 })).toBeUndefined();
    } finally {
      await store.close();
      dir.remove();
    }
  });

  it.runIf(storeKinds.some((k) => k.name === 'postgres'))('has no config writes per minute on PostgreSQL', async () => {
    const schema = await createPostgresSchema();
    const store = await openStore(schema.url, { configHistory: false });
    try {
      await store.migrate();
      expect(await store.activity.configWritesPerMinute(1, { sinceMs: 0, untilMs: 1 })).toBeUndefined();
    } finally {
      await store.close();
      await schema.drop();
    }
  });
});
