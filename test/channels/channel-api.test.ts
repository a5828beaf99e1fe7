import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { defaultManifest, resource, startFakeIntegration } from '../helpers/fake-integration.js';
import { opaqueTexts } from '../helpers/opaque-texts.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const api = '/api/switchboard/v1';

describe.each(storeKinds)('channel integrations and instances on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let other: Tenant;
  let fake: Awaited<ReturnType<typeof startFakeIntegration>>;
  let integrationId: number;
  const admin = (method: string, path: string, body?: unknown, as: Tenant = tenant) =>
    call(server.baseUrl, method, `${api}${path}`, { auth: as.adminAuth, body });

  beforeAll(async () => {
    opened = await kind.open();
    const settings = loadSettings({});
    server = await startServer(opened.store, {
      settings: { pull: { ...settings.pull, scheduler: false, deactivateAfter: 3, timeoutMs: 1000 } },
    });
    tenant = await createTenant(opened.store, 'acme', []);
    other = await createTenant(opened.store, 'globex', []);
    fake = await startFakeIntegration();
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
    await opened.cleanup();
  });

  describe('registering by manifest URL', () => {
    it('follows a 301, resolves relative URLs, and shows the signing secret once', async () => {
      const registered = await admin('POST', '/channel_integrations', { manifest_url: fake.redirectingManifestUrl });
      expect(registered.status).toBe(201);
      expect(registered.json.signing_secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      const { integration } = registered.json;
      expect(integration).toMatchObject({ name: 'Fake Channel', remote_id: 'com.example.fake' });
      expect(integration.manifest.urls.pull_url.href).toBe(`${fake.base}/integration/pull`);
      expect(integration.manifest.urls.admin_ui.href).toBe(`${fake.base}/integration/admin_ui`);
      integrationId = integration.id;

      const shown = await admin('GET', `/channel_integrations/${integrationId}`);
      expect(shown.json.signing_secret).toBeUndefined();
      expect((await admin('GET', '/channel_integrations')).json.integrations).toHaveLength(1);
      expect((await admin('GET', `/channel_integrations/${integrationId}`, undefined, other)).status).toBe(404);
    });

    it('refuses bad manifests with a detail that names the problem, storing nothing', async () => {
      const cases: [string | object, RegExp][] = [
        ['not json', /not JSON/],
        [{ name: 'x', id: 'y', urls: {} }, /urls\.admin_ui/],
        [{ ...defaultManifest(), name: '' }, /name/],
      ];
      for (const [manifest, detail] of cases) {
        fake.setManifest(manifest);
        const refused = await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl });
        expect(refused.status).toBe(422);
        expect(refused.json.errors[0].detail).toMatch(detail);
      }
      fake.setManifest(defaultManifest());
      const unreachable = await admin('POST', '/channel_integrations', {
        manifest_url: 'http://127.0.0.1:9/manifest.json',
      });
      expect(unreachable.status).toBe(422);
      expect(unreachable.json.errors[0].detail).toMatch(/Could not fetch the manifest/);
      const blocked = await admin('POST', '/channel_integrations', { manifest_url: 'http://169.254.169.254/latest' });
      expect(blocked.status).toBe(422);
      expect(blocked.json.errors[0].detail).toMatch(/instance-metadata/);
      expect((await admin('GET', '/channel_integrations')).json.integrations).toHaveLength(1);
    });

    it('re-reads the manifest', async () => {
      fake.setManifest({ ...defaultManifest(), name: 'Fake Channel v2' });
      const refreshed = await admin('POST', `/channel_integrations/${integrationId}/refresh`);
      expect(refreshed.status).toBe(200);
      expect(refreshed.json.integration.name).toBe('Fake Channel v2');
      fake.setManifest(defaultManifest());
    });

    it('takes admin credentials only', async () => {
      const zisToken = await call(server.baseUrl, 'GET', `${api}/channel_integrations`, { token: 'nope' });
      expect(zisToken.status).toBe(401);
    });
  });

  describe('instances', () => {
    it.each(Object.entries(opaqueTexts))('stores %s metadata and state byte for byte', async (_format, value) => {
      const created = await admin('POST', '/instances', {
        integration_id: integrationId,
        name: 'Formats',
        metadata: value,
        state: value,
      });
      expect(created.status).toBe(201);
      expect(created.json.zendesk_access_token).toMatch(/^sbpt_/);
      const id = created.json.instance.id;
      const redacted = await admin('GET', `/instances/${id}`);
      expect(redacted.json.instance.metadata).toBeNull();
      expect(redacted.json.instance.metadata_redacted).toBe(true);
      expect(redacted.json.instance.state).toBe(value);
      const full = await admin('GET', `/instances/${id}?include=metadata`);
      expect(full.json.instance.metadata).toBe(value);
      expect((await admin('DELETE', `/instances/${id}`)).status).toBe(204);
    });

    it('refuses 5001 characters with a clear error and keeps the stored values', async () => {
      const created = await admin('POST', '/instances', {
        integration_id: integrationId,
        name: 'Limits',
        metadata: 'm',
        state: 's',
      });
      const id = created.json.instance.id;
      for (const field of ['metadata', 'state']) {
        const refused = await admin('PATCH', `/instances/${id}`, { [field]: 'x'.repeat(5001) });
        expect(refused.status).toBe(422);
        expect(refused.json.errors[0].detail).toBe(`"${field}" is 5001 characters; the limit is 5000.`);
      }
      const refusedCreate = await admin('POST', '/instances', {
        integration_id: integrationId,
        name: 'x',
        metadata: '🎉'.repeat(5001),
      });
      expect(refusedCreate.status).toBe(422);
      const kept = await admin('GET', `/instances/${id}?include=metadata`);
      expect(kept.json.instance).toMatchObject({ metadata: 'm', state: 's' });
      for (const body of [{ metadata: 5 }, { name: '' }, { state: 'a\u0000b' }, { integration_id: 99 }]) {
        expect((await admin('PATCH', `/instances/${id}`, body)).status).toBe(422);
      }
    });

    it('updates, deactivates, activates and hides instances from other accounts', async () => {
      const created = await admin('POST', '/instances', {
        integration_id: integrationId,
        name: 'Life',
        metadata: '',
        state: '',
      });
      const id = created.json.instance.id;
      expect(
        (await admin('PATCH', `/instances/${id}`, { name: 'Renamed', state: '{"cursor":5}' })).json.instance,
      ).toMatchObject({
        name: 'Renamed',
        state: '{"cursor":5}',
      });
      expect((await admin('POST', `/instances/${id}/deactivate`)).json.instance.active).toBe(false);
      expect((await admin('POST', `/instances/${id}/pull`)).status).toBe(422);
      expect((await admin('POST', `/instances/${id}/activate`)).json.instance.active).toBe(true);
      expect((await admin('GET', `/instances/${id}`, undefined, other)).status).toBe(404);
      expect((await admin('PATCH', `/instances/${id}`, { name: 'x' }, other)).status).toBe(404);
      expect((await admin('DELETE', `/instances/${id}`, undefined, other)).status).toBe(404);
      expect((await admin('GET', '/instances', undefined, other)).json.instances).toEqual([]);
      expect((await admin('POST', '/instances', { integration_id: integrationId, name: 'x' }, other)).status).toBe(422);
    });
  });

  describe('pulls', () => {
    let instanceId: number;
    const pull = () => admin('POST', `/instances/${instanceId}/pull`);
    const instance = async () => (await admin('GET', `/instances/${instanceId}?include=metadata`)).json.instance;

    beforeEach(async () => {
      const created = await admin('POST', '/instances', {
        integration_id: integrationId,
        name: 'Puller',
        metadata: '{"token":"secret-metadata-value"}',
        state: '{"cursor":0}',
      });
      instanceId = created.json.instance.id;
    });

    it('posts metadata and state form-encoded, signed, and stores resources in order, replacing state', async () => {
      fake.answerPulls(() => ({
        body: {
          external_resources: [
            resource('a1'),
            resource('a2', { parent_id: 'a1' }),
            resource('b1', { thread_id: 'thread-b' }),
            resource('b2', { thread_id: 'thread-b' }),
            resource('c1', { parent_id: 'unknown-parent' }),
          ],
          state: '{"cursor":5}',
        },
      }));
      const answered = await pull();
      expect(answered.status).toBe(200);
      expect(answered.json.pull).toMatchObject({
        outcome: 'ok',
        http_status: 200,
        resources_stored: 5,
        duplicates: 0,
        error: null,
      });
      const seen = fake.pulls.at(-1)!;
      expect(seen.fields).toEqual({ metadata: '{"token":"secret-metadata-value"}', state: '{"cursor":0}' });
      expect(seen.headers['x-switchboard-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect((await instance()).state).toBe('{"cursor":5}');

      const threads = (await admin('GET', `/instances/${instanceId}/threads`)).json.threads;
      expect(
        threads.map((t: { thread_key: string; resource_count: number }) => [t.thread_key, t.resource_count]),
      ).toEqual([
        ['a1', 2],
        ['thread-b', 2],
        ['c1', 1],
      ]);
      const inA = (await admin('GET', `/instances/${instanceId}/threads/${threads[0].id}/resources`)).json.resources;
      expect(inA.map((r: { external_id: string }) => r.external_id)).toEqual(['a1', 'a2']);
      expect(inA[1].resource.parent_id).toBe('a1');
    });

    it('reports duplicates and never stores them twice; keeps state when the answer has none', async () => {
      fake.answerPulls(() => ({ body: { external_resources: [resource('d1'), resource('d1'), resource('d2')] } }));
      expect((await pull()).json.pull).toMatchObject({ outcome: 'ok', resources_stored: 2, duplicates: 1 });
      fake.answerPulls(() => ({ body: { external_resources: [resource('d2'), resource('d3')] } }));
      expect((await pull()).json.pull).toMatchObject({ resources_stored: 1, duplicates: 1 });
      expect((await instance()).state).toBe('{"cursor":0}');
    });

    it('applies metadata and metadata_needs_update from the answer', async () => {
      fake.answerPulls(() => ({
        body: { external_resources: [], metadata: 'new-metadata', metadata_needs_update: true },
      }));
      await pull();
      expect(await instance()).toMatchObject({ metadata: 'new-metadata', metadata_needs_update: true });
    });

    it('does not overwrite a state written while the pull ran (compare-and-swap)', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      fake.answerPulls(async () => {
        await held;
        return { body: { external_resources: [resource('cas1')], state: '{"cursor":"from-pull"}' } };
      });
      // Only a pull that starts now counts: earlier tests' pulls carried the same fields.
      const before = fake.pulls.length;
      const pulling = pull();
      while (
        !fake.pulls
          .slice(before)
          .some((p) => p.fields.state === '{"cursor":0}' && (p.fields.metadata ?? '').includes('secret'))
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await admin('PATCH', `/instances/${instanceId}`, { state: '{"cursor":"from-admin"}' });
      release();
      const answered = await pulling;
      expect(answered.json.pull).toMatchObject({ outcome: 'ok', state_conflict: true, resources_stored: 1 });
      expect((await instance()).state).toBe('{"cursor":"from-admin"}');
    });

    const badAnswers: [string, () => { status?: number; body: string | object; delayMs?: number }, RegExp][] = [
      ['an HTTP error', () => ({ status: 500, body: 'boom' }), /HTTP 500/],
      ['not JSON', () => ({ body: '<html>' }), /not JSON/],
      ['a missing external_resources', () => ({ body: { state: 'x' } }), /external_resources/],
      [
        'an invalid resource',
        () => ({ body: { external_resources: [resource('ok'), { external_id: 'bad' }], state: 's' } }),
        /external_resources\[1\]/,
      ],
      ['a state over 5000 characters', () => ({ body: { external_resources: [], state: 'x'.repeat(5001) } }), /state/],
      [
        'too many resources (the docs: 200 per pull)',
        () => ({ body: { external_resources: Array.from({ length: 201 }, (_, i) => resource(`r${i}`)) } }),
        /at most 200 items; got 201/,
      ],
      ['a timeout', () => ({ body: { external_resources: [] }, delayMs: 1500 }), /timed out/],
      [
        'a NUL character',
        () => ({ body: { external_resources: [resource('nul\u0000')], state: 'a\u0000' } }),
        /U\+0000/,
      ],
    ];
    it.each(badAnswers)('stores nothing and keeps state on %s', async (_name, answer, detail) => {
      fake.answerPulls(answer);
      const answered = await pull();
      expect(answered.status).toBe(200);
      expect(answered.json.pull.outcome).toBe('failed');
      expect(answered.json.pull.error).toMatch(detail);
      expect(answered.json.pull.resources_stored).toBe(0);
      expect(answered.json.pull.error).not.toContain('secret-metadata-value');
      const after = await instance();
      expect(after.state).toBe('{"cursor":0}');
      expect(after.consecutive_failures).toBe(1);
      expect((await admin('GET', `/instances/${instanceId}/threads`)).json.threads).toEqual([]);
    });

    it('accepts the literal text \\u0000 (an escaped backslash, not a NUL)', async () => {
      fake.answerPulls(() => ({ body: { external_resources: [], state: 'path\\u0000' } }));
      expect((await pull()).json.pull.outcome).toBe('ok');
      expect((await instance()).state).toBe('path\\u0000');
    });

    it('backs off after failures and deactivates after N in a row, recording why', async () => {
      fake.answerPulls(() => ({ status: 503, body: 'down' }));
      const before = Date.now();
      await pull();
      const once = await instance();
      expect(Date.parse(once.next_pull_at) - before).toBeGreaterThan(loadSettings({}).pull.intervalMs * 1.5);
      await pull();
      const third = await pull();
      expect(third.json.pull.deactivated).toBe(true);
      const after = await instance();
      expect(after.active).toBe(false);
      expect(after.deactivated_reason).toMatch(/HTTP 503/);
      const log = (await admin('GET', `/instances/${instanceId}/pulls`)).json.pulls;
      expect(log).toHaveLength(3);
      expect(log[0]).toMatchObject({ outcome: 'failed', http_status: 503, deactivated: true });
      expect(typeof log[0].duration_ms).toBe('number');
    });

    it('counts pulls on /metrics', async () => {
      fake.answerPulls(() => ({ body: { external_resources: [resource('m1')] } }));
      await pull();
      const metrics = await fetch(`${server.baseUrl}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/switchboard_pulls_total\{outcome="ok"\} [1-9]/);
      expect(metrics).toMatch(/switchboard_pulls_total\{outcome="failed"\} [1-9]/);
      expect(metrics).toMatch(/switchboard_pull_duration_seconds_bucket/);
      expect(metrics).toMatch(/switchboard_pull_resources_stored_total [1-9]/);
    });
  });
});
