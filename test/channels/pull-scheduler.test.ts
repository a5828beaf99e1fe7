import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { resource, startFakeIntegration } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

// Pull times are the injected clock's, which the tests move: no test waits for an interval.
// The scheduler's own timer still ticks every second; the tests also call `tick()` themselves.
const intervalMs = 120_000;

/** A clock the test moves by hand. */
function movableClock() {
  let now = Date.now();
  return {
    clock: () => new Date(now),
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Turns the event loop once: lets another request in while this one runs. */
const yieldOnce = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Pull windows per instance, as the integration saw them: `start` and `end` number the
 * integration's events in order (so overlapping pulls show), `at` is the clock's time.
 */
function recordWindows(fake: Awaited<ReturnType<typeof startFakeIntegration>>, now: () => number) {
  const windows = new Map<string, { at: number; start: number; end: number }[]>();
  let events = 0;
  fake.answerPulls(async ({ fields }) => {
    const list = windows.get(fields.metadata!) ?? [];
    const window = { at: now(), start: ++events, end: Number.POSITIVE_INFINITY };
    list.push(window);
    windows.set(fields.metadata!, list);
    await yieldOnce();
    window.end = ++events;
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
  const time = movableClock();

  beforeAll(async () => {
    opened = await kind.open();
    const settings = loadSettings({});
    const pull = { ...settings.pull, intervalMs, concurrency: 4 };
    nodes = [await startServer(opened.store, { clock: time.clock, settings: { pull } })];
    // A second stateless node on the same PostgreSQL database.
    if (nodeCount === 2) {
      const { openStore } = await import('../../src/store/open-store.js');
      const second = await openStore(opened.url);
      await second.migrate();
      nodes.push(await startServer(second, { clock: time.clock, settings: { pull } }));
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
    const windows = recordWindows(fake, time.now);
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

    const schedulers = nodes.map((node) => node.app.channelHost.scheduler);
    /** Ticks every node at once until no active instance is due: every pull due has run. */
    const runDuePulls = () =>
      expect
        .poll(
          async () => {
            await Promise.all(schedulers.map((scheduler) => scheduler.tick()));
            const instances = await opened.store.channels.listInstances(tenant.accountId);
            return instances.filter((instance) => instance.active && instance.nextPullAt <= time.now()).length;
          },
          { timeout: 10_000, interval: 5 },
        )
        .toBe(0);

    for (const scheduler of schedulers) scheduler.start();
    await runDuePulls();
    // Six intervals in quarter-interval steps.
    for (let step = 0; step < 24; step++) {
      time.advance(intervalMs / 4);
      await runDuePulls();
    }
    await Promise.all(schedulers.map((scheduler) => scheduler.stop()));

    expect(windows.has('i11')).toBe(false);
    for (let i = 0; i < 11; i++) {
      const seen = windows.get(`i${i}`) ?? [];
      // About once per interval: at least 3 in 6 intervals, and never more than one per (jittered) interval.
      expect(seen.length, `pulls of i${i}`).toBeGreaterThanOrEqual(3);
      expect(seen.length, `pulls of i${i}`).toBeLessThanOrEqual(7);
      for (let k = 1; k < seen.length; k++) {
        expect(seen[k]!.start, `i${i} pulled again while its last pull ran`).toBeGreaterThanOrEqual(seen[k - 1]!.end);
        expect(seen[k]!.at - seen[k - 1]!.at, `i${i} pulled twice in one interval`).toBeGreaterThanOrEqual(
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
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    try {
      const tenant = await createTenant(opened.store, 'acme', []);
      const admin = (method: string, path: string, body?: unknown) =>
        call(server.baseUrl, method, `/api/switchboard/v1${path}`, { auth: tenant.adminAuth, body });
      const integrationId = (await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl })).json
        .integration.id;
      let inFlight = 0;
      let most = 0;
      // Every pull is held open until the test lets go.
      fake.answerPulls(async () => {
        most = Math.max(most, ++inFlight);
        await held;
        inFlight--;
        return { body: { external_resources: [] } };
      });
      for (let i = 0; i < 16; i++) {
        await admin('POST', '/instances', { integration_id: integrationId, name: `slow${i}`, metadata: '', state: '' });
      }
      server.app.channelHost.scheduler.start();
      await expect.poll(() => inFlight, { timeout: 5000 }).toBeGreaterThanOrEqual(12);
      release();
      await expect.poll(() => fake.pulls.length, { timeout: 5000 }).toBe(16);
      await server.app.channelHost.scheduler.stop();
      // All one integration's origin: more than a small socket pool would let through.
      expect(most).toBeGreaterThanOrEqual(12);
    } finally {
      release();
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
    const time = movableClock();
    // A 65 s lease, far longer than an interval: the clock below jumps 50 s at once, faster
    // than any renewal could follow (renewals are shown in pull-leases.test.ts).
    const pull = { ...settings.pull, intervalMs: 10_000, timeoutMs: 30_000, leaseMs: 65_000 };
    const server = await startServer(opened.store, { clock: time.clock, settings: { pull } });
    const fake = await startFakeIntegration();
    let releaseFirst = () => {};
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    let onDemand: ReturnType<typeof call> | undefined;
    try {
      const tenant = await createTenant(opened.store, 'acme', []);
      const admin = (method: string, path: string, body?: unknown) =>
        call(server.baseUrl, method, `/api/switchboard/v1${path}`, { auth: tenant.adminAuth, body });
      const integrationId = (await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl })).json
        .integration.id;
      // `start` and `end` number the integration's events in order, so overlapping pulls show.
      let events = 0;
      const windows: { start: number; end: number }[] = [];
      fake.answerPulls(async () => {
        const window = { start: ++events, end: Number.POSITIVE_INFINITY };
        windows.push(window);
        await (windows.length === 1 ? firstHeld : yieldOnce());
        window.end = ++events;
        return { body: { external_resources: [] } };
      });
      const scheduler = server.app.channelHost.scheduler;
      // Started before the instance exists: its first tick, with nothing due, is over once it does.
      scheduler.start();
      const id = (
        await admin('POST', '/instances', { integration_id: integrationId, name: 'x', metadata: '', state: '' })
      ).json.instance.id;
      onDemand = admin('POST', `/instances/${id}/pull`);
      await expect.poll(() => windows.length).toBe(1);
      // The scheduler ticks through the slow pull, with the instance due all along.
      let started = 0;
      for (let step = 0; step < 5; step++) {
        time.advance(pull.intervalMs);
        started += await scheduler.tick();
      }
      // Stopping waits for any pull the scheduler started, so the integration has seen it.
      await scheduler.stop();
      expect(started).toBe(0);
      expect(windows).toHaveLength(1);
      releaseFirst();
      expect((await onDemand).json.pull.outcome).toBe('ok');
      // Recorded, the pull frees the instance: the scheduler pulls it next.
      scheduler.start();
      await expect
        .poll(async () => {
          await scheduler.tick();
          return windows.length;
        })
        .toBeGreaterThanOrEqual(2);
      await scheduler.stop();
      for (let k = 1; k < windows.length; k++) expect(windows[k]!.start).toBeGreaterThanOrEqual(windows[k - 1]!.end);
    } finally {
      // Let the on-demand pull finish before the server closes under it.
      releaseFirst();
      await onDemand?.catch(() => undefined);
      await server.close();
      await fake.close();
      await opened.cleanup();
    }
  });
});
