import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { resource, startFakeIntegration } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const intervalMs = 400;

/** Pull windows per instance, as the integration saw them. */
function recordWindows(fake: Awaited<ReturnType<typeof startFakeIntegration>>) {
  const windows = new Map<string, { start: number; end: number }[]>();
  fake.answerPulls(async ({ fields }) => {
    const list = windows.get(fields.metadata!) ?? [];
    const window = { start: Date.now(), end: Number.POSITIVE_INFINITY };
    list.push(window);
    windows.set(fields.metadata!, list);
    await new Promise((resolve) => setTimeout(resolve, 20));
    window.end = Date.now();
    return {
      body: { external_resources: [resource(`${fields.metadata}-${list.length}`)], state: String(list.length) },
    };
  });
  return windows;
}

describe.each(storeKinds)('the pull loop on $name', (kind) => {
  let opened: OpenedStore;
  let nodes: TestServer[] = [];
  let tenant: Tenant;
  let fake: Awaited<ReturnType<typeof startFakeIntegration>>;
  const nodeCount = kind.name === 'postgres' ? 2 : 1;

  beforeAll(async () => {
    opened = await kind.open();
    const settings = loadSettings({});
    const pull = { ...settings.pull, intervalMs, concurrency: 4 };
    nodes = [await startServer(opened.store, { settings: { pull } })];
    // A second stateless node on the same PostgreSQL database.
    if (nodeCount === 2) {
      const { openStore } = await import('../../src/store/open-store.js');
      const second = await openStore(opened.url);
      await second.migrate();
      nodes.push(await startServer(second, { settings: { pull } }));
    }
    tenant = await createTenant(opened.store, 'acme', []);
    fake = await startFakeIntegration();
  });
  afterAll(async () => {
    for (const node of nodes) await node.close();
    if (nodeCount === 2) await nodes[1]!.store.close();
    await fake.close();
    await opened.cleanup();
  });

  it(`pulls every active instance about once per interval, never one instance twice at once (${nodeCount} node(s))`, async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      call(nodes[0]!.baseUrl, method, `/api/switchboard/v1${path}`, { auth: tenant.adminAuth, body });
    const registered = await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl });
    const integrationId = registered.json.integration.id;
    const windows = recordWindows(fake);
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      const created = await admin('POST', '/instances', {
        integration_id: integrationId,
        name: `i${i}`,
        metadata: `i${i}`,
        state: '',
      });
      ids.push(created.json.instance.id);
    }
    await admin('POST', `/instances/${ids[11]}/deactivate`);

    for (const node of nodes) node.app.channelHost.scheduler.start();
    const runMs = intervalMs * 6;
    await new Promise((resolve) => setTimeout(resolve, runMs));
    await Promise.all(nodes.map((node) => node.app.channelHost.scheduler.stop()));

    expect(windows.has('i11')).toBe(false);
    for (let i = 0; i < 11; i++) {
      const seen = windows.get(`i${i}`) ?? [];
      // About once per interval: at least 3 in 6 intervals, and never more than one per (jittered) interval.
      expect(seen.length, `pulls of i${i}`).toBeGreaterThanOrEqual(3);
      expect(seen.length, `pulls of i${i}`).toBeLessThanOrEqual(7);
      for (let k = 1; k < seen.length; k++) {
        expect(seen[k]!.start, `i${i} pulled again while its last pull ran`).toBeGreaterThanOrEqual(seen[k - 1]!.end);
        expect(seen[k]!.start - seen[k - 1]!.start, `i${i} pulled twice in one interval`).toBeGreaterThanOrEqual(
          intervalMs * 0.85,
        );
      }
    }
    // The last state the integration sent is stored.
    const instance = (await admin('GET', `/instances/${ids[0]}`)).json.instance;
    expect(instance.state).toBe(String(windows.get('i0')!.length));
  });
});

describe('the pull loop against a slow integration', () => {
  it('keeps as many pulls in flight as its concurrency allows', async () => {
    const opened = await storeKinds[0]!.open();
    const settings = loadSettings({});
    const server = await startServer(opened.store, {
      settings: { pull: { ...settings.pull, intervalMs: 60_000, concurrency: 16 } },
    });
    const fake = await startFakeIntegration();
    try {
      const tenant = await createTenant(opened.store, 'acme', []);
      const admin = (method: string, path: string, body?: unknown) =>
        call(server.baseUrl, method, `/api/switchboard/v1${path}`, { auth: tenant.adminAuth, body });
      const integrationId = (await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl })).json
        .integration.id;
      let inFlight = 0;
      let most = 0;
      fake.answerPulls(async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 300));
        inFlight--;
        return { body: { external_resources: [] } };
      });
      for (let i = 0; i < 16; i++) {
        await admin('POST', '/instances', { integration_id: integrationId, name: `slow${i}`, metadata: '', state: '' });
      }
      server.app.channelHost.scheduler.start();
      await expect.poll(() => fake.pulls.length, { timeout: 5000 }).toBe(16);
      await server.app.channelHost.scheduler.stop();
      // All one integration's origin: more than a small socket pool would let through.
      expect(most).toBeGreaterThanOrEqual(12);
    } finally {
      await server.close();
      await fake.close();
      await opened.cleanup();
    }
  });
});

describe('an on-demand pull and the scheduler', () => {
  it('never pull one instance at once, even when the pull outlasts the interval', async () => {
    const opened = await storeKinds[0]!.open();
    const settings = loadSettings({});
    const server = await startServer(opened.store, { settings: { pull: { ...settings.pull, intervalMs: 200 } } });
    const fake = await startFakeIntegration();
    try {
      const tenant = await createTenant(opened.store, 'acme', []);
      const admin = (method: string, path: string, body?: unknown) =>
        call(server.baseUrl, method, `/api/switchboard/v1${path}`, { auth: tenant.adminAuth, body });
      const integrationId = (await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl })).json
        .integration.id;
      const windows: { start: number; end: number }[] = [];
      fake.answerPulls(async () => {
        const window = { start: Date.now(), end: Number.POSITIVE_INFINITY };
        windows.push(window);
        await new Promise((resolve) => setTimeout(resolve, windows.length === 1 ? 1000 : 10));
        window.end = Date.now();
        return { body: { external_resources: [] } };
      });
      const id = (
        await admin('POST', '/instances', { integration_id: integrationId, name: 'x', metadata: '', state: '' })
      ).json.instance.id;
      const onDemand = admin('POST', `/instances/${id}/pull`);
      await expect.poll(() => windows.length).toBe(1);
      // The scheduler ticks through the slow pull, with the instance due all along.
      server.app.channelHost.scheduler.start();
      expect((await onDemand).json.pull.outcome).toBe('ok');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.app.channelHost.scheduler.stop();
      for (let k = 1; k < windows.length; k++) expect(windows[k]!.start).toBeGreaterThanOrEqual(windows[k - 1]!.end);
    } finally {
      await server.close();
      await fake.close();
      await opened.cleanup();
    }
  });
});
