import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/store.js';
import { wrapStore } from '../../src/store/wrap-store.js';
import { createPostgresSchema, postgresAvailable, postgresTestUrl } from '../helpers/stores.js';
import { testActor } from '../helpers/actors.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** Config changes across nodes: NOTIFY inside the write, one LISTEN connection per store. */
describe.runIf(postgresAvailable)('PostgreSQL change listener', () => {
  let schema: string;
  let drop: () => Promise<void>;
  let nodeA: Store;
  let nodeB: Store;
  const heardOnA: number[] = [];

  beforeAll(async () => {
    const created = await createPostgresSchema();
    ({ schema, drop } = created);
    nodeA = await openStore(created.url);
    nodeB = await openStore(created.url);
    await nodeA.migrate();
    nodeA.onConfigChanged((accountId) => heardOnA.push(accountId));
    await sleep(300);
  });
  afterAll(async () => {
    await nodeA.close();
    await nodeB.close();
    await drop();
  });

  const write = (store: Store, accountId: number, scope: string) =>
    store.createConfig({ accountId, integration: 'crm' }, { scope, configJson: '{}', nowSeconds: 1, actor: testActor });

  it('hears a change committed on another node, and its own', async () => {
    await write(nodeB, 21, 'from-b');
    await until(() => heardOnA.includes(21));
    await write(nodeA, 22, 'from-a');
    await until(() => heardOnA.includes(22));
  });

  it('reconnects after its connection is killed, and wakes every account on the way back', async () => {
    const admin = new pg.Client({ connectionString: postgresTestUrl });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`,
        [`switchboard-listen ${schema}`],
      );
      expect(rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    heardOnA.length = 0;
    // Back within a few retries: the accounts with history are woken, whatever was missed.
    await until(() => heardOnA.includes(21) && heardOnA.includes(22));
    heardOnA.length = 0;
    await write(nodeB, 23, 'after-reconnect');
    await until(() => heardOnA.includes(23));
  });
});

/** The LISTEN connection on its own URL (`listenUrl`), through a proxy that resets and goes silent. */
describe.runIf(postgresAvailable)('PostgreSQL change listener on its own path', () => {
  let schema: string;
  let drop: () => Promise<void>;
  let proxy: TcpProxy;
  let listener: Store;
  let writer: Store;
  const heard: number[] = [];

  /** The backend pid of this schema's LISTEN connection, or undefined while there is none. */
  async function listenPid(): Promise<number | undefined> {
    const admin = new pg.Client({ connectionString: postgresTestUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = $1`,
        [`switchboard-listen ${schema}`],
      );
      return rows.length === 1 ? rows[0]!.pid : undefined;
    } finally {
      await admin.end();
    }
  }
  const feed = async () => (await listener.health(1000)).feed;

  beforeAll(async () => {
    const created = await createPostgresSchema();
    ({ schema, drop } = created);
    proxy = await startTcpProxy(Number(new URL(postgresTestUrl).port || 5432));
    writer = await openStore(created.url);
    await writer.migrate();
    // The pool connects directly; only LISTEN goes through the proxy.
    listener = wrapStore(new PostgresStore(created.url, { listenUrl: proxy.urlThrough(created.url) }));
    expect(await feed()).toBe('idle');
    listener.onConfigChanged((accountId) => heard.push(accountId));
    await until(() => proxy.openConnections() === 1);
    while ((await feed()) !== 'listening') await sleep(20);
  });
  afterAll(async () => {
    await listener.close();
    await writer.close();
    await proxy.close();
    await drop();
  });

  it('re-makes the connection after a reset and hears changes on it', async () => {
    const before = await listenPid();
    expect(before).toBeDefined();
    proxy.resetAll();
    await expect.poll(listenPid, { timeout: 5000 }).not.toBe(before);
    await expect.poll(feed).toBe('listening');
    await write(writer, 31, 'after-reset');
    await until(() => heard.includes(31));
  });

  it('notices a silent connection by its health check, polls meanwhile, and re-makes it once the path is back', async () => {
    const before = await listenPid();
    proxy.silence();
    const silenced = Date.now();
    // A check every second, each bounded by 2 s: down within about 3 s, whatever the socket says.
    await expect.poll(feed, { timeout: 6000, interval: 100 }).toBe('down');
    expect(Date.now() - silenced).toBeLessThan(5000);
    heard.length = 0;
    await write(writer, 32, 'while-silent');
    // Heard by the fallback poll of the revision counters, through the pool.
    await until(() => heard.includes(32), 3000);

    proxy.forward();
    await expect.poll(feed, { timeout: 15_000, interval: 100 }).toBe('listening');
    expect(await listenPid()).not.toBe(before);
    heard.length = 0;
    await write(writer, 33, 'after-silence');
    await until(() => heard.includes(33));
  }, 30_000);
});

/** A multi-host URL: the LISTEN connection tries the hosts in order, as the pool does, and takes the writable one. */
describe.runIf(postgresAvailable)('PostgreSQL change listener on a multi-host URL', () => {
  let drop: () => Promise<void>;
  let writer: Store;
  let listener: Store;
  const heard: number[] = [];

  beforeAll(async () => {
    const created = await createPostgresSchema();
    drop = created.drop;
    writer = await openStore(created.url);
    await writer.migrate();
    // The first host refuses connections (port 1); the second is the test server.
    const direct = new URL(created.url);
    const multiHost = created.url.replace(`@${direct.host}`, `@127.0.0.1:1,${direct.host}`);
    expect(multiHost).not.toBe(created.url);
    listener = await openStore(`${multiHost}&target_session_attrs=read-write`);
    listener.onConfigChanged((accountId) => heard.push(accountId));
  });
  afterAll(async () => {
    await listener.close();
    await writer.close();
    await drop();
  });

  it('skips a host that does not answer and hears changes by NOTIFY', async () => {
    await expect.poll(async () => (await listener.health(1000)).feed, { timeout: 10_000 }).toBe('listening');
    await write(writer, 41, 'multi-host');
    await until(() => heard.includes(41));
  });
});

function write(store: Store, accountId: number, scope: string) {
  return store.createConfig(
    { accountId, integration: 'crm' },
    { scope, configJson: '{}', nowSeconds: 1, actor: testActor },
  );
}
