import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/channels/outbound/signature.js';
import { loadSettings, type Settings } from '../../src/settings.js';
import { startEventIntegration } from '../helpers/event-integration.js';
import { resource } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const api = '/api/switchboard/v1';
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function testSettings(): Partial<Settings> {
  const settings = loadSettings({});
  return {
    pull: { ...settings.pull, scheduler: false, deactivateAfter: 2, timeoutMs: 2000 },
    events: {
      deliverer: true,
      pollMs: 50,
      batchSize: 100,
      concurrency: 4,
      maxAttempts: 3,
      retryBaseMs: 50,
      maxBackoffMs: 200,
      leaseMs: 5000,
    },
  };
}

describe.each(storeKinds)('event callbacks on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let other: Tenant;
  const integrations: Awaited<ReturnType<typeof startEventIntegration>>[] = [];
  const admin = (method: string, path: string, body?: unknown, as: Tenant = tenant, on = server) =>
    call(on.baseUrl, method, `${api}${path}`, { auth: as.adminAuth, body });

  /** A local integration registered on the server: its id and signing secret. */
  const register = async (options: { events?: boolean } = {}, on = server) => {
    const integration = await startEventIntegration(options);
    integrations.push(integration);
    const registered = await admin(
      'POST',
      '/channel_integrations',
      { manifest_url: integration.manifestUrl },
      tenant,
      on,
    );
    expect(registered.status).toBe(201);
    return {
      integration,
      id: registered.json.integration.id as number,
      secret: registered.json.signing_secret as string,
    };
  };
  const createInstance = async (integrationId: number, metadata: string, on = server) => {
    const created = await admin(
      'POST',
      '/instances',
      { integration_id: integrationId, name: 'Inbox', metadata },
      tenant,
      on,
    );
    expect(created.status).toBe(201);
    return created.json.instance.id as number;
  };

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store, { settings: testSettings() });
    server.app.channelHost.deliverer.start();
    tenant = await createTenant(opened.store, 'acme', []);
    other = await createTenant(opened.store, 'globex', []);
  });
  afterEach(async () => {
    for (const integration of integrations.splice(0)) await integration.close();
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  it('delivers every event the API and the pull loop cause, signed, in order, typed as the vendor schema says', async () => {
    const { integration, id, secret } = await register();
    const instanceId = await createInstance(id, '{"token":"t1"}');
    expect((await admin('POST', `/instances/${instanceId}/deactivate`)).status).toBe(200);
    expect((await admin('POST', `/instances/${instanceId}/activate`)).status).toBe(200);
    integration.answerPulls(() => ({
      body: {
        external_resources: [resource('m1'), resource('m2', { parent_id: 'm1' }), resource('m1')],
      },
    }));
    const pulled = await admin('POST', `/instances/${instanceId}/pull`);
    expect(pulled.status).toBe(200);
    integration.answerPulls(() => ({ status: 500, body: {} }));
    await admin('POST', `/instances/${instanceId}/pull`);
    await admin('POST', `/instances/${instanceId}/pull`);
    expect((await admin('GET', `/instances/${instanceId}`)).json.instance.active).toBe(false);
    expect((await admin('DELETE', `/instances/${instanceId}`)).status).toBe(204);
    expect((await admin('DELETE', `/channel_integrations/${id}`)).status).toBe(204);

    const events = await integration.waitFor((got) => got.some((event) => event.type_id === 'destroy_integration'));
    expect(events.map((event) => event.type_id)).toEqual([
      'create_integration',
      'create_integration_instance',
      'deactivate_integration_instance',
      'activate_integration_instance',
      'resources_created_from_external_ids',
      'pull_request',
      'deactivate_integration_instance',
      'destroy_integration_instance',
      'destroy_integration',
    ]);
    // In order, each once.
    const ids = events.map((event) => Number(event.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const delivery of integration.deliveries) {
      expect(delivery.headers['content-type']).toBe('application/json');
      const signature = delivery.headers['x-switchboard-signature'] as string;
      expect(verifySignature(secret, delivery.raw, signature, Math.floor(Date.now() / 1000))).toBe(true);
    }
    for (const event of events) {
      expect(event).toMatchObject({
        id: expect.any(String),
        subdomain: 'acme',
        integration_name: 'Event Channel',
        integration_id: String(id),
        data: expect.any(Object),
      });
      expect(event.timestamp).toMatch(rfc3339);
    }
    const [
      created,
      instanceCreated,
      deactivatedByApi,
      activated,
      resources,
      duplicates,
      deactivatedByError,
      destroyed,
    ] = events;
    expect(created!.data).toEqual({ manifest_url: integration.manifestUrl });
    expect(created!.error).toBeUndefined();
    // Metadata is read when sent: by then the instance is gone, so it is "".
    expect(instanceCreated!.data).toEqual({ metadata: expect.any(String) });
    expect(deactivatedByApi!.data).toMatchObject({ deactivated_by: 'api' });
    expect(activated!.data).toEqual({ metadata: expect.any(String) });
    const threads = resources!.data.resource_events as Record<string, unknown>[];
    expect(resources!.data.request_id).toBe(String(pulled.json.pull.id));
    expect(threads.map((event) => [event.type_id, event.external_id])).toEqual([
      ['comment_on_new_ticket', 'm1'],
      ['comment_on_existing_ticket', 'm2'],
    ]);
    for (const event of threads) {
      expect(typeof event.ticket_id).toBe('number');
      expect(typeof event.comment_id).toBe('number');
    }
    expect(threads[1]!.ticket_id).toBe(threads[0]!.ticket_id);
    expect(duplicates!.data).toEqual({
      integration_instance_name: 'Inbox',
      url: `${integration.base}/pull`,
      request_id: String(pulled.json.pull.id),
      duplicate_external_ids: [
        {
          external_id: 'm1',
          request_id: String(pulled.json.pull.id),
          ticket_id: threads[0]!.ticket_id,
          comment_id: threads[0]!.comment_id,
        },
      ],
    });
    expect(deactivatedByError!.data).toMatchObject({
      deactivated_by: 'error',
      deactivating_error: expect.stringMatching(/HTTP 500/),
    });
    expect(deactivatedByError!.error).toMatch(/HTTP 500/);
    expect(destroyed!.data).toEqual({ metadata: '' });
  });

  it('sends the instance metadata as it is when the batch goes out', async () => {
    const { integration, id } = await register();
    const instanceId = await createInstance(id, '{"token":"t1"}');
    await integration.waitFor((got) => got.some((event) => event.type_id === 'create_integration_instance'));
    expect(integration.received().find((event) => event.type_id === 'create_integration_instance')!.data).toEqual({
      metadata: '{"token":"t1"}',
    });
    await admin('POST', `/instances/${instanceId}/deactivate`);
    const events = await integration.waitFor((got) => got.length === 3);
    expect(events[2]!.data).toEqual({ metadata: '{"token":"t1"}', deactivated_by: 'api' });
  });

  it('retries after the integration answers 500, then delivers the same ids', async () => {
    const { integration, id } = await register();
    // The first batch answered after this point gets the 500, whichever events it holds (the
    // integration's own event may have gone out already, or share a batch with the instance's).
    let failed: (typeof integration.deliveries)[number] | undefined;
    integration.answerEvents((delivery) => {
      if (failed !== undefined) return { status: 200 };
      failed = delivery;
      return { status: 500 };
    });
    await createInstance(id, '');
    const afterFailed = () => (failed ? integration.deliveries.slice(integration.deliveries.indexOf(failed) + 1) : []);
    await integration.waitFor(() =>
      afterFailed().some((delivery) =>
        delivery.events.some((event) => event.type_id === 'create_integration_instance'),
      ),
    );
    const [first, second] = [failed, afterFailed()[0]];
    expect(second!.events.slice(0, first!.events.length).map((event) => event.id)).toEqual(
      first!.events.map((event) => event.id),
    );
    // The answer reaches the integration a moment before the outcome is recorded.
    const deadline = Date.now() + 5000;
    let created: Record<string, unknown> | undefined;
    while (created?.status !== 'delivered' && Date.now() < deadline) {
      const listed = await admin('GET', `/channel_integrations/${id}/events`);
      expect(listed.status).toBe(200);
      // The first event of the batch that was answered 500, now delivered on its second attempt.
      created = listed.json.events.find((event: { id: number }) => event.id === first!.events[0]!.id);
    }
    // The last error stays on record after a later attempt succeeds.
    expect(created).toMatchObject({ status: 'delivered', attempts: 2, last_error: expect.stringMatching(/HTTP 500/) });
    expect(created!.delivered_at).toMatch(rfc3339);
  });

  it('marks events failed after the last attempt, with the reason; newest first, with a limit', async () => {
    const { integration, id } = await register();
    integration.answerEvents(() => ({ status: 503 }));
    await createInstance(id, '');
    const deadline = Date.now() + 10_000;
    let listed = await admin('GET', `/channel_integrations/${id}/events`);
    while (listed.json.events.some((event: { status: string }) => event.status !== 'failed') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      listed = await admin('GET', `/channel_integrations/${id}/events`);
    }
    expect(listed.json.events.map((event: { type_id: string }) => event.type_id)).toEqual([
      'create_integration_instance',
      'create_integration',
    ]);
    for (const event of listed.json.events) {
      expect(event).toMatchObject({ status: 'failed', attempts: 3, last_error: expect.stringMatching(/HTTP 503/) });
      expect(event.last_attempt_at).toMatch(rfc3339);
    }
    const limited = await admin('GET', `/channel_integrations/${id}/events?limit=1`);
    expect(limited.json.events.map((event: { type_id: string }) => event.type_id)).toEqual([
      'create_integration_instance',
    ]);
  });

  it('sends nothing for an integration without event_callback_url', async () => {
    const { integration, id } = await register({ events: false });
    await createInstance(id, '');
    const control = await register();
    await control.integration.waitFor((got) => got.length === 1);
    expect(integration.deliveries).toEqual([]);
    expect((await admin('GET', `/channel_integrations/${id}/events`)).json.events).toEqual([]);
  });

  it('delivers after a restart what was enqueued while no deliverer ran', async () => {
    const second = await kind.open();
    const settings = testSettings();
    let first: TestServer | undefined = await startServer(second.store, { settings });
    let next: TestServer | undefined;
    try {
      await createTenant(second.store, 'acme', []);
      const acme = await createTenant(second.store, 'initech', []);
      const integration = await startEventIntegration();
      integrations.push(integration);
      const registered = await call(first.baseUrl, 'POST', `${api}/channel_integrations`, {
        auth: acme.adminAuth,
        body: { manifest_url: integration.manifestUrl },
      });
      expect(registered.status).toBe(201);
      await first.close();
      first = undefined;
      expect(integration.deliveries).toEqual([]);
      next = await startServer(second.store, { settings });
      next.app.channelHost.deliverer.start();
      const [event] = await integration.waitFor((got) => got.length === 1);
      expect(event).toMatchObject({ type_id: 'create_integration', subdomain: 'initech' });
    } finally {
      await first?.close();
      await next?.close();
      await second.cleanup();
    }
  });

  it('answers 404 for an unknown or another tenant’s integration, and 400 for a bad limit', async () => {
    const { id } = await register();
    expect((await admin('GET', `/channel_integrations/${id}/events`)).status).toBe(200);
    const foreign = await admin('GET', `/channel_integrations/${id}/events`, undefined, other);
    expect(foreign.status).toBe(404);
    expect(foreign.json.errors[0].detail).toMatch(new RegExp(`No channel integration ${id}`));
    expect((await admin('GET', '/channel_integrations/999999/events')).status).toBe(404);
    const badLimit = await admin('GET', `/channel_integrations/${id}/events?limit=0`);
    expect(badLimit.status).toBe(400);
    expect(badLimit.json.errors[0].detail).toMatch(/limit/);
    expect((await admin('GET', `/channel_integrations/abc/events`)).status).toBe(400);
    const anonymous = await call(server.baseUrl, 'GET', `${api}/channel_integrations/${id}/events`);
    expect(anonymous.status).toBe(401);
  });
});
