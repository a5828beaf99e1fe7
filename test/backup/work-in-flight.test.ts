import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, type Settings } from '../../src/settings.js';
import { startEventIntegration } from '../helpers/event-integration.js';
import { resource } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, tempDir, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore, type StoreKind } from '../helpers/stores.js';
import { exportWithCli, importWithCli } from './backup-fixture.js';

// Backup format 5 restores the work in flight: a system restored from a backup sends every
// reply and event that was pending, once, sends nothing already delivered, answers a
// repeated push request_id and a repeated reply Idempotency-Key as before, and never hands
// out an event id again. Run both ways between the two stores, the export under live traffic.

const api = '/api/switchboard/v1';
const sqlite = storeKinds[0]!;
const postgres = storeKinds[1];

function testSettings(): Partial<Settings> {
  const settings = loadSettings({});
  return {
    pull: { ...settings.pull, scheduler: false },
    // Driven by hand below (sendDue, tick), so what is pending at export is known.
    channelback: { ...settings.channelback, sender: false, attempts: 5, backoffMs: 60_000, maxBackoffMs: 60_000 },
    // A failed delivery waits a minute: what failed before the export is still pending in it.
    events: { ...settings.events, pollMs: 50, maxAttempts: 5, retryBaseMs: 60_000, maxBackoffMs: 60_000 },
  };
}

interface Line {
  type: string;
  [field: string]: any;
}
const linesOf = (file: string): Line[] =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Line);
const body = (file: string) => {
  const text = readFileSync(file, 'utf8');
  return text.slice(text.indexOf('\n'));
};

const until = async (test: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

// Without PostgreSQL (the stores helper says so once), SQLite to SQLite still runs.
const directions: [string, StoreKind, StoreKind][] = postgres
  ? [
      ['sqlite', sqlite, postgres],
      ['postgres', postgres, sqlite],
    ]
  : [['sqlite', sqlite, sqlite]];

describe.each(directions)('work in flight: a backup from %s, restored', (_, from, to) => {
  const dir = tempDir();
  const files = { first: join(dir.path, 'first.jsonl'), again: join(dir.path, 'again.jsonl') };
  let source: OpenedStore;
  let target: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let integration: Awaited<ReturnType<typeof startEventIntegration>>;
  let integrationId: number;
  let instance: { id: number; pushId: string; token: string };
  let threadId: number;
  let lines: Line[];
  const replies: Record<string, { id: number; request_unique_identifier: string }> = {};

  const admin = (method: string, path: string, payload?: unknown, headers?: Record<string, string>) =>
    call(server.baseUrl, method, `${api}${path}`, { auth: tenant.adminAuth, body: payload, headers });
  const push = (requestId: string, externalIds: string[]) =>
    call(server.baseUrl, 'POST', '/api/v2/any_channel/push', {
      token: instance.token,
      body: {
        instance_push_id: instance.pushId,
        request_id: requestId,
        external_resources: externalIds.map((id) => resource(id, { thread_id: 'chat' })),
      },
    });
  const reply = async (name: string, key?: string) => {
    const answer = await admin(
      'POST',
      `/instances/${instance.id}/threads/${threadId}/replies`,
      { message: `reply ${name}` },
      key ? { 'idempotency-key': key } : undefined,
    );
    expect(answer.status, answer.text).toBe(202);
    replies[name] = answer.json.reply;
  };
  const eventsOf = async () =>
    (await admin('GET', `/channel_integrations/${integrationId}/events?limit=1000`)).json.events as {
      id: number;
      status: string;
      attempts: number;
    }[];

  beforeAll(async () => {
    source = await from.open();
    server = await startServer(source.store, { settings: testSettings() });
    tenant = await createTenant(source.store, 'acme', ['sync']);
    integration = await startEventIntegration({ channelback: true });
    const registered = await admin('POST', '/channel_integrations', { manifest_url: integration.manifestUrl });
    integrationId = registered.json.integration.id;
    const created = await admin('POST', '/instances', { integration_id: integrationId, name: 'Inbox' });
    instance = {
      id: created.json.instance.id,
      pushId: created.json.instance.instance_push_id,
      token: created.json.zendesk_access_token,
    };
    expect((await push('req-1', ['m1', 'm2'])).status).toBe(200);
    threadId = (await admin('GET', `/instances/${instance.id}/threads`)).json.threads[0].id;

    // Delivered: the events so far, and reply A.
    server.app.channelHost.deliverer.start();
    await until(async () => (await eventsOf()).every((event) => event.status === 'delivered'), 'deliveries');
    await reply('A', 'key-a');
    expect(await server.app.channelHost.replySender.sendDue()).toBe(1);

    // Pending: the integration fails for a while, so replies B and C and the events wait,
    // some after a failed attempt, some never tried.
    integration.answerEvents(() => ({ status: 500 }));
    integration.answerChannelbacks(() => ({ status: 500, body: {} }));
    await reply('B', 'key-b');
    await reply('C');
    expect(await server.app.channelHost.replySender.sendDue()).toBe(2);
    expect((await admin('POST', `/instances/${instance.id}/deactivate`)).status).toBe(200);
    await until(
      async () => (await eventsOf()).some((event) => event.status === 'pending' && event.attempts > 0),
      'a failed delivery',
    );
    expect((await admin('POST', `/instances/${instance.id}/activate`)).status).toBe(200);
    expect((await push('req-2', ['m3'])).status).toBe(200);

    // Export under live traffic: configs and pushes keep arriving meanwhile.
    let traffic = true;
    let writes = 0;
    const configs = '/api/services/zis/integrations/sync/configs';
    const writer = (async () => {
      while (traffic) {
        const i = writes++;
        const answer = await call(server.baseUrl, 'POST', configs, {
          token: tenant.tokens.sync,
          body: { scope: `live-${i}`, config: { i } },
        });
        expect(answer.status).toBe(201);
        if (i % 5 === 0) await push(`live-${i}`, [`live-${i}`]);
      }
    })();
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await exportWithCli(source.url, files.first);
    } finally {
      traffic = false;
      await writer;
    }
    expect(writes).toBeGreaterThan(0);
    await server.close();

    target = await to.open();
    await importWithCli(target.url, files.first);
    await exportWithCli(target.url, files.again);
    lines = linesOf(files.first);
  });
  afterAll(async () => {
    await server?.close();
    await integration?.close();
    await source?.cleanup();
    await target?.cleanup();
    dir.remove();
  });

  it('holds replies, events and push records, and exports again exactly as imported', () => {
    expect(lines[0]).toMatchObject({ type: 'switchboard-backup', format: 5, source: from.name });
    const ofType = (type: string) => lines.filter((line) => line.type === type);
    expect(ofType('reply').map((line) => [line.status, line.attempts, line.idempotency_key])).toEqual([
      ['sent', 1, 'key-a'],
      ['pending', 1, 'key-b'],
      ['pending', 1, null],
    ]);
    const statuses = new Set(ofType('event').map((line) => line.status));
    expect(statuses).toEqual(new Set(['delivered', 'pending']));
    expect(ofType('push_request').map((line) => line.request_id)).toEqual(
      expect.arrayContaining(['req-1', 'req-2', 'live-0']),
    );
    expect(lines.find((line) => line.type === 'sequence' && line.record_type === 'event')).toBeDefined();
    expect(lines.find((line) => line.type === 'sequence' && line.record_type === 'reply')).toBeDefined();
    expect(JSON.stringify(lines)).not.toContain('lease');
    expect(body(files.again)).toBe(body(files.first));
  });

  it('sends every pending reply and event once after the restore, nothing delivered, and new ids past the old', async () => {
    const events = lines.filter((line) => line.type === 'event');
    const pendingEvents = events.filter((line) => line.status === 'pending').map((line) => line.id as number);
    const deliveredEvents = events.filter((line) => line.status === 'delivered').map((line) => line.id as number);
    const lastEventId = lines.find((line) => line.type === 'sequence' && line.record_type === 'event')!.last_id;
    expect(pendingEvents.length).toBeGreaterThan(0);
    expect(deliveredEvents.length).toBeGreaterThan(0);

    integration.answerEvents(() => ({ status: 200 }));
    integration.answerChannelbacks(() => ({ body: { external_id: 'restored' } }));
    const eventsBefore = integration.received().length;
    const channelbacksBefore = integration.channelbacks.length;
    // Restored two minutes on: the replies' retries (a minute after their failed try) are due.
    server = await startServer(target.store, {
      settings: testSettings(),
      clock: () => new Date(Date.now() + 120_000),
    });
    const received = () => integration.received().slice(eventsBefore);
    const deliver = async () => {
      await until(async () => (await eventsOf()).every((event) => event.status !== 'pending'), 'every event delivered');
    };
    // First with nothing new happening: the restored pending events go out on their own
    // (each integration's delivery is due at once, unleased), each once, in order, and
    // nothing delivered before.
    server.app.channelHost.deliverer.start();
    await deliver();
    expect(received().map((event) => Number(event.id))).toEqual(pendingEvents);

    // Leases are not restored: every pending reply is claimable at once, and sent once.
    expect(await server.app.channelHost.replySender.sendDue()).toBe(2);
    expect(await server.app.channelHost.replySender.sendDue()).toBe(0);
    const sent = integration.channelbacks.slice(channelbacksBefore).map((form) => form.request_unique_identifier);
    expect(sent.sort()).toEqual([replies.B!.request_unique_identifier, replies.C!.request_unique_identifier].sort());

    await deliver();
    const ids = received().map((event) => Number(event.id));
    // The rest are new (the two replies' channelback events, and their resources'), with
    // ids past every id the old system handed out.
    expect(ids.filter((id) => id <= lastEventId)).toEqual(pendingEvents);
    expect(ids.filter((id) => deliveredEvents.includes(id))).toEqual([]);
    const fresh = ids.filter((id) => id > lastEventId);
    const freshTypes = received()
      .filter((event) => Number(event.id) > lastEventId)
      .map((event) => event.type_id as string);
    expect(freshTypes.filter((type) => type === 'channelback')).toHaveLength(2);
    expect(freshTypes.every((type) => ['channelback', 'resources_created_from_external_ids'].includes(type))).toBe(
      true,
    );

    expect((await admin('POST', `/instances/${instance.id}/deactivate`)).status).toBe(200);
    expect((await admin('POST', `/instances/${instance.id}/activate`)).status).toBe(200);
    await until(() => received().at(-1)?.type_id === 'activate_integration_instance', 'the new events');
    await deliver();
    const activated = received().at(-2)!;
    expect(activated.type_id).toBe('deactivate_integration_instance');
    expect(Number(activated.id)).toBeGreaterThan(Math.max(...fresh));
  });

  it('answers a repeated push request_id and a repeated Idempotency-Key as before the restore', async () => {
    const resourcesBefore = (await admin('GET', `/instances/${instance.id}/threads/${threadId}/resources`)).json
      .resources.length;
    // The same body replays (the body hash came through the backup); another body is refused.
    const repeated = await push('req-1', ['m1', 'm2']);
    expect(repeated.status).toBe(200);
    expect(repeated.json.results).toHaveLength(2);
    expect((await push('req-1', ['m1', 'other'])).status).toBe(409);
    const after = (await admin('GET', `/instances/${instance.id}/threads/${threadId}/resources`)).json.resources;
    expect(after.length).toBe(resourcesBefore);

    const again = await admin(
      'POST',
      `/instances/${instance.id}/threads/${threadId}/replies`,
      { message: 'reply B' },
      { 'idempotency-key': 'key-b' },
    );
    expect(again.status).toBe(202);
    expect(again.json.reply).toMatchObject({ id: replies.B!.id, status: 'pending', attempts: 0 });
    expect(await server.app.channelHost.replySender.sendDue()).toBe(0);
  });
});
