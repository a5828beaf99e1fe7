import Fastify from 'fastify';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueScopedAccessToken } from '../../src/accounts/provision.js';
import { systemClock } from '../../src/clock.js';
import { limitRequestsPerClient } from '../../src/http/per-client-limit.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { RenderedConfigs } from '../../src/zis/configs/rendered-configs.js';
import { testActor } from '../helpers/actors.js';
import { buildApp } from '../../src/server/app.js';
import { loadSettings } from '../../src/settings.js';
import { call, createTenant, tempDir, type Tenant, type TestServer } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable } from '../helpers/stores.js';

const base = '/api/services/zis/integrations';
const configPath = (scope: string, integration = 'app') => `${base}/${integration}/configs/${scope}`;
const listPath = (filter: string, integration = 'app') => `${base}/${integration}/configs?filter[scope]=${filter}`;

/** A store the lane runs on, and a second handle on the same data (another process: the CLI, another node). */
interface LaneStore {
  name: string;
  /** Whether the list route keeps pages for the lane (SQLite; PostgreSQL only with its read cache). */
  keepsLists: boolean;
  open: () => Promise<{ store: Store; other: () => Promise<Store>; cleanup: () => Promise<void> }>;
}

const sqliteLane = (writer: 'pipelined' | 'in-thread'): LaneStore => ({
  name: `SQLite writer ${writer}`,
  keepsLists: true,
  open: async () => {
    const dir = tempDir();
    const path = join(dir.path, 'lane.db');
    const store = await openStore(`sqlite:${path}`, { writer });
    return {
      store,
      other: () => openStore(`sqlite:${path}`, { writer: 'in-thread' }),
      cleanup: async () => dir.remove(),
    };
  },
});

const postgresLane: LaneStore = {
  name: 'PostgreSQL',
  keepsLists: false,
  open: async () => {
    const schema = await createPostgresSchema();
    const store = await openStore(schema.url);
    return { store, other: () => openStore(schema.url), cleanup: schema.drop };
  },
};

const laneStores = postgresAvailable
  ? [sqliteLane('pipelined'), sqliteLane('in-thread'), postgresLane]
  : [sqliteLane('pipelined'), sqliteLane('in-thread')];

// The lane answers `GET …/configs/{scope}` outside fastify; whatever it answers must be
// what the fastify route answers (app.inject always takes the route).
describe.each(laneStores)('config-read fast lane, $name', (kind) => {
  let store: Store;
  let otherStore: () => Promise<Store>;
  let cleanup: () => Promise<void>;
  let server: TestServer;
  let tenant: Tenant;
  let token: string;
  /** Requests that reached fastify's hooks: the lane's answers never do. */
  let reachedFastify = 0;

  beforeAll(async () => {
    ({ store, other: otherStore, cleanup } = await kind.open());
    await store.migrate();
    const app = await buildApp({ store, settings: loadSettings({}), clock: systemClock, logger: false });
    app.addHook('onRequest', (_request, _reply, done) => {
      reachedFastify++;
      done();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    server = { app, baseUrl: `http://127.0.0.1:${port}`, store, close: () => app.close() };
    tenant = await createTenant(store, 'acme', ['app', 'other']);
    token = tenant.tokens.app!;
    for (const scope of ['one', 'two', 'foo/bar']) {
      const created = await call(server.baseUrl, 'POST', `${base}/app/configs`, {
        token,
        body: { scope, config: { scope, n: 1 } },
      });
      expect(created.status).toBe(201);
    }
  });
  afterAll(async () => {
    await server.close();
    await store.close();
    await cleanup();
  });

  /** Status, headers that do not vary per request, and body, over HTTP and through the route. */
  const both = async (url: string, headers: Record<string, string>) => {
    const overHttp = await fetch(server.baseUrl + url, { headers });
    const viaRoute = await server.app.inject({ method: 'GET', url, headers });
    const kept = (entries: [string, string][]) =>
      Object.fromEntries(entries.filter(([name]) => !['date', 'connection', 'keep-alive'].includes(name)));
    return {
      http: { status: overHttp.status, headers: kept([...overHttp.headers]), body: await overHttp.text() },
      route: {
        status: viaRoute.statusCode,
        headers: kept(Object.entries(viaRoute.headers).map(([k, v]) => [k, String(v)])),
        body: viaRoute.body,
      },
    };
  };

  it('answers a remembered credential without fastify, byte for byte as the route does', async () => {
    const headers = { authorization: `Bearer ${token}`, 'x-request-id': 'req-fixed-1' };
    await call(server.baseUrl, 'GET', configPath('one'), { token }); // the credential is now remembered
    const before = reachedFastify;
    const first = await both(configPath('one'), headers);
    expect(reachedFastify - before).toBe(1); // only the inject
    expect(first.http).toEqual(first.route);
    expect(first.http.status).toBe(200);
    expect(first.http.headers['etag']).toBe(first.route.headers['etag']);
    expect(first.http.headers['x-request-id']).toBe('req-fixed-1');
    // Again, from the rendered cache.
    const again = await both(configPath('one'), headers);
    expect(again.http).toEqual(again.route);
  });

  it("answers the vendor's read, the list on one exact scope, without fastify and as the route does", async () => {
    const headers = { authorization: `Bearer ${token}`, 'x-request-id': 'req-fixed-4' };
    for (const url of [listPath('two'), `${base}/app/configs?filter%5Bscope%5D=two`]) {
      await call(server.baseUrl, 'GET', url, { token });
      const before = reachedFastify;
      const answer = await both(url, headers);
      expect(reachedFastify - before).toBe(1); // only the inject
      expect(answer.http).toEqual(answer.route);
      expect(answer.http.status).toBe(200);
      expect(JSON.parse(answer.http.body).configs.map((c: { scope: string }) => c.scope)).toEqual(['two']);
      // If-None-Match means nothing to the list.
      const etag = (await call(server.baseUrl, 'GET', configPath('two'), { token })).headers.get('etag')!;
      const listed = await both(url, { ...headers, 'if-none-match': etag });
      expect(listed.http).toEqual(listed.route);
      expect(listed.http.status).toBe(200);
    }
  });

  it('answers wildcard lists and pages the route kept without fastify, as the route does, until a write', async () => {
    const headers = { authorization: `Bearer ${token}`, 'x-request-id': 'req-fixed-5' };
    // Every config on one page (no link), and the first of pages of one (a `links.next`).
    const whole = `${listPath('*')}&page[size]=10`;
    const paged = `${listPath('*')}&page[size]=1`;
    for (const url of [listPath('t*'), whole]) {
      expect((await call(server.baseUrl, 'GET', url, { token })).status).toBe(200); // the route answers, and keeps it
      const before = reachedFastify;
      const answer = await both(url, headers);
      expect(reachedFastify - before).toBe(kind.keepsLists ? 1 : 2);
      expect(answer.http).toEqual(answer.route);
      expect(answer.http.status).toBe(200);
    }
    const first = await fetch(server.baseUrl + paged, { headers });
    const before = reachedFastify;
    const again = await fetch(server.baseUrl + paged, { headers });
    expect(reachedFastify - before).toBe(kind.keepsLists ? 0 : 1);
    const firstBody = await first.text();
    expect(await again.text()).toBe(firstBody);
    expect(JSON.parse(firstBody).links.next).toContain(server.baseUrl);
    // A write: the kept pages are not answered again.
    const patched = await call(server.baseUrl, 'PATCH', configPath('two'), { token, body: { config: { n: 5 } } });
    expect(patched.status).toBe(200);
    const listed = await call(server.baseUrl, 'GET', listPath('t*'), { token });
    expect(listed.json.configs[0].config.n).toBe(5);
    const all = await call(server.baseUrl, 'GET', whole, { token });
    expect(all.json.configs.find((c: { scope: string }) => c.scope === 'two').config.n).toBe(5);
  });

  it('gives every request an id of its own when the client sends none', async () => {
    const a = await call(server.baseUrl, 'GET', configPath('one'), { token });
    const b = await call(server.baseUrl, 'GET', configPath('one'), { token });
    expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  it('answers If-None-Match as the route does (304, strong and weak, lists, *)', async () => {
    const etag = (await call(server.baseUrl, 'GET', configPath('two'), { token })).headers.get('etag')!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"0-0", ${etag}`, '*', '"0-0"']) {
      const answer = await both(configPath('two'), {
        authorization: `Bearer ${token}`,
        'if-none-match': ifNoneMatch,
        'x-request-id': 'req-fixed-2',
      });
      expect(answer.http).toEqual(answer.route);
      expect(answer.http.status).toBe(ifNoneMatch === '"0-0"' ? 200 : 304);
    }
  });

  it('leaves every other case to the route, with the same answer', async () => {
    const readless = await issueScopedAccessToken(store, systemClock, tenant.accountId, 'app', ['write']);
    const cases: [string, Record<string, string>][] = [
      [configPath('missing'), { authorization: `Bearer ${token}` }],
      [configPath('foo%2Fbar'), { authorization: `Bearer ${token}` }],
      [`${configPath('one')}?x=1`, { authorization: `Bearer ${token}` }],
      [configPath('one', 'other'), { authorization: `Bearer ${token}` }],
      [configPath('one', 'Bad_Name'), { authorization: `Bearer ${token}` }],
      [configPath('a*b'), { authorization: `Bearer ${token}` }],
      [configPath('one'), { authorization: `Bearer ${readless.token}` }],
      [configPath('one'), { authorization: 'Bearer not-a-token' }],
      [configPath('one'), {}],
      [configPath('one'), { authorization: tenant.adminAuth }],
      [listPath('one'), { authorization: tenant.adminAuth }],
      [listPath('missing'), { authorization: `Bearer ${token}` }],
      [listPath('t*'), { authorization: `Bearer ${token}` }],
      [listPath('foo%2Fbar'), { authorization: `Bearer ${token}` }],
      [`${listPath('one')}&page[size]=1`, { authorization: `Bearer ${token}` }],
      [listPath(''), { authorization: `Bearer ${token}` }],
      [listPath('one', 'other'), { authorization: `Bearer ${token}` }],
      [listPath('one'), { authorization: `Bearer ${readless.token}` }],
    ];
    for (const [url, headers] of cases) {
      // Twice: the second time the credential (if good) is remembered.
      for (let i = 0; i < 2; i++) {
        const answer = await both(url, { ...headers, 'x-request-id': 'req-fixed-3' });
        expect(answer.http, `${url} ${JSON.stringify(headers)}`).toEqual(answer.route);
      }
    }
  });

  it('never answers from before a write: through the API, or another connection to the file', async () => {
    const read = () => call(server.baseUrl, 'GET', configPath('one'), { token });
    const before = await read();
    const patched = await call(server.baseUrl, 'PATCH', configPath('one'), { token, body: { config: { n: 2 } } });
    expect(patched.status).toBe(200);
    const after = await read();
    expect(after.json.config.config.n).toBe(2);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));

    // Another process (the CLI, another node) writing the same data: on SQLite its commit moves data_version.
    const other = await otherStore();
    await other.migrate(); // nothing to do: it prepares the statements
    try {
      const outcome = await other.updateConfig({ accountId: tenant.accountId, integration: 'app' }, 'one', {
        edit: { kind: 'replace', configJson: '{"n":3}' },
        nowSeconds: 1_900_000_000,
        operation: 'replace',
        actor: testActor,
      });
      expect(outcome.kind).toBe('ok');
    } finally {
      await other.close();
    }
    expect((await read()).json.config.config).toEqual({ n: 3 });

    const listed = () => call(server.baseUrl, 'GET', listPath('one'), { token });
    expect((await listed()).json.configs[0].config).toEqual({ n: 3 });
    await call(server.baseUrl, 'DELETE', configPath('one'), { token });
    expect((await read()).status).toBe(404);
    expect((await listed()).status).toBe(404);
  });

  it('stops answering a revoked token at once', async () => {
    const issued = await issueScopedAccessToken(store, systemClock, tenant.accountId, 'app', ['read', 'write']);
    const read = () => call(server.baseUrl, 'GET', configPath('two'), { token: issued.token });
    expect((await read()).status).toBe(200);
    expect((await read()).status).toBe(200);
    const revoked = await call(server.baseUrl, 'DELETE', `/api/v2/oauth/tokens/${issued.id}.json`, {
      auth: tenant.adminAuth,
    });
    expect(revoked.status).toBe(204);
    expect((await read()).status).toBe(401);
  });
});

describe('rendered config cache', () => {
  const rendered = (n: number) => ({ integration: 'app', etag: `"${n}-1"`, body: `{"n":${n}}`, bytes: 7 });

  it('forgets everything when the epoch moves', () => {
    const cache = new RenderedConfigs(10);
    expect(cache.get(1, '/a', 1)).toBeUndefined();
    cache.set(1, '/a', 1, rendered(1));
    expect(cache.get(1, '/a', 1)).toEqual(rendered(1));
    expect(cache.get(2, '/a', 1)).toBeUndefined(); // another account
    expect(cache.get(1, '/a', 2)).toBeUndefined();
    cache.set(1, '/a', 1, rendered(1)); // read at an old epoch: not kept
    expect(cache.get(1, '/a', 2)).toBeUndefined();
  });

  it('holds at most maxEntries, and nothing at 0', () => {
    const cache = new RenderedConfigs(2);
    cache.get(1, '/a', 1);
    cache.set(1, '/a', 1, rendered(1));
    cache.set(1, '/b', 1, rendered(2));
    cache.set(1, '/c', 1, rendered(3));
    expect([cache.get(1, '/a', 1), cache.get(1, '/b', 1), cache.get(1, '/c', 1)].filter(Boolean)).toHaveLength(1);
    const none = new RenderedConfigs(0);
    none.get(1, '/a', 1);
    none.set(1, '/a', 1, rendered(1));
    expect(none.get(1, '/a', 1)).toBeUndefined();
  });
});

describe('per-client limit', () => {
  it('says when some client is at its limit, so the lane steps aside', async () => {
    const app = Fastify();
    const limit = limitRequestsPerClient(app, 1);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    app.get('/slow', async () => {
      await held;
      return 'done';
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as { port: number };
      expect(limit.someClientAtLimit()).toBe(false);
      const slow = fetch(`http://127.0.0.1:${port}/slow`);
      await expect.poll(() => limit.someClientAtLimit()).toBe(true);
      release();
      expect((await slow).status).toBe(200);
      await expect.poll(() => limit.someClientAtLimit()).toBe(false);
    } finally {
      await app.close();
    }
  });
});
