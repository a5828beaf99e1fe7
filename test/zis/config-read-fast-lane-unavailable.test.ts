import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { buildApp } from '../../src/server/app.js';
import { loadSettings } from '../../src/settings.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { call, createTenant } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable, postgresTestUrl } from '../helpers/stores.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const path = '/api/services/zis/integrations/app/configs/one';
/** Short bounds, so a silent database is given up on within a second. */
const bounds = {
  poolSize: 2,
  connectTimeoutMs: 500,
  acquireTimeoutMs: 500,
  queryTimeoutMs: 500,
  statementTimeoutMs: 500,
  lockTimeoutMs: 500,
  idleInTransactionTimeoutMs: 2000,
};

// The fast lane reads PostgreSQL outside fastify; when the database does not answer, the lane
// itself answers the route's 503 (once the pool's bound is reached), not a second wait.
describe.runIf(postgresAvailable)('config-read fast lane on PostgreSQL, database unavailable', () => {
  let proxy: TcpProxy;
  let store: Store;
  let cleanup: () => Promise<void>;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let baseUrl: string;
  let token: string;
  /** Requests that reached fastify's hooks: the lane's answers never do. */
  let reachedFastify = 0;

  beforeAll(async () => {
    const schema = await createPostgresSchema();
    cleanup = schema.drop;
    proxy = await startTcpProxy(Number(new URL(postgresTestUrl).port || 5432));
    store = await openStore(proxy.urlThrough(schema.url), { postgres: bounds });
    await store.migrate();
    app = await buildApp({ store, settings: loadSettings({}), clock: systemClock, logger: false });
    app.addHook('onRequest', (_request, _reply, done) => {
      reachedFastify++;
      done();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    token = (await createTenant(store, 'acme', ['app'])).tokens.app!;
    const created = await call(baseUrl, 'POST', '/api/services/zis/integrations/app/configs', {
      token,
      body: { scope: 'one', config: { n: 1 } },
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    proxy.forward();
    await app.close();
    await store.close();
    await proxy.close();
    await cleanup();
  });

  it('answers 503 with Retry-After in the lane within the pool’s bound, and reads again once the database answers', async () => {
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(baseUrl + path, { headers })).status).toBe(200); // the credential is now remembered
    const before = reachedFastify;
    expect((await fetch(baseUrl + path, { headers })).status).toBe(200);
    expect(reachedFastify).toBe(before); // the lane answered

    proxy.silence();
    proxy.resetAll();
    const started = performance.now();
    const down = await fetch(baseUrl + path, { headers });
    const ms = performance.now() - started;
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(await down.json()).toMatchObject({ errors: [{ status: '503' }] });
    expect(reachedFastify).toBe(before); // answered in the lane, not by the route after a second wait
    expect(ms).toBeLessThan(bounds.connectTimeoutMs + bounds.acquireTimeoutMs + 1500);

    proxy.forward();
    let again = 0;
    for (let i = 0; i < 40 && again !== 200; i++) {
      again = (await fetch(baseUrl + path, { headers })).status;
      if (again !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(again).toBe(200);
  });
});
