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
