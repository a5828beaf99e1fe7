import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, type Settings } from '../../src/settings.js';
import { startEventIntegration } from '../helpers/event-integration.js';
import { resource } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const api = '/api/switchboard/v1';
const pushPath = '/api/v2/any_channel/push';

function testSettings(): Partial<Settings> {
  const settings = loadSettings({});
  return {
    pull: { ...settings.pull, scheduler: false, timeoutMs: 2000 },
    // One try: a failed channelback is final at once.
    channelback: { ...settings.channelback, attempts: 1 },
    events: { ...settings.events, deliverer: true, pollMs: 50, retryBaseMs: 50, maxBackoffMs: 200 },
  };
}

/**
 * The events a push and a sent channelback cause, enqueued with the change and delivered to
 * a real local integration: `resources_created_from_external_ids` shaped like a pull's, and
 * `channelback`. Failed pushes and replies, and integrations without event_callback_url, get none.
 */
describe.each(storeKinds)('push and channelback events on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  const integrations: Awaited<ReturnType<typeof startEventIntegration>>[] = [];
  const admin = (method: string, path: string, body?: unknown) =>
    call(server.baseUrl, method, `${api}${path}`, { auth: tenant.adminAuth, body });

  /** A registered local integration and one instance of it, with its push credentials. */
  const setUp = async (options: { events?: boolean } = {}) => {
    const integration = await startEventIntegration({ ...options, channelback: true });
    integrations.push(integration);
    const registered = await admin('POST', '/channel_integrations', { manifest_url: integration.manifestUrl });
    expect(registered.status).toBe(201);
    const integrationId: number = registered.json.integration.id;
    const created = await admin('POST', '/instances', { integration_id: integrationId, name: 'Inbox' });
    expect(created.status).toBe(201);
    const instanceId: number = created.json.instance.id;
    const push = (body: Record<string, unknown>) =>
      call(server.baseUrl, 'POST', pushPath, {
        token: created.json.zendesk_access_token,
        body: { instance_push_id: created.json.instance.instance_push_id, ...body },
      });
    /** The integration's outbox, oldest first: written in the change's transaction, so no wait. */
    const outbox = async () =>
      ((await admin('GET', `/channel_integrations/${integrationId}/events`)).json.events as Record<string, any>[])
        .reverse()
        .map((event) => ({ type_id: event.type_id as string, data: event.data }));
    /** Every stored resource: external id → its id and thread. */
    const stored = async () => {
      const byExternalId = new Map<string, { id: number; thread: number }>();
      for (const thread of (await admin('GET', `/instances/${instanceId}/threads`)).json.threads) {
        const listed = await admin('GET', `/instances/${instanceId}/threads/${thread.id}/resources`);
        for (const r of listed.json.resources) byExternalId.set(r.external_id, { id: r.id, thread: thread.id });
      }
      return byExternalId;
    };
    return { integration, integrationId, instanceId, push, outbox, stored };
  };
  const created = <E extends Record<string, any>>(events: E[]) =>
    events.filter((event) => event.type_id === 'resources_created_from_external_ids');

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store, { settings: testSettings() });
    server.app.channelHost.deliverer.start();
    tenant = await createTenant(opened.store, 'acme', []);
  });
  afterEach(async () => {
    for (const integration of integrations.splice(0)) await integration.close();
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  it('a push that stores resources sends resources_created_from_external_ids, shaped like a pull’s', async () => {
    const { integration, push, stored } = await setUp();
    const pushed = await push({
      request_id: 'req-1',
      external_resources: [
        resource('m1'),
        resource('m2', { parent_id: 'm1' }),
        resource('m1'),
        resource('t1', { thread_id: 'conversation-1' }),
      ],
    });
    expect(pushed.status).toBe(200);
    const events = await integration.waitFor((got) => created(got).length === 1);
    const ids = await stored();
    const event = created(events)[0]!;
    expect(event).toMatchObject({ subdomain: 'acme', integration_name: 'Event Channel' });
    expect(event.data).toEqual({
      request_id: 'req-1',
      resource_events: [
        {
          type_id: 'comment_on_new_ticket',
          external_id: 'm1',
          comment_id: ids.get('m1')!.id,
          ticket_id: ids.get('m1')!.thread,
        },
        {
          type_id: 'comment_on_existing_ticket',
          external_id: 'm2',
          comment_id: ids.get('m2')!.id,
          ticket_id: ids.get('m1')!.thread,
        },
        {
          type_id: 'comment_on_new_ticket',
          external_id: 't1',
          comment_id: ids.get('t1')!.id,
          ticket_id: ids.get('t1')!.thread,
        },
      ],
    });

    // Without a request_id, one is made up; a resource joining a thread is on an existing ticket.
    expect((await push({ external_resources: [resource('t2', { thread_id: 'conversation-1' })] })).status).toBe(200);
    const later = created(await integration.waitFor((got) => created(got).length === 2))[1]!;
    const t2 = (await stored()).get('t2')!;
    expect(later.data).toEqual({
      request_id: expect.stringMatching(/\S/),
      resource_events: [
        {
          type_id: 'comment_on_existing_ticket',
          external_id: 't2',
          comment_id: t2.id,
          ticket_id: ids.get('t1')!.thread,
        },
      ],
    });
    expect(later.data.request_id).not.toBe('req-1');
  });

  it('a push that stores nothing enqueues nothing', async () => {
    const { instanceId, push, outbox } = await setUp();
    expect((await push({ request_id: 'r-1', external_resources: [resource('a1')] })).status).toBe(200);
    const before = await outbox();
    expect(created(before)).toHaveLength(1);
    // Already imported, refused resources, an unknown parent, a replayed request_id.
    const answers = [
      await push({ external_resources: [resource('a1')] }),
      await push({ external_resources: [resource('a2', { message: '' })] }),
      await push({ external_resources: [resource('a3', { parent_id: 'ghost' })] }),
      await push({ request_id: 'r-1', external_resources: [resource('a1')] }),
    ];
    expect(answers.map((answer) => answer.json.results[0].status.code)).toEqual([
      'already_imported',
      'processing_error',
      'could_not_locate_parent_external_resource',
      'success',
    ]);
    // The request_id reused with another body: refused (409).
    expect((await push({ request_id: 'r-1', external_resources: [resource('a4')] })).status).toBe(409);
    // Refused as a whole: a wrong token, a deactivated instance.
    const wrong = await call(server.baseUrl, 'POST', pushPath, {
      token: 'not-the-token',
      body: { instance_push_id: 'x', external_resources: [resource('a5')] },
    });
    expect(wrong.status).toBe(401);
    expect((await admin('POST', `/instances/${instanceId}/deactivate`)).status).toBe(200);
    expect((await push({ external_resources: [resource('a6')] })).status).toBe(403);
    const after = await outbox();
    expect(created(after)).toEqual(created(before));
  });

  it('a sent channelback sends channelback and external_id_associated_with_channelback', async () => {
    const { integration, instanceId, push, stored } = await setUp();
    expect((await push({ external_resources: [resource('c1')] })).status).toBe(200);
    const thread = (await stored()).get('c1')!.thread;
    integration.answerChannelbacks(() => ({ body: { external_id: 'sent-1' } }));
    const reply = await admin('POST', `/instances/${instanceId}/threads/${thread}/replies`, { message: 'Hello' });
    expect(reply.status).toBe(202);
    const rui: string = reply.json.reply.request_unique_identifier;
    expect(await server.app.channelHost.replySender.sendDue()).toBe(1);

    const events = await integration.waitFor((got) => got.some((event) => event.type_id === 'channelback'));
    const sent = await integration.waitFor((got) => created(got).length === 2);
    const reference = (await stored()).get('sent-1')!;
    expect(events.find((event) => event.type_id === 'channelback')!.data).toEqual({
      integration_instance_name: 'Inbox',
      url: `${integration.base}/channelback`,
      request_id: rui,
    });
    expect(created(sent)[1]!.data).toEqual({
      request_id: rui,
      resource_events: [
        {
          type_id: 'external_id_associated_with_channelback',
          external_id: 'sent-1',
          comment_id: reference.id,
          ticket_id: thread,
        },
      ],
    });
    // The channelback event comes first, with the resource event right after it.
    expect(sent.map((event) => event.type_id).slice(-2)).toEqual([
      'channelback',
      'resources_created_from_external_ids',
    ]);
  });

  it('a failed channelback enqueues nothing', async () => {
    const { integration, instanceId, push, stored, outbox } = await setUp();
    expect((await push({ external_resources: [resource('f1')] })).status).toBe(200);
    const thread = (await stored()).get('f1')!.thread;
    const before = await outbox();
    integration.answerChannelbacks(() => ({ status: 500, body: {} }));
    await admin('POST', `/instances/${instanceId}/threads/${thread}/replies`, { message: 'Hello' });
    expect(await server.app.channelHost.replySender.sendDue()).toBe(1);
    const replies = await admin('GET', `/instances/${instanceId}/threads/${thread}/replies`);
    expect(replies.json.replies.map((r: { status: string }) => r.status)).toEqual(['failed']);
    expect(await outbox()).toEqual(before);
  });

  it('an integration without event_callback_url gets no push or channelback events', async () => {
    const { integration, integrationId, instanceId, push, stored } = await setUp({ events: false });
    expect((await push({ external_resources: [resource('n1')] })).status).toBe(200);
    const thread = (await stored()).get('n1')!.thread;
    await admin('POST', `/instances/${instanceId}/threads/${thread}/replies`, { message: 'Hello' });
    expect(await server.app.channelHost.replySender.sendDue()).toBe(1);
    expect((await stored()).has('reply-1')).toBe(true);
    expect((await admin('GET', `/channel_integrations/${integrationId}/events`)).json.events).toEqual([]);
    expect(integration.deliveries).toEqual([]);
  });
});
