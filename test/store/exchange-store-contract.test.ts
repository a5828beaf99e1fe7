import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValueCipher } from '../../src/store/encryption/value-cipher.js';
import { rotateExchangeKeys } from '../../src/store/encryption/exchange-rotation.js';
import type { ExchangeScope, NewExchange } from '../../src/store/exchange-store.js';
import type { Store } from '../../src/store/store.js';
import { openEncrypted, testKey } from '../helpers/encrypted-stores.js';
import { countRows, execSql } from '../helpers/raw-sql.js';
import { createTenant } from '../helpers/server.js';
import { storeProfiles } from '../helpers/stores.js';
import pg from 'pg';
import Database from 'better-sqlite3';

const T0 = 1_700_000_000_000;

/** Every exchange's stored bodies, as the database holds them. */
async function storedBodies(url: string): Promise<{ request_body: string; response_body: string | null }[]> {
  const statement = 'SELECT request_body, response_body FROM exchanges ORDER BY id';
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare(statement).all() as { request_body: string; response_body: string | null }[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ request_body: string; response_body: string | null }>(statement)).rows;
  } finally {
    await client.end();
  }
}

describe.each(storeProfiles)('the exchange store on $name', (kind) => {
  const first = testKey('first');
  const second = testKey('second');
  let opened: Awaited<ReturnType<typeof openEncrypted>>;
  let store: Store;
  let scope: ExchangeScope;
  let otherScope: ExchangeScope;
  let foreignScope: ExchangeScope;

  async function instanceOf(accountId: number, integrationId: number, name: string) {
    return store.channels.createInstance({
      accountId,
      integrationId,
      name,
      metadata: '',
      state: '',
      instancePushId: `push-${name}-${Math.random()}`,
      pushTokenHash: `hash-${name}-${Math.random()}`,
      nowMs: T0,
    });
  }

  beforeAll(async () => {
    opened = await openEncrypted(kind, [first]);
    store = opened.store;
    const mine = await createTenant(store, 'acme', []);
    const theirs = await createTenant(store, 'globex', []);
    const integration = (accountId: number) =>
      store.channels.createIntegration({
        accountId,
        remoteId: 'com.example.chat',
        name: 'Chat',
        manifestUrl: 'https://chat.example/manifest.json',
        manifestJson: JSON.stringify({ name: 'Chat', id: 'com.example.chat', urls: {} }),
        nowMs: T0,
      });
    const on = await integration(mine.accountId);
    const a = await instanceOf(mine.accountId, on.id, 'a');
    const b = await instanceOf(mine.accountId, on.id, 'b');
    const foreign = await integration(theirs.accountId);
    const c = await instanceOf(theirs.accountId, foreign.id, 'c');
    scope = { accountId: mine.accountId, integrationId: on.id, instanceId: a.id };
    otherScope = { ...scope, instanceId: b.id };
    foreignScope = { accountId: theirs.accountId, integrationId: foreign.id, instanceId: c.id };
  });
  afterAll(async () => {
    await opened?.cleanup();
  });

  const exchange = (owner: ExchangeScope, n: number, fields: Partial<NewExchange> = {}): NewExchange => ({
    accountId: owner.accountId,
    integrationId: owner.integrationId,
    instanceId: owner.instanceId,
    kind: 'pull',
    method: 'POST',
    url: 'https://chat.example/pull',
    startedAt: T0 + n,
    durationMs: 5,
    httpStatus: 200,
    outcome: 'ok',
    error: null,
    findingsJson: '[]',
    requestBody: `metadata=secret-${n}&state=s`,
    requestBytes: 20,
    responseBody: `{"n":${n}}`,
    responseBytes: 8,
    ...fields,
  });

  it('keeps the newest 200 of a ring, and the table never holds more of it', async () => {
    let most = 0;
    for (let n = 1; n <= 230; n++) {
      await store.exchanges.recordExchange(exchange(scope, n), 200);
      if (n >= 195)
        most = Math.max(most, await countRows(opened.url, 'exchanges', `instance_id = ${scope.instanceId}`));
    }
    expect(most).toBe(200);
    expect(await countRows(opened.url, 'exchanges', `instance_id = ${scope.instanceId}`)).toBe(200);
    const newest = await store.exchanges.listExchanges(scope, { limit: 500 });
    expect(newest.map((e) => e.startedAt - T0)).toEqual(Array.from({ length: 200 }, (_, i) => 230 - i));
  });

  it("keeps each ring apart: another instance's, and the integration's own", async () => {
    for (let n = 1; n <= 4; n++) await store.exchanges.recordExchange(exchange(otherScope, n), 3);
    for (let n = 1; n <= 5; n++) {
      await store.exchanges.recordExchange(exchange(scope, 1000 + n, { instanceId: null, kind: 'manifest' }), 2);
    }
    expect(await countRows(opened.url, 'exchanges', `instance_id = ${otherScope.instanceId}`)).toBe(3);
    expect(await countRows(opened.url, 'exchanges', `instance_id = ${scope.instanceId}`)).toBe(200);
    expect(await countRows(opened.url, 'exchanges', 'instance_id IS NULL')).toBe(2);
    // An instance's list holds its own and its integration's, not its sibling's.
    const page = await store.exchanges.listExchanges(otherScope, { limit: 10 });
    expect(page.map((e) => `${e.kind}:${e.startedAt - T0}`)).toEqual([
      'manifest:1005',
      'manifest:1004',
      'pull:4',
      'pull:3',
      'pull:2',
    ]);
    const older = await store.exchanges.listExchanges(otherScope, { limit: 2, beforeId: page[2]!.id });
    expect(older.map((e) => e.startedAt - T0)).toEqual([3, 2]);
  });

  it("finds nothing of another account's, and reads bodies back", async () => {
    const [newest] = await store.exchanges.listExchanges(scope, { limit: 1 });
    const one = await store.exchanges.getExchange(scope, newest!.id);
    expect(one).toMatchObject({ requestBody: 'metadata=secret-1005&state=s', responseBody: '{"n":1005}' });
    expect(await store.exchanges.getExchange(foreignScope, newest!.id)).toBeUndefined();
    expect(await store.exchanges.listExchanges(foreignScope, { limit: 10 })).toEqual([]);
    const sibling = (await store.exchanges.listExchanges(scope, { limit: 3 })).find((e) => e.kind === 'pull')!;
    expect(await store.exchanges.getExchange(otherScope, sibling.id)).toBeUndefined();
  });

  it('stores bodies only as ciphertext, and key rotation re-encrypts them', async () => {
    const stored = await storedBodies(opened.url);
    expect(stored.length).toBeGreaterThan(0);
    for (const row of stored) {
      expect(row.request_body).toMatch(/^enc:v1:first:/);
      expect(row.response_body).toMatch(/^enc:v1:first:/);
    }
    const rotated = await opened.reopen([second, first]);
    const totals = await rotateExchangeKeys(rotated.exchanges, { batchSize: 50 });
    expect(totals).toEqual({ scanned: stored.length, reencrypted: stored.length, changedMeanwhile: 0 });
    for (const row of await storedBodies(opened.url)) expect(row.request_body).toMatch(/^enc:v1:second:/);
    const onlySecond = await opened.reopen([second]);
    const [newest] = await onlySecond.exchanges.listExchanges(scope, { limit: 1 });
    expect((await onlySecond.exchanges.getExchange(scope, newest!.id))?.requestBody).toBe(
      'metadata=secret-1005&state=s',
    );
    expect(await rotateExchangeKeys(rotated.exchanges, { batchSize: 50 })).toMatchObject({ reencrypted: 0 });
    // Without the key, a body cannot be read (as metadata cannot).
    const keyless = await opened.reopen([]);
    await expect(keyless.exchanges.getExchange(scope, newest!.id)).rejects.toThrow(/not in the key ring/);
    expect(new ValueCipher([]).enabled).toBe(false);
  });

  it('goes with its instance when the instance is deleted', async () => {
    await execSql(opened.url, `DELETE FROM instances WHERE id = ${otherScope.instanceId}`);
    expect(await countRows(opened.url, 'exchanges', `instance_id = ${otherScope.instanceId}`)).toBe(0);
    expect(await countRows(opened.url, 'exchanges', `instance_id = ${scope.instanceId}`)).toBe(200);
  });
});
