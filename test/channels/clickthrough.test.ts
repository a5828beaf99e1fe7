import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickthroughUrl } from '../../src/channels/clickthrough/clickthrough-url.js';
import { loadSettings } from '../../src/settings.js';
import { channelbackManifest, startChannelbackIntegration } from '../helpers/channelback-integration.js';
import { resource } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const api = '/api/switchboard/v1';

describe('clickthroughUrl', () => {
  it.each([
    ['https://x.example/c', 'a b/é&?', 'https://x.example/c?external_id=a%20b%2F%C3%A9%26%3F'],
    ['https://x.example/c?src=sb', 'id-1', 'https://x.example/c?src=sb&external_id=id-1'],
    ['https://x.example/c?', 'id-1', 'https://x.example/c?external_id=id-1'],
    ['https://x.example/c#top', 'id-1', 'https://x.example/c?external_id=id-1#top'],
  ])('%s with %s', (base, externalId, expected) => {
    expect(clickthroughUrl(base, externalId)).toBe(expected);
  });
  it('is null without a clickthrough_url', () => {
    expect(clickthroughUrl(null, 'x')).toBeNull();
  });
});

describe.each(storeKinds)('clickthrough on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let other: Tenant;
  let integration: Awaited<ReturnType<typeof startChannelbackIntegration>>;
  const admin = (path: string, as: Tenant = tenant) =>
    call(server.baseUrl, 'GET', `${api}${path}`, { auth: as.adminAuth });

  /** An instance of an integration with this manifest, its resources pulled; their JSON. */
  async function resourcesWith(manifest: object, externalIds: string[]) {
    integration.setManifest(manifest);
    const registered = await call(server.baseUrl, 'POST', `${api}/channel_integrations`, {
      auth: tenant.adminAuth,
      body: { manifest_url: integration.manifestUrl },
    });
    const created = await call(server.baseUrl, 'POST', `${api}/instances`, {
      auth: tenant.adminAuth,
      body: { integration_id: registered.json.integration.id, name: 'C', metadata: '', state: '' },
    });
    const id: number = created.json.instance.id;
    const sent = externalIds.map((externalId, i) => resource(externalId, i === 0 ? {} : { parent_id: externalIds[0] }));
    integration.answerPulls(() => ({ body: { external_resources: sent } }));
    await call(server.baseUrl, 'POST', `${api}/instances/${id}/pull`, { auth: tenant.adminAuth });
    const [thread] = (await admin(`/instances/${id}/threads`)).json.threads;
    return { id, resources: (await admin(`/instances/${id}/threads/${thread.id}/resources`)).json.resources, sent };
  }

  beforeAll(async () => {
    opened = await kind.open();
    const settings = loadSettings({});
    server = await startServer(opened.store, { settings: { pull: { ...settings.pull, scheduler: false } } });
    tenant = await createTenant(opened.store, 'acme', []);
    other = await createTenant(opened.store, 'globex', []);
    integration = await startChannelbackIntegration();
  });
  afterAll(async () => {
    await server.close();
    await integration.close();
    await opened.cleanup();
  });

  it('shows clickthrough_url beside external_id and redirects to it; the resource stays untouched', async () => {
    const { id, resources, sent } = await resourcesWith(channelbackManifest(), ['msg 1/a&b?', 'msg-2']);
    expect(resources.map((r: { clickthrough_url: string }) => r.clickthrough_url)).toEqual([
      `${integration.base}/integration/clickthrough?external_id=msg%201%2Fa%26b%3F`,
      `${integration.base}/integration/clickthrough?external_id=msg-2`,
    ]);
    expect(resources.map((r: { resource: unknown }) => r.resource)).toEqual(sent);
    const redirected = await fetch(
      `${server.baseUrl}${api}/instances/${id}/resources/${resources[0].id}/clickthrough`,
      {
        headers: { authorization: tenant.adminAuth },
        redirect: 'manual',
      },
    );
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get('location')).toBe(resources[0].clickthrough_url);
  });

  it('appends with & to a clickthrough_url that has a query string', async () => {
    const manifest = channelbackManifest({ urls: { clickthrough_url: './clickthrough?src=sb' } });
    const { resources } = await resourcesWith(manifest, ['q-1']);
    expect(resources[0].clickthrough_url).toBe(`${integration.base}/integration/clickthrough?src=sb&external_id=q-1`);
  });

  it('is null without a clickthrough_url, and the redirect answers 404 saying so', async () => {
    const manifest = channelbackManifest({ urls: { clickthrough_url: undefined as unknown as string } });
    const { id, resources } = await resourcesWith(manifest, ['n-1']);
    expect(resources[0].clickthrough_url).toBeNull();
    const refused = await admin(`/instances/${id}/resources/${resources[0].id}/clickthrough`);
    expect(refused.status).toBe(404);
    expect(refused.json.errors[0].detail).toMatch(/no clickthrough_url/);
  });

  it('answers 404 for unknown and other-tenant ids', async () => {
    const { id, resources } = await resourcesWith(channelbackManifest(), ['t-1']);
    const { id: otherInstance } = await resourcesWith(channelbackManifest(), ['t-2']);
    const cases: [string, Tenant][] = [
      [`/instances/${id}/resources/99999/clickthrough`, tenant],
      [`/instances/99999/resources/${resources[0].id}/clickthrough`, tenant],
      [`/instances/${otherInstance}/resources/${resources[0].id}/clickthrough`, tenant],
      [`/instances/${id}/resources/${resources[0].id}/clickthrough`, other],
    ];
    for (const [path, as] of cases) {
      const refused = await admin(path, as);
      expect(refused.status, path).toBe(404);
      expect(refused.json.errors[0].detail, path).toMatch(/No resource/);
    }
  });
});
