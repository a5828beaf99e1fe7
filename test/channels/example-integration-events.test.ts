import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleIntegration } from '../../examples/channel-integration/server.js';
import { loadSettings } from '../../src/settings.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const api = '/api/switchboard/v1';

async function until(test: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(storeKinds)('the example integration’s event log on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let example: Awaited<ReturnType<typeof startExampleIntegration>>;

  beforeAll(async () => {
    opened = await kind.open();
    const settings = loadSettings({});
    server = await startServer(opened.store, {
      settings: { pull: { ...settings.pull, scheduler: false }, events: { ...settings.events, pollMs: 50 } },
    });
    server.app.channelHost.deliverer.start();
    tenant = await createTenant(opened.store, 'acme', []);
    example = await startExampleIntegration({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await example.close();
    await opened.cleanup();
  });

  it('receives signed events at its event_callback_url and logs each type once', async () => {
    const registered = await call(server.baseUrl, 'POST', `${api}/channel_integrations`, {
      auth: tenant.adminAuth,
      body: { manifest_url: `${example.url}/manifest.json` },
    });
    expect(registered.status).toBe(201);
    expect(registered.json.integration.manifest.urls.event_callback_url.href).toBe(`${example.url}/events`);
    await until(() => example.eventLog.length === 1);
    // From now on unsigned or wrongly signed deliveries are refused.
    example.setSigningSecret(registered.json.signing_secret);
    const created = await call(server.baseUrl, 'POST', `${api}/instances`, {
      auth: tenant.adminAuth,
      body: { integration_id: registered.json.integration.id, name: 'Example', metadata: '{"messages_per_pull":2}' },
    });
    expect(created.status).toBe(201);
    const pulled = await call(server.baseUrl, 'POST', `${api}/instances/${created.json.instance.id}/pull`, {
      auth: tenant.adminAuth,
    });
    expect(pulled.json.pull.outcome).toBe('ok');
    await until(() => example.eventLog.length === 3);
    expect(example.eventLog.map((event) => event.type_id)).toEqual([
      'create_integration',
      'create_integration_instance',
      'resources_created_from_external_ids',
    ]);
    const events = await call(
      server.baseUrl,
      'GET',
      `${api}/channel_integrations/${registered.json.integration.id}/events`,
      {
        auth: tenant.adminAuth,
      },
    );
    expect(events.json.events.map((event: { id: string }) => event.id)).toEqual(
      example.eventLog.map((event) => event.id).reverse(),
    );

    const forged = await fetch(`${example.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchboard-signature': 't=1,v1=00' },
      body: JSON.stringify({ events: [{ id: 'forged', type_id: 'destroy_integration' }] }),
    });
    expect(forged.status).toBe(401);
    expect(example.eventLog.map((event) => event.id)).not.toContain('forged');
  });
});
