import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../../helpers/server.js';
import { createPostgresSchema, postgresAvailable, storeProfiles, urlForDriver } from '../../helpers/stores.js';
import { changesPath, configsPath, feedSettings } from './feed-fixture.js';
import { openSse } from './sse-client.js';

/**
 * Two app instances, each with its own store object (its own pool and LISTEN connection, or
 * without LISTEN/NOTIFY its poll of the revision counters), on one PostgreSQL schema: nodes
 * behind a load balancer. The feed's safety poll is an hour, so only the notification (or
 * the store's poll) can carry a change across in time.
 */
// By schema, so the driver profiles only; PgBouncer's two stores: test/store/postgres-pgbouncer.test.ts.
const postgresProfiles = storeProfiles.filter((kind) => kind.dialect === 'postgres' && kind.name !== 'pgbouncer');
describe.runIf(postgresAvailable).each(postgresProfiles)('the change feed across two nodes on $name', (kind) => {
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  const stores: Store[] = [];
  let a: TestServer;
  let b: TestServer;
  let tenant: Tenant;
  const settings = feedSettings({ changes: { heartbeatMs: 15_000, pollMs: 3_600_000, maxStreamsPerClient: 100 } });

  beforeAll(async () => {
    schema = await createPostgresSchema();
    for (let i = 0; i < 2; i++) {
      const store = await openStore(urlForDriver(schema.url, kind.name));
      await store.migrate();
      stores.push(store);
    }
    const started = await Promise.all(stores.map((store) => startServer(store, { settings })));
    [a, b] = [started[0]!, started[1]!];
    tenant = await createTenant(stores[0]!, 'acme', ['feed']);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    for (const store of stores) await store.close();
    await schema?.drop();
  });

  const on = (node: TestServer, method: string, path: string, body?: unknown) =>
    call(node.baseUrl, method, path, { token: tenant.tokens.feed, body });

  it('a stream on node A sees, in order, the writes made on node B', async () => {
    const since = (await on(a, 'GET', changesPath())).json.next_since;
    const stream = await openSse(`${a.baseUrl}${changesPath()}?since=${since}`, {
      authorization: `Bearer ${tenant.tokens.feed}`,
    });
    expect((await on(b, 'POST', configsPath(), { scope: 'across', config: { n: 0 } })).status).toBe(201);
    for (let n = 1; n <= 20; n++) {
      expect((await on(b, 'PATCH', `${configsPath()}/across`, { config: { n } })).status).toBe(200);
    }
    const events = await stream.waitForEvents(21, 10_000);
    expect(events.map((e) => e.id)).toEqual(Array.from({ length: 21 }, (_, i) => since + 1 + i));
    expect(events.at(-1)!.data.config).toEqual({ n: 20 });
    stream.close();
  });

  it('a long-poll waiting on node A answers a write made on node B', async () => {
    const since = (await on(a, 'GET', changesPath())).json.next_since;
    const waiting = on(a, 'GET', `${changesPath()}?since=${since}&wait=30`);
    await expect.poll(() => a.app.changeHub.watcherCount).toBe(1);
    const began = Date.now();
    expect((await on(b, 'PATCH', `${configsPath()}/across`, { config: { n: 'b' } })).status).toBe(200);
    const answer = await waiting;
    expect(answer.json.changes.map((c: { revision: number }) => c.revision)).toEqual([since + 1]);
    // The notification (or the store's poll), not the hour-long safety poll, woke it.
    expect(Date.now() - began).toBeLessThan(10_000);
  });
});
