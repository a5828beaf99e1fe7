import pg from 'pg';
import { testActor } from '../helpers/actors.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { ChangeFeedState, Store } from '../../src/store/store.js';
import { ReadCacheEpochs } from '../../src/zis/configs/read-cache-epochs.js';
import { RenderedConfigs } from '../../src/zis/configs/rendered-configs.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable, urlForDriver } from '../helpers/stores.js';

const configs = '/api/services/zis/integrations/app/configs';

/** Polls `read` until `check` holds; returns how long that took, or fails after `ms`. */
async function within(ms: number, read: () => Promise<unknown>, check: (value: unknown) => boolean): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (check(await read())) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`not seen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Issue 23, 1(b): `SWITCHBOARD_POSTGRES_READ_CACHE=on`. Two nodes on one schema, as behind
 * a load balancer: A with the cache, B without. A keeps rendered answers until the
 * account's next change notification, never answers its own client's read with what that
 * client's write replaced, and hears B's writes through NOTIFY.
 */
describe.runIf(postgresAvailable)('PostgreSQL read cache', () => {
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  let storeA: Store;
  let storeB: Store;
  let a: TestServer;
  let b: TestServer;
  let tenant: Tenant;
  let token: string;
  let sql: pg.Client;
  const read = (server: TestServer, scope: string) =>
    call(server.baseUrl, 'GET', `${configs}/${scope}`, { token }).then((answer) => answer.json.config?.config);

  beforeAll(async () => {
    schema = await createPostgresSchema();
    storeA = await openStore(schema.url);
    await storeA.migrate();
    storeB = await openStore(schema.url);
    a = await startServer(storeA, { settings: { postgresReadCache: true } });
    b = await startServer(storeB, { settings: { postgresReadCache: false } });
    tenant = await createTenant(storeA, 'acme', ['app']);
    token = tenant.tokens.app!;
    sql = new pg.Client({ connectionString: schema.url });
    await sql.connect();
    // A's LISTEN connection is up before the tests lean on it.
    await within(
      5000,
      async () => storeA.capabilities.feedState(),
      (state) => state === 'listening',
    );
  });
  afterAll(async () => {
    await sql?.end();
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all([storeA?.close(), storeB?.close()]);
    await schema?.drop();
  });

  /**
   * A create through A. A's listeners hear of it once, before the answer: its NOTIFY coming
   * back to A is passed over (test/store/postgres-own-notify.test.ts), so what A keeps after
   * the answer stays kept. Until that fix this waited out a second wake-up.
   */
  async function create(scope: string, config: { n: number }): Promise<number> {
    let heard = 0;
    const stop = storeA.onConfigChanged(() => heard++);
    try {
      const { status } = await call(a.baseUrl, 'POST', configs, { token, body: { scope, config } });
      expect(heard).toBe(1);
      return status;
    } finally {
      stop();
    }
  }

  it('answers from the cache until a change notification, which the database alone does not send', async () => {
    expect(await create('kept', { n: 1 })).toBe(201);
    expect(await read(a, 'kept')).toEqual({ n: 1 }); // read, rendered and kept
    // Behind every node's back: no NOTIFY, so A does not know.
    await sql.query(`UPDATE configs SET config = '{"n":2}' WHERE scope = 'kept'`);
    expect(await read(a, 'kept')).toEqual({ n: 1 });
    expect(await read(b, 'kept')).toEqual({ n: 2 }); // B has no cache
    // The notification a write sends: A forgets the account's answers.
    await sql.query(`SELECT pg_notify('switchboard_config_changes', $1)`, [`${schema.schema}:${tenant.accountId}`]);
    await within(
      2000,
      () => read(a, 'kept'),
      (config) => (config as { n: number }).n === 2,
    );
  });

  it('keeps wildcard list pages the same way', async () => {
    const list = () =>
      call(a.baseUrl, 'GET', `${configs}?filter[scope]=listed*`, { token }).then((answer) =>
        answer.json.configs.map((c: { config: { n: number } }) => c.config.n),
      );
    expect(await create('listed-1', { n: 1 })).toBe(201);
    expect(await list()).toEqual([1]);
    await sql.query(`UPDATE configs SET config = '{"n":2}' WHERE scope = 'listed-1'`);
    expect(await list()).toEqual([1]); // kept
    await sql.query(`SELECT pg_notify('switchboard_config_changes', $1)`, [`${schema.schema}:${tenant.accountId}`]);
    await within(2000, list, (ns) => (ns as number[])[0] === 2);
    // This node's own write, at once.
    await call(a.baseUrl, 'PATCH', `${configs}/listed-1`, { token, body: { config: { n: 3 } } });
    expect(await list()).toEqual([3]);
  });

  it("never answers a client's read with what its own write through this node replaced", async () => {
    expect((await call(a.baseUrl, 'POST', configs, { token, body: { scope: 'own', config: { n: 0 } } })).status).toBe(
      201,
    );
    for (let n = 1; n <= 30; n++) {
      expect(await read(a, 'own')).toEqual({ n: n - 1 });
      const patched = await call(a.baseUrl, 'PATCH', `${configs}/own`, { token, body: { config: { n } } });
      expect(patched.status).toBe(200);
      expect(await read(a, 'own')).toEqual({ n });
    }
  });

  it("hears another node's writes through NOTIFY, within milliseconds", async () => {
    expect((await call(b.baseUrl, 'POST', configs, { token, body: { scope: 'other', config: { n: 0 } } })).status).toBe(
      201,
    );
    await within(
      2000,
      () => read(a, 'other'),
      (config) => (config as { n: number } | undefined)?.n === 0,
    );
    const lags: number[] = [];
    for (let n = 1; n <= 20; n++) {
      expect(await read(a, 'other')).toEqual({ n: n - 1 }); // kept
      const patched = await call(b.baseUrl, 'PATCH', `${configs}/other`, { token, body: { config: { n } } });
      expect(patched.status).toBe(200);
      lags.push(
        await within(
          2000,
          () => read(a, 'other'),
          (config) => (config as { n: number }).n === n,
        ),
      );
    }
    // The bound is the notification's delay; 2 s would mean the cache only learnt by luck.
    expect(Math.max(...lags)).toBeLessThan(2000);
  });
});

/**
 * What the cache's own-write promise rests on: a config write's change is told to this
 * store's listeners before the write's promise resolves, whether the other nodes hear of it
 * by NOTIFY or by polling (`postgres-basic`: the poll is 250 ms away, so only the store
 * itself can have told it).
 */
describe.runIf(postgresAvailable).each(['postgres', 'postgres-basic'])('a config write on %s', (driver) => {
  it("is told to this store's listeners before it resolves", async () => {
    const schema = await createPostgresSchema();
    const store = await openStore(urlForDriver(schema.url, driver));
    try {
      await store.migrate();
      const tenant = await createTenant(store, 'acme', ['app']);
      const heard: number[] = [];
      const unsubscribe = store.onConfigChanged((accountId) => heard.push(accountId));
      // Listening (or polling) before the writes, as a node is once its cache is made.
      await within(
        5000,
        async () => store.capabilities.feedState(),
        (state) => state === 'listening' || state === 'polling',
      );
      const key = { accountId: tenant.accountId, integration: 'app' };
      const actor = testActor;
      await store.createConfig(key, { scope: 's', configJson: '{}', nowSeconds: 1, operation: 'create', actor });
      expect(heard).toContain(tenant.accountId);
      heard.length = 0;
      const outcome = await store.updateConfig(key, 's', {
        edit: { kind: 'replace', configJson: '{"n":1}' },
        nowSeconds: 2,
        operation: 'replace',
        actor,
      });
      expect(outcome.kind).toBe('ok');
      expect(heard).toContain(tenant.accountId);
      unsubscribe();
    } finally {
      await store.close();
      await schema.drop();
    }
  });
});

describe('read cache epochs', () => {
  /** A change source and a feed whose state the test sets: the two things the epochs read. */
  const setup = () => {
    let listener: (accountId: number) => void = () => {};
    const feed = { state: 'listening' as ChangeFeedState, generation: 1 };
    const epochs = new ReadCacheEpochs(
      {
        onConfigChanged: (l) => {
          listener = l;
          return () => (listener = () => {});
        },
      },
      { feedState: () => feed.state, feedGeneration: () => feed.generation },
    );
    return { epochs, feed, changed: (accountId: number) => listener(accountId) };
  };

  it("moves one account's epoch on its change, and no other's", () => {
    const { epochs, changed } = setup();
    const [one, two] = [epochs.epochOf(1), epochs.epochOf(2)];
    expect(one).toBeDefined();
    changed(1);
    expect(epochs.epochOf(1)).not.toBe(one);
    expect(epochs.epochOf(2)).toBe(two);
  });

  it('says none while the feed is not listening, and a new one for every account after a gap', () => {
    const { epochs, feed } = setup();
    const before = epochs.epochOf(1);
    feed.state = 'down';
    expect(epochs.epochOf(1)).toBeUndefined();
    feed.state = 'listening';
    feed.generation = 2;
    expect(epochs.epochOf(1)).not.toBe(before);
    // A gap no read saw (down and back between two reads) moves it too.
    const after = epochs.epochOf(1);
    feed.generation = 3;
    expect(epochs.epochOf(1)).not.toBe(after);
  });

  it('keeps no answer read before its account changed', () => {
    const cache = new RenderedConfigs(10);
    const answer = { integration: 'app', etag: '"1-1"', body: '{}', bytes: 2 };
    cache.set(1, '/a', 5, answer, 6); // read at 5, the account at 6 when it came back
    expect(cache.get(1, '/a', 5)).toBeUndefined();
    expect(cache.get(1, '/a', 6)).toBeUndefined();
    cache.set(1, '/a', 6, answer, 6);
    cache.set(2, '/a', 9, answer, 9);
    expect(cache.get(1, '/a', 6)).toBe(answer);
    expect(cache.get(1, '/a', 7)).toBeUndefined(); // account 1 moved: forgotten
    expect(cache.get(2, '/a', 9)).toBe(answer); // account 2 kept
  });
});
