import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.js';
import { createTenant, openTempSqlite, startServer, tempDir, type Tenant, type TestServer } from '../helpers/server.js';

const manifestJson = JSON.stringify({
  name: 'Chat',
  id: 'com.example.chat',
  urls: {
    admin_ui: { href: 'https://chat.example/admin', scheme: 'https', written: './admin' },
    pull_url: { href: 'https://chat.example/pull', scheme: 'https', written: './pull' },
  },
});

async function openWithoutHistory() {
  const dir = tempDir();
  const store = await openStore(`sqlite:${join(dir.path, 'off.db')}`, { configHistory: false });
  await store.migrate();
  return {
    store,
    cleanup: async () => {
      await store.close();
      dir.remove();
    },
  };
}

/** The overview: the last hour's activity charts, instances needing attention, latest changes; the footer. */
describe('the console overview', () => {
  const servers: { server: TestServer; tenant: Tenant; cleanup: () => Promise<void> }[] = [];

  const open = async (settings: { configHistory: boolean }) => {
    // History is the store's option: `serve` opens the store with the setting.
    const opened = settings.configHistory ? await openTempSqlite() : await openWithoutHistory();
    const server = await startServer(opened.store);
    const tenant = await createTenant(opened.store, 'acme', ['zendesk']);
    servers.push({ server, tenant, cleanup: opened.cleanup });
    return { server, tenant, store: opened.store };
  };
  afterAll(async () => {
    for (const { server, cleanup } of servers) {
      await server.close();
      await cleanup();
    }
  });
  const get = (server: TestServer, tenant: Tenant, url: string) =>
    server.app.inject({ method: 'GET', url, headers: { authorization: tenant.adminAuth } } as InjectOptions);
  const barsOf = (html: string, chart: string) => {
    const figure = new RegExp(`<figure class="chart-card" data-chart="${chart}">([\\s\\S]*?)</figure>`).exec(html);
    if (!figure) return undefined;
    return [...figure[1]!.matchAll(/<rect class="([^"]+)"[^>]*data-count="(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
  };

  let page: string;
  let instanceId: number;
  beforeAll(async () => {
    const { server, tenant, store } = await open({ configHistory: true });
    const now = systemClock().getTime();
    const integration = await store.channels.createIntegration({
      accountId: tenant.accountId,
      remoteId: 'com.example.chat',
      name: 'Chat',
      manifestUrl: 'https://chat.example/manifest.json',
      manifestJson,
      nowMs: now,
    });
    const instance = await store.channels.createInstance({
      accountId: tenant.accountId,
      integrationId: integration.id,
      name: 'Support inbox',
      metadata: '',
      state: '',
      instancePushId: 'p1',
      pushTokenHash: 'h',
      nowMs: now,
    });
    instanceId = instance.id;
    for (const outcome of ['ok', 'ok', 'failed'] as const) {
      await store.channels.completePull({
        instanceId: instance.id,
        startedAt: now,
        durationMs: 3,
        outcome,
        httpStatus: outcome === 'ok' ? 200 : 500,
        error: outcome === 'ok' ? null : 'The integration answered 500.',
        stateVersionAtStart: instance.stateVersion,
        resources: [],
        nextPullAt: now + 60_000,
        deactivateAfter: 10,
        nowMs: now,
      });
    }
    await store.createConfig(
      { accountId: tenant.accountId, integration: 'zendesk' },
      {
        scope: 'account:1',
        configJson: '{}',
        nowSeconds: Math.floor(now / 1000),
        actor: { type: 'admin', id: tenant.adminEmail, requestId: 'r' },
      },
    );
    const answer = await get(server, tenant, '/console');
    expect(answer.statusCode).toBe(200);
    page = answer.body;
  });

  it('charts the last hour: pulls (ok and failed) in the current minute, config writes, nothing delivered', () => {
    expect(barsOf(page, 'Pulls')).toEqual([
      ['bar-ok', 2],
      ['bar-failed', 1],
    ]);
    expect(barsOf(page, 'Config writes')).toEqual([['bar', 1]]);
    expect(barsOf(page, 'Events delivered')).toEqual([]);
    expect(barsOf(page, 'Replies sent')).toEqual([]);
    // The bars sit at the right end: the current minute is the chart's last.
    const x = Number(/data-chart="Pulls">[\s\S]*?<rect class="bar-ok" x="([\d.]+)"/.exec(page)![1]);
    expect(x).toBeGreaterThan(232);
  });

  it('lists the instance whose last pull failed, and the latest change', () => {
    expect(page).toContain(`<a href="/console/instances/${instanceId}">Support inbox</a>`);
    expect(page).toContain('<code>account:1</code>');
    expect(page).toMatch(
      /<span class="stat-number" data-instances>1<\/span> instances<\/a>\s*<span class="muted" data-instances-split>1 active<\/span>/,
    );
  });

  it('links the footer’s Health to /healthz, which answers', async () => {
    const { server } = servers[0]!;
    expect(page).toContain('<a href="/healthz">Health</a>');
    expect(page).not.toContain('href="/health"');
    const health = await server.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
  });

  it('leaves out the config writes chart when config history is off', async () => {
    const { server, tenant } = await open({ configHistory: false });
    const off = (await get(server, tenant, '/console')).body;
    expect(barsOf(off, 'Pulls')).toEqual([]);
    expect(barsOf(off, 'Config writes')).toBeUndefined();
    expect(off).toContain('config history is off on this server');
  });
});
