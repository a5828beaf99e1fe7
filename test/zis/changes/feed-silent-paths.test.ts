// The change feed never goes silent: a proxy between a node and PostgreSQL drops every packet
// (the sockets stay open, nothing moves), once on the LISTEN connection's path, once on the
// pool's. Either the stream keeps delivering within 6 s, or it ends with an `error` event and
// the client, reconnecting with Last-Event-ID, sees every revision exactly once.

import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { openStore } from '../../../src/store/open-store.js';
import type { Store } from '../../../src/store/store.js';
import { wrapStore } from '../../../src/store/wrap-store.js';
import { testActor } from '../../helpers/actors.js';
import { createTenant, startServer, type TestServer } from '../../helpers/server.js';
import { createPostgresSchema, postgresAvailable, postgresTestUrl } from '../../helpers/stores.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { changesPath, feedSettings } from './feed-fixture.js';
import { openSse, type SseConnection } from './sse-client.js';

/** How late a change may arrive while a path is silent (the bound). */
const deliveryBound = 6_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(postgresAvailable)('the change feed over a silent path', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * Node A (serving the stream) reaches PostgreSQL through a proxy on the path `through`
   * names; node B, the writer, connects directly, so only A's notification or poll can tell A.
   */
  async function setUp(through: 'listen' | 'pool', pollMs: number) {
    const { url, drop } = await createPostgresSchema();
    cleanups.push(drop);
    const proxy: TcpProxy = await startTcpProxy(Number(new URL(postgresTestUrl).port || 5432));
    cleanups.push(() => proxy.close());
    const writer = await openStore(url);
    cleanups.push(() => writer.close());
    await writer.migrate();
    const store: Store = wrapStore(
      through === 'listen'
        ? new PostgresStore(url, { listenUrl: proxy.urlThrough(url) })
        : new PostgresStore(proxy.urlThrough(url), { listenUrl: url }),
    );
    cleanups.push(() => store.close());
    // The safety poll far away (or the stall bound short): only the mechanism under test can deliver.
    const server: TestServer = await startServer(store, {
      settings: feedSettings({ changes: { heartbeatMs: 50, pollMs, maxStreamsPerClient: 100 } }),
    });
    cleanups.push(() => server.close());
    const tenant = await createTenant(writer, 'acme', ['feed']);
    const key = { accountId: tenant.accountId, integration: 'feed' };
    let n = 0;
    const write = async () => {
      n += 1;
      const created = await writer.createConfig(key, {
        scope: `silent/${n}`,
        configJson: JSON.stringify({ n }),
        nowSeconds: 1,
        actor: testActor,
      });
      if (created === 'exists') throw new Error('exists');
    };
    const open = (headers: Record<string, string> = {}) =>
      openSse(`${server.baseUrl}${changesPath()}?filter[scope]=silent/*&since=0`, {
        authorization: `Bearer ${tenant.tokens.feed}`,
        ...headers,
      });
    const truth = async () =>
      (await writer.listConfigChanges(key, { pattern: ['silent/', ''], sinceRevision: 0, limit: 1000 })).map(
        (change) => change.revision,
      );
    const feedState = async () => (await store.health(1000)).feed;
    return { proxy, write, open, truth, feedState };
  }

  it('keeps delivering every change within 6 s while the LISTEN connection is silent, and re-makes it after', async () => {
    const { proxy, write, open, truth, feedState } = await setUp('listen', 3_600_000);
    await expect.poll(feedState).toBe('listening');
    const stream: SseConnection = await open();
    cleanups.push(async () => stream.close());
    await write();
    await stream.waitForEvents(1, 3000);

    proxy.silence();
    // Writes spread over the time it takes to notice the silence and after: each arrives in time.
    for (let i = 2; i <= 12; i++) {
      await write();
      await stream.waitForEvents(i, deliveryBound);
      await sleep(250);
    }
    expect(stream.errors).toEqual([]);
    expect(await feedState()).toBe('down');

    proxy.forward();
    await expect.poll(feedState, { timeout: 15_000 }).toBe('listening');
    await write();
    await stream.waitForEvents(13, 3000);
    expect(stream.events.map((event) => event.id)).toEqual(await truth());
  }, 60_000);

  it('ends a stream whose reads stall with an error event; reconnecting with Last-Event-ID loses and repeats nothing', async () => {
    const stallBound = 1500;
    const { proxy, write, open, truth } = await setUp('pool', stallBound);
    const first = await open();
    cleanups.push(async () => first.close());
    await write();
    await write();
    await first.waitForEvents(2, 3000);

    proxy.silence();
    const silencedAt = performance.now();
    // The notification arrives (LISTEN is direct); the read it causes does not answer.
    await write();
    await first.closed;
    const endedAfter = performance.now() - silencedAt;
    expect(first.errors).toEqual([{ errors: [expect.objectContaining({ status: '503' })] }]);
    // Within its bound (the safety-poll interval) and the slack of a loaded machine.
    expect(endedAfter).toBeLessThan(stallBound + 3000);
    await write();

    // The path comes back (its stuck connections cut, as a restarted path would).
    proxy.forward();
    proxy.resetAll();
    const resumed = await open({ 'last-event-id': String(first.lastId()) });
    cleanups.push(async () => resumed.close());
    expect(resumed.status).toBe(200);
    await write();
    const all = await truth();
    expect(all).toHaveLength(5);
    await resumed.waitForEvents(all.length - first.events.length, 10_000);
    expect([...first.events, ...resumed.events].map((event) => event.id)).toEqual(all);
  }, 60_000);
});
