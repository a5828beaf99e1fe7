// The fault cases of a database that stops answering or stops being writable: a silent path
// (packets dropped, sockets open), an endpoint on a standby, and a failover behind a
// multi-host URL. Every request answers within its bound, never 500; connections in doubt
// are discarded; the outage is logged once. Throwaway clusters, never the shared server.

import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { buildApp } from '../../src/server/app.js';
import { loadSettings } from '../../src/settings.js';
import type { PostgresSettings } from '../../src/postgres-settings.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { call, createTenant, type Tenant } from '../helpers/server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import {
  createThrowawayPostgres,
  createThrowawayStandby,
  throwawayPostgresProblem,
  type ThrowawayPostgres,
  type ThrowawayStandby,
} from '../helpers/throwaway-postgres.js';

const problem = await throwawayPostgresProblem();
const inCi = process.env.CI === 'true';
if (problem && !inCi) console.warn(`PostgreSQL bounded-waits fault test skipped: ${problem}.`);

/** Short bounds, as the fault suite runs them. */
const bounds: PostgresSettings = {
  poolSize: 3,
  connectTimeoutMs: 1000,
  acquireTimeoutMs: 1000,
  queryTimeoutMs: 1000,
  statementTimeoutMs: 1000,
  lockTimeoutMs: 500,
  idleInTransactionTimeoutMs: 2000,
};
const configs = '/api/services/zis/integrations/my_integration/configs';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A served app over `store`, with its log lines kept. */
async function serveWithLog(store: Store) {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const settings = { ...loadSettings({}), authCacheMs: 0 };
  const app = await buildApp({ store, settings, clock: systemClock, loggerInstance: pino({ level: 'info' }, sink) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return { app, baseUrl, lines };
}

/** A config write, timed, with a bound on the wait so a hang fails the test rather than stalling it. */
async function timedPost(baseUrl: string, token: string, scope: string) {
  const started = performance.now();
  const response = await fetch(baseUrl + configs, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope, config: { scope } }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: text ? JSON.parse(text) : undefined,
    retryAfter: response.headers.get('retry-after'),
    ms: performance.now() - started,
  };
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(problem !== undefined && !inCi)('PostgreSQL waits bounded, failover-aware connections', () => {
  let primary: ThrowawayPostgres | undefined;
  let standby: ThrowawayStandby | undefined;
  let proxy: TcpProxy | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  let tenant: Tenant;

  beforeAll(async () => {
    if (problem) throw new Error(`CI must run the PostgreSQL bounded-waits fault test, but: ${problem}`);
    primary = await createThrowawayPostgres();
    const store = await openStore(primary.url, { postgres: bounds });
    await store.migrate();
    tenant = await createTenant(store, 'bounded', ['my_integration']);
    await store.close();
    standby = await createThrowawayStandby(primary);
    proxy = await startTcpProxy(primary.port);
  }, 60_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await proxy?.close();
    await standby?.destroy();
    await primary?.destroy();
  });

  async function openServed(url: string) {
    const store = await openStore(url, { postgres: bounds });
    const served = await serveWithLog(store);
    closers.push(
      () => store.close(),
      () => served.app.close(),
    );
    return { store, ...served };
  }

  it('answers 503 within the query timeout + 1 s on a silent path, discards the connection, logs the outage once', async () => {
    const { store, baseUrl, lines } = await openServed(proxy!.urlThrough(primary!.url));
    const token = tenant.tokens.my_integration!;
    expect((await timedPost(baseUrl, token, 'before_silence')).status).toBe(201);

    const silencedAt = (await sql<{ now: Date }>(primary!.url, 'SELECT now()'))[0]!.now;
    proxy!.silence();
    const during = [];
    for (let n = 0; n < 3; n++) during.push(await timedPost(baseUrl, token, `silent_${n}`));
    for (const outcome of during) {
      expect(outcome.status, JSON.stringify(outcome)).toBe(503);
      expect(outcome.ms).toBeLessThan(bounds.queryTimeoutMs + bounds.acquireTimeoutMs + 1000);
      expect(outcome.retryAfter).toBe('1');
      expect(outcome.json.errors[0]).toMatchObject({ status: '503' });
    }
    // The first request waited on the silent connection itself: the query timeout bounds it.
    expect(during[0]!.ms).toBeLessThan(bounds.queryTimeoutMs + 1000);
    expect(store.databaseHealth!.counters.queryTimeouts).toBeGreaterThanOrEqual(1);
    expect(store.databaseHealth!.counters.discarded).toBeGreaterThanOrEqual(1);
    expect(store.databaseHealth!.counters.renewals).toBeGreaterThanOrEqual(1);

    proxy!.forward();
    // No stranded connection in the pool: more requests at once than it holds all succeed.
    let recovered: number | undefined;
    const back = performance.now();
    for (let n = 0; recovered === undefined; n++) {
      const outcome = await timedPost(baseUrl, token, `back_${n}`);
      if (outcome.status === 201) recovered = performance.now() - back;
      else expect(outcome.status).toBe(503);
      expect(performance.now() - back).toBeLessThan(5000);
    }
    const burst = await Promise.all(
      Array.from({ length: bounds.poolSize * 2 }, (_, n) => timedPost(baseUrl, token, `burst_${n}`)),
    );
    expect(burst.map((o) => o.status)).toEqual(burst.map(() => 201));

    // Every pooled connection open before the silence is gone from the server (the LISTEN
    // connection, 'switchboard-listen …', has its own health check).
    let old = -1;
    for (let waited = 0; waited < 5000 && old !== 0; waited += 100) {
      const [row] = await sql<{ n: number }>(
        primary!.url,
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'switchboard' AND backend_start < $1`,
        [silencedAt],
      );
      old = row!.n;
      if (old !== 0) await sleep(100);
    }
    expect(old).toBe(0);

    // Logged once when it began and once when it ended; no stack trace per request.
    const unavailable = lines.filter((line) => line.msg.startsWith('database unavailable'));
    const availableAgain = lines.filter((line) => line.msg === 'database available again');
    expect(unavailable, JSON.stringify(lines)).toHaveLength(1);
    expect(unavailable[0]!.level).toBe(40);
    expect(availableAgain, JSON.stringify(lines)).toHaveLength(1);
    expect(availableAgain[0]!.level).toBe(30);
    expect(lines.filter((line) => line.msg === 'request failed')).toEqual([]);
    // Nor a stack trace from background work (the revocation watch reads every second).
    expect(lines.filter((line) => 'err' in line)).toEqual([]);

    const metrics = await call(baseUrl, 'GET', '/metrics');
    expect(metrics.text).toMatch(/^switchboard_postgres_query_timeouts_total [1-9]/m);
    expect(metrics.text).toMatch(/^switchboard_postgres_discarded_connections_total [1-9]/m);
    expect(metrics.text).toMatch(/^switchboard_postgres_available 1$/m);
  });

  it('answers 503 to a write that waits on another session’s row lock past the lock timeout', async () => {
    const { baseUrl, lines } = await openServed(primary!.url);
    const token = tenant.tokens.my_integration!;
    expect((await timedPost(baseUrl, token, 'locked')).status).toBe(201);
    const locker = new pg.Client({ connectionString: primary!.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM configs WHERE scope = 'locked' FOR UPDATE`);
      const started = performance.now();
      const patch = await call(baseUrl, 'PATCH', `${configs}/locked`, { token, body: { config: { k: 1 } } });
      const ms = performance.now() - started;
      expect(patch.status, patch.text).toBe(503);
      expect(patch.headers.get('retry-after')).toBe('1');
      expect(ms).toBeLessThan(bounds.lockTimeoutMs + 1000);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    // Once the lock is gone the same write goes through, and nothing was logged as an outage.
    const patch = await call(baseUrl, 'PATCH', `${configs}/locked`, { token, body: { config: { k: 2 } } });
    expect(patch.status).toBe(200);
    expect(lines.filter((line) => /^database unavailable|^request failed/.test(line.msg))).toEqual([]);
  });

  it('answers 503, not 500, to a write on an endpoint that is a standby', async () => {
    // The tenant and the first test's configs reached the standby with the rest of the primary's data.
    await waitFor(
      async () => (await sql(standby!.url, `SELECT 1 FROM configs WHERE scope = 'before_silence'`)).length > 0,
    );
    const { store, baseUrl, lines } = await openServed(standby!.url);
    const outcome = await timedPost(baseUrl, tenant.tokens.my_integration!, 'on_standby');
    expect(outcome.status, JSON.stringify(outcome.json)).toBe(503);
    expect(outcome.json.errors[0]).toMatchObject({ status: '503' });
    expect(store.databaseHealth!.counters.discarded).toBeGreaterThanOrEqual(1);
    expect(lines.filter((line) => line.msg === 'request failed')).toEqual([]);
    // Reads still answer from it.
    const read = await call(baseUrl, 'GET', `${configs}/before_silence`, { token: tenant.tokens.my_integration! });
    expect(read.status, read.text).toBe(200);
  });

  it('takes the host target_session_attrs asks for from a multi-host URL, in either order, and follows a promotion', async () => {
    const hosts = (a: { port: number }, b: { port: number }) =>
      `postgres://postgres@127.0.0.1:${a.port},127.0.0.1:${b.port}/postgres?target_session_attrs=read-write`;
    for (const [order, url] of [
      ['standby first', hosts(standby!, primary!)],
      ['primary first', hosts(primary!, standby!)],
    ] as const) {
      const { baseUrl } = await openServed(url);
      const outcome = await timedPost(baseUrl, tenant.tokens.my_integration!, `multi_${order.replace(' ', '_')}`);
      expect(outcome.status, `${order}: ${JSON.stringify(outcome.json)}`).toBe(201);
    }

    // `any` takes the first host that answers, even a standby; `standby` skips the primary.
    for (const [attrs, url] of [
      ['any', hosts(standby!, primary!).replace('read-write', 'any')],
      ['standby', hosts(primary!, standby!).replace('read-write', 'standby')],
    ] as const) {
      const { baseUrl } = await openServed(url);
      const write = await timedPost(baseUrl, tenant.tokens.my_integration!, `multi_${attrs}`);
      expect(write.status, `${attrs}: ${JSON.stringify(write.json)}`).toBe(503);
      const read = await call(baseUrl, 'GET', `${configs}/before_silence`, { token: tenant.tokens.my_integration! });
      expect(read.status, `${attrs}: ${read.text}`).toBe(200);
    }

    // The standby URL second: after a failover it is the one to take.
    const { baseUrl } = await openServed(hosts(primary!, standby!));
    expect((await timedPost(baseUrl, tenant.tokens.my_integration!, 'before_failover')).status).toBe(201);
    await waitFor(
      async () => (await sql(standby!.url, `SELECT 1 FROM configs WHERE scope = 'before_failover'`)).length > 0,
    );
    await primary!.stop('fast');
    await standby!.promote();
    const promoted = performance.now();
    for (let n = 0; ; n++) {
      const outcome = await timedPost(baseUrl, tenant.tokens.my_integration!, `after_failover_${n}`);
      if (outcome.status === 201) break;
      expect(outcome.status, JSON.stringify(outcome.json)).toBe(503);
      expect(performance.now() - promoted).toBeLessThan(5000);
      await sleep(100);
    }
    const [row] = await sql<{ n: number }>(
      standby!.url,
      `SELECT count(*)::int AS n FROM configs WHERE scope LIKE 'after_failover_%'`,
    );
    expect(row!.n).toBe(1);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}
