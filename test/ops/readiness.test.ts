// /readyz tells the truth about PostgreSQL: it answers within its own 1 s bound whatever the
// database does, and says not ready when the database is silent, read-only (a standby or a
// read-only database behind the endpoint) or when the change feed's LISTEN connection is
// down; a store that polls by design (no LISTEN) is ready.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { wrapStore } from '../../src/store/wrap-store.js';
import { call, openTempSqlite, startServer, type TestServer } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable, postgresTestUrl, urlForDriver } from '../helpers/stores.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/** What a readiness probe sees, and how long it took. */
async function probe(server: TestServer): Promise<{ status: number; json: any; ms: number }> {
  const started = performance.now();
  const { status, json } = await call(server.baseUrl, 'GET', '/readyz');
  return { status, json, ms: performance.now() - started };
}

async function untilStatus(server: TestServer, status: number, withinMs = 10_000) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const answer = await probe(server);
    if (answer.status === status) return answer;
    if (Date.now() > deadline)
      throw new Error(`/readyz still answers ${answer.status}: ${JSON.stringify(answer.json)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('SQLite health', () => {
  it('is reachable, writable, and hears its own writes in process', async () => {
    const { store, cleanup } = await openTempSqlite();
    try {
      expect(await store.health(1000)).toEqual({ reachable: true, writable: true, feed: 'in-process' });
    } finally {
      await cleanup();
    }
  });
});

describe.runIf(postgresAvailable)('/readyz on PostgreSQL', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A migrated schema, a server over a store opened by `open`, cleaned up after the test. */
  async function serverOver(open: (url: string) => Promise<Store>, urlOf = (url: string) => url) {
    const { url, drop } = await createPostgresSchema();
    cleanups.push(drop);
    const migrator = await openStore(url);
    await migrator.migrate();
    await migrator.close();
    const store = await open(urlOf(url));
    cleanups.push(() => store.close());
    const server = await startServer(store);
    cleanups.push(() => server.close());
    return { url, server };
  }

  async function proxyTo(url: string): Promise<TcpProxy> {
    const proxy = await startTcpProxy(Number(new URL(url).port || 5432));
    cleanups.push(() => proxy.close());
    return proxy;
  }

  it('is ready with its LISTEN connection up, and not ready (503) within ~1 s when the database goes silent', async () => {
    const proxy = await proxyTo(postgresTestUrl);
    const { server } = await serverOver(openStore, (url) => proxy.urlThrough(url));
    const ready = await untilStatus(server, 200);
    expect(ready.json).toEqual({ status: 'ready', database: 'postgres' });

    proxy.silence();
    const silent = await probe(server);
    expect(silent.status).toBe(503);
    expect(silent.json).toMatchObject({ status: 'unavailable', database: 'postgres', reason: 'timeout' });
    // Its own bound (1 s) plus 1 s of slack for a loaded machine: never the 5-30 s of a pool's wait.
    expect(silent.ms).toBeLessThan(2000);

    proxy.forward();
    proxy.resetAll();
    await untilStatus(server, 200);
  });

  it('is not ready while its LISTEN connection is down, and ready again once it is re-made', async () => {
    const proxy = await proxyTo(postgresTestUrl);
    const { server } = await serverOver(async (url) =>
      wrapStore(new PostgresStore(url, { listenUrl: proxy.urlThrough(url) })),
    );
    await untilStatus(server, 200);

    // Only the LISTEN path goes silent: the pool's queries still answer.
    proxy.silence();
    const down = await untilStatus(server, 503, 6000);
    expect(down.json).toMatchObject({ reason: 'feed_down' });

    proxy.forward();
    proxy.resetAll();
    expect((await untilStatus(server, 200, 10_000)).json).toEqual({ status: 'ready', database: 'postgres' });
  });

  it('is ready when the store polls by design (no LISTEN connection, as behind a transaction pooler)', async () => {
    const { server } = await serverOver(openStore, (url) => urlForDriver(url, 'postgres-basic'));
    const answer = await probe(server);
    expect(answer).toMatchObject({ status: 200, json: { status: 'ready', database: 'postgres' } });
  });

  describe('with a read-only database behind the endpoint', () => {
    const database = `sb_readonly_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresTestUrl });
    afterAll(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
      await admin.end();
    });

    it('answers 503 read_only (as it would on a standby), and 200 once writes are accepted again', async () => {
      await admin.connect();
      await admin.query(`CREATE DATABASE ${database}`);
      const url = new URL(postgresTestUrl);
      url.pathname = `/${database}`;
      const migrator = await openStore(url.toString());
      await migrator.migrate();
      await migrator.close();
      // Every new session is read-only, as on a hot standby: SHOW transaction_read_only says on.
      await admin.query(`ALTER DATABASE ${database} SET default_transaction_read_only = on`);

      const store = await openStore(url.toString());
      cleanups.push(() => store.close());
      const server = await startServer(store);
      cleanups.push(() => server.close());
      const readOnly = await probe(server);
      expect(readOnly.status).toBe(503);
      expect(readOnly.json).toMatchObject({ status: 'unavailable', reason: 'read_only' });

      await admin.query(`ALTER DATABASE ${database} SET default_transaction_read_only = off`);
      // Open sessions keep the setting they started with: end them, so the pool opens writable ones.
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [database],
      );
      await untilStatus(server, 200);
    });
  });
});
