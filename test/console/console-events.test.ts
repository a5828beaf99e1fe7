import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { call, createTenant, openTempSqlite, startServer, type Tenant, type TestServer } from '../helpers/server.js';

const manifestJson = JSON.stringify({
  name: 'Chat',
  id: 'com.example.chat',
  urls: {
    admin_ui: { href: 'https://chat.example/admin', scheme: 'https', written: './admin' },
    event_callback_url: { href: 'https://chat.example/events', scheme: 'https', written: './events' },
  },
});

/** An integration's event deliveries in the console: 50 a page, newest first, each event's payload on its own page. */
describe('console event deliveries', () => {
  let server: TestServer;
  let tenant: Tenant;
  let other: Tenant;
  let cleanup: () => Promise<void>;
  let integrationId: number;

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['zendesk']);
    other = await createTenant(opened.store, 'globex', ['zendesk']);
    const now = systemClock().getTime();
    const integration = await opened.store.channels.createIntegration({
      accountId: tenant.accountId,
      remoteId: 'com.example.chat',
      name: 'Chat',
      manifestUrl: 'https://chat.example/manifest.json',
      manifestJson,
      nowMs: now,
    });
    integrationId = integration.id;
    // Each new instance causes a create_integration_instance event: 60 of them, and the integration's own.
    for (let i = 1; i <= 60; i++) {
      await opened.store.channels.createInstance({
        accountId: tenant.accountId,
        integrationId,
        name: `Inbox ${i}`,
        metadata: '',
        state: '',
        instancePushId: `push-${i}`,
        pushTokenHash: `h${i}`,
        nowMs: now,
      });
    }
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  const get = (url: string, who: Tenant = tenant) =>
    server.app.inject({ method: 'GET', url, headers: { authorization: who.adminAuth } } as InjectOptions);
  const ids = (html: string) => [...html.matchAll(/<tr data-event-id="(\d+)">/g)].map((m) => Number(m[1]));

  it('pages the events 50 at a time, newest first, with links to older and newest', async () => {
    const first = await get(`/console/channel_integrations/${integrationId}/events`);
    expect(first.statusCode).toBe(200);
    const page1 = ids(first.body);
    expect(page1).toHaveLength(50);
    expect(page1).toEqual([...page1].sort((a, b) => b - a));
    expect(first.body).not.toContain('Newest events');
    const older = /href="([^"]*\/events\?before=\d+)">Older events/.exec(first.body)![1]!;
    expect(older).toBe(`/console/channel_integrations/${integrationId}/events?before=${page1.at(-1)}`);
    const second = await get(older);
    const page2 = ids(second.body);
    expect(page2.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...page2)).toBeLessThan(Math.min(...page1));
    expect(second.body).toContain('>Newest events</a>');
    expect(second.body).not.toContain('Older events');
  });

  it('shows one event with its payload, and not another account’s', async () => {
    const list = await get(`/console/channel_integrations/${integrationId}/events`);
    const newest = ids(list.body)[0]!;
    expect(list.body).toContain(`href="/console/channel_integrations/${integrationId}/events/${newest}"`);
    const shown = await get(`/console/channel_integrations/${integrationId}/events/${newest}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('<code>create_integration_instance</code>');
    const payload = /<pre data-event-payload>([\s\S]*?)<\/pre>/.exec(shown.body)![1]!.replaceAll('&quot;', '"');
    // The same data the API lists for the event.
    const api = await call(server.baseUrl, 'GET', `/api/switchboard/v1/channel_integrations/${integrationId}/events`, {
      auth: tenant.adminAuth,
    });
    const listed = api.json.events.find((e: { id: string }) => e.id === String(newest));
    expect(listed.type_id).toBe('create_integration_instance');
    expect(JSON.parse(payload)).toEqual(listed.data);
    expect(payload).toBe(JSON.stringify(listed.data, null, 2));
    expect((await get(`/console/channel_integrations/${integrationId}/events/${newest}`, other)).statusCode).toBe(404);
    expect((await get(`/console/channel_integrations/${integrationId}/events/999999`)).statusCode).toBe(404);
    expect((await get(`/console/channel_integrations/${integrationId}/events/abc`)).statusCode).toBe(404);
  });
});
