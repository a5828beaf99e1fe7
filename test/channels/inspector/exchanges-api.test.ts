import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../../src/settings.js';
import { channelbackManifest, startChannelbackIntegration } from '../../helpers/channelback-integration.js';
import { resource } from '../../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../../helpers/server.js';
import { storeKinds, type OpenedStore } from '../../helpers/stores.js';

const api = '/api/switchboard/v1';

// The inspector end to end: real pulls, a channelback and an event batch against a real
// loopback integration, read back through the API, redacted unless revealed.
describe.each(storeKinds)('the inspector API on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let other: Tenant;
  let integration: Awaited<ReturnType<typeof startChannelbackIntegration>>;
  let instanceId: number;
  const settings = loadSettings({});
  const admin = (method: string, path: string, body?: unknown, as: Tenant = tenant) =>
    call(server.baseUrl, method, `${api}${path}`, { auth: as.adminAuth, body });

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store, {
      settings: {
        pull: { ...settings.pull, scheduler: false, timeoutMs: 2000 },
        channelback: { ...settings.channelback, attempts: 1 },
        inspector: loadSettings({ SWITCHBOARD_MODE: 'development' }).inspector,
      },
    });
    tenant = await createTenant(opened.store, 'acme', []);
    other = await createTenant(opened.store, 'globex', []);
    // event_callback_url answers 404: the batch fails, with a finding.
    integration = await startChannelbackIntegration(channelbackManifest({ urls: { event_callback_url: './events' } }));
    const registered = await admin('POST', '/channel_integrations', { manifest_url: integration.manifestUrl });
    expect(registered.status).toBe(201);
    const created = await admin('POST', '/instances', {
      integration_id: registered.json.integration.id,
      name: 'Inspected',
      metadata: '{"token":"meta-secret-1"}',
      state: 'state-secret-1',
    });
    expect(created.status).toBe(201);
    instanceId = created.json.instance.id;
  });
  afterAll(async () => {
    await server?.close();
    await integration?.close();
    await opened?.cleanup();
  });

  it('records a good pull, a refused pull, a channelback, an event batch and the manifest fetch, newest first', async () => {
    integration.answerPulls(() => ({
      body: {
        external_resources: [resource('m1')],
        state: 'state-secret-2',
        metadata: '{"token":"meta-secret-2"}',
      },
    }));
    expect((await admin('POST', `/instances/${instanceId}/pull`)).json.pull.outcome).toBe('ok');
    integration.answerPulls(() => ({
      body: { external_resources: [resource('m2', { created_at: 'yesterday' })], state: 'state-secret-3' },
    }));
    expect((await admin('POST', `/instances/${instanceId}/pull`)).json.pull.outcome).toBe('failed');

    const thread = (await admin('GET', `/instances/${instanceId}/threads`)).json.threads[0].id;
    integration.answerChannelbacks(() => ({ body: { external_id: 'sent-1', metadata: '{"token":"meta-secret-3"}' } }));
    expect((await admin('POST', `/instances/${instanceId}/threads/${thread}/replies`, { message: 'Hi' })).status).toBe(
      202,
    );
    expect(await server.app.channelHost.replySender.sendDue()).toBe(1);
    // The instance's creation event goes out once the deliverer runs; its 404 is retried only after a backoff.
    server.app.channelHost.deliverer.start();
    await vi.waitFor(
      async () => {
        const kinds = (await admin('GET', `/instances/${instanceId}/exchanges`)).json.exchanges.map(
          (e: { kind: string }) => e.kind,
        );
        expect(kinds).toContain('event_batch');
      },
      { timeout: 10_000, interval: 50 },
    );
    await server.app.channelHost.deliverer.stop();

    const listed = await admin('GET', `/instances/${instanceId}/exchanges`);
    expect(listed.status).toBe(200);
    const kinds = listed.json.exchanges.map((e: { kind: string; outcome: string }) => `${e.kind}:${e.outcome}`);
    expect(kinds).toEqual(['event_batch:failed', 'channelback:ok', 'pull:failed', 'pull:ok', 'manifest:ok']);
    const [events, channelback, refused, pulled, manifest] = listed.json.exchanges;
    expect(listed.json.next_before_id).toBeNull();
    expect(pulled).toMatchObject({
      method: 'POST',
      url: `${integration.base}/integration/pull`,
      http_status: 200,
      instance_id: instanceId,
      error: null,
      findings: [],
    });
    expect(pulled.duration_ms).toBeGreaterThanOrEqual(0);
    expect(refused.findings).toEqual([
      expect.objectContaining({
        rule: 'pull.resource.created_at.format',
        severity: 'error',
        path: 'external_resources[0].created_at',
      }),
    ]);
    expect(events).toMatchObject({ instance_id: null, http_status: 404, outcome: 'failed' });
    expect(events.findings.map((f: { rule: string }) => f.rule)).toEqual(['events.status']);
    expect(manifest).toMatchObject({
      method: 'GET',
      url: integration.manifestUrl,
      instance_id: null,
      http_status: 200,
    });
    expect(channelback).toMatchObject({ url: `${integration.base}/integration/channelback`, http_status: 200 });
    // A list carries no bodies.
    expect(JSON.stringify(listed.json)).not.toMatch(/secret/);
  });

  it('shows one exchange with its bodies, metadata, state and tokens redacted unless revealed', async () => {
    const listed = (await admin('GET', `/instances/${instanceId}/exchanges`)).json.exchanges;
    const pulled = listed.find((e: { kind: string; outcome: string }) => e.kind === 'pull' && e.outcome === 'ok');
    const shown = await admin('GET', `/instances/${instanceId}/exchanges/${pulled.id}`);
    expect(shown.status).toBe(200);
    const exchange = shown.json.exchange;
    expect(exchange.redacted).toBe(true);
    expect(exchange.request.body).toBe('metadata=[redacted: 25 characters]&state=[redacted: 14 characters]');
    expect(exchange.response.body).toContain('"state":"[redacted: 14 characters]"');
    expect(exchange.response.body).toContain('"external_id":"m1"');
    expect(JSON.stringify(shown.json)).not.toMatch(/secret/);
    expect(exchange.request.truncated).toBe(false);

    const revealed = await admin('GET', `/instances/${instanceId}/exchanges/${pulled.id}?include=metadata`);
    expect(revealed.headers.get('cache-control')).toBe('no-store');
    expect(revealed.json.exchange.redacted).toBe(false);
    expect(new URLSearchParams(revealed.json.exchange.request.body).get('metadata')).toBe('{"token":"meta-secret-1"}');
    expect(JSON.parse(revealed.json.exchange.response.body).state).toBe('state-secret-2');

    const channelback = listed.find((e: { kind: string }) => e.kind === 'channelback');
    const sent = (await admin('GET', `/instances/${instanceId}/exchanges/${channelback.id}`)).json.exchange;
    expect(sent.request.body).toContain('message=Hi&');
    expect(sent.request.body).toContain('metadata=[redacted: 25 characters]');
    expect(sent.response.body).toBe('{"external_id":"sent-1","metadata":"[redacted: 25 characters]"}');

    const events = listed.find((e: { kind: string }) => e.kind === 'event_batch');
    const batch = (await admin('GET', `/instances/${instanceId}/exchanges/${events.id}`)).json.exchange;
    expect(batch.request.body).toContain('"type_id":"create_integration_instance"');
    expect(batch.request.body).not.toMatch(/secret/);
  });

  it('pages newest first with before_id', async () => {
    const first = await admin('GET', `/instances/${instanceId}/exchanges?limit=2`);
    expect(first.json.exchanges).toHaveLength(2);
    const next = first.json.next_before_id;
    expect(next).toBe(first.json.exchanges[1].id);
    const second = await admin('GET', `/instances/${instanceId}/exchanges?limit=2&before_id=${next}`);
    const third = await admin(
      'GET',
      `/instances/${instanceId}/exchanges?limit=2&before_id=${second.json.next_before_id}`,
    );
    const all = [...first.json.exchanges, ...second.json.exchanges, ...third.json.exchanges].map((e) => e.id);
    expect(all).toHaveLength(5);
    expect([...all].sort((a, b) => b - a)).toEqual(all);
    expect(third.json.next_before_id).toBeNull();
  });

  it("records a failed manifest re-read in the integration's ring, with the validator's findings", async () => {
    const instance = (await admin('GET', `/instances/${instanceId}`)).json.instance;
    integration.setManifest({ id: 'com.example.reply', version: '1.0', urls: { admin_ui: 'ftp://x/admin' } });
    const reread = await admin('POST', `/channel_integrations/${instance.integration_id}/refresh`);
    expect(reread.status).toBe(422);
    const [newest] = (await admin('GET', `/instances/${instanceId}/exchanges?limit=1`)).json.exchanges;
    expect(newest).toMatchObject({ kind: 'manifest', outcome: 'failed', instance_id: null, http_status: 200 });
    expect(newest.error).toBe(reread.json.errors[0].detail);
    expect(newest.findings.map((f: { rule: string; path?: string }) => `${f.rule} ${f.path}`)).toEqual([
      'manifest.name.type name',
      'manifest.urls.entry.format urls.admin_ui',
    ]);
    integration.setManifest(channelbackManifest({ urls: { event_callback_url: './events' } }));
  });

  it("answers 404 for another account's instance or exchange, and for an unknown exchange", async () => {
    const listed = (await admin('GET', `/instances/${instanceId}/exchanges`)).json.exchanges;
    expect((await admin('GET', `/instances/${instanceId}/exchanges`, undefined, other)).status).toBe(404);
    const foreign = await admin('GET', `/instances/${instanceId}/exchanges/${listed[0].id}`, undefined, other);
    expect(foreign.status).toBe(404);
    expect(foreign.json.errors[0].detail).toBe(`No instance ${instanceId}.`);
    const unknown = await admin('GET', `/instances/${instanceId}/exchanges/999999`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.errors[0].detail).toBe(`Instance ${instanceId} has no exchange 999999.`);
    expect((await admin('GET', `/instances/${instanceId}/exchanges?limit=0`)).status).toBe(400);
    expect((await admin('GET', `/instances/${instanceId}/exchanges/abc`)).status).toBe(400);
  });
});
