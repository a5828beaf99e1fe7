import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { Actor, ConfigRevision, IntegrationKey, Store } from '../../src/store/store.js';
import { storeProfiles, type OpenedStore } from '../helpers/stores.js';

const now = 1_700_000_000;
const token: Actor = { type: 'token', id: '17', requestId: 'req-1' };
const admin: Actor = { type: 'admin', id: 'admin@acme.test' };

/** Resolves with the next account id a listener hears, or undefined after `ms`. */
function nextChange(store: Store, ms = 3000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stop();
      resolve(undefined);
    }, ms);
    const stop = store.onConfigChanged((accountId) => {
      clearTimeout(timer);
      stop();
      resolve(accountId);
    });
  });
}

const numbers = (revisions: ConfigRevision[]) => revisions.map((r) => r.revision);

/** Config history (issue 10): every store kind passes the same tests. */
describe.each(storeProfiles)('Config history contract on $name', (kind) => {
  let opened: OpenedStore;
  let store: Store;
  const others: Store[] = [];
  const key: IntegrationKey = { accountId: 7, integration: 'crm' };

  beforeAll(async () => {
    opened = await kind.open();
    store = opened.store;
  });
  afterAll(async () => {
    for (const other of others) await other.close();
    await opened.cleanup();
  });

  const create = (scope: string, json = '{"a":1}', k = key, actor = token) =>
    store.createConfig(k, { scope, configJson: json, nowSeconds: now, actor });
  const merge = (scope: string, json: string, precondition?: { ifMatch: string }) =>
    store.updateConfig(key, scope, {
      edit: { kind: 'replace', configJson: json },
      precondition,
      nowSeconds: now + 5,
      operation: 'merge',
      actor: admin,
    });

  it('writes a revision for each create, replace, merge and delete, numbered per account', async () => {
    expect(await store.revisionBounds(key.accountId)).toEqual({ oldest: 1, latest: 0 });
    const created = await create('app/one');
    if (created === 'exists') throw new Error('exists');
    await store.updateConfig(key, 'app/one', {
      edit: { kind: 'replace', configJson: '{"b":2}' },
      nowSeconds: now + 1,
      operation: 'replace',
      actor: token,
    });
    await merge('app/one', '{"b":2,"c":3}');
    await store.deleteConfig(key, 'app/one', undefined, { actor: admin, nowSeconds: now + 9 });

    const history = await store.listConfigRevisions(key, 'app/one', { limit: 10 });
    expect(history).toEqual([
      {
        revision: 4,
        integration: 'crm',
        scope: 'app/one',
        operation: 'delete',
        configJson: undefined,
        configId: created.id,
        version: 3,
        changedAtSeconds: now + 9,
        actor: admin,
      },
      {
        revision: 3,
        integration: 'crm',
        scope: 'app/one',
        operation: 'merge',
        configJson: '{"b":2,"c":3}',
        configId: created.id,
        version: 3,
        changedAtSeconds: now + 5,
        actor: admin,
      },
      expect.objectContaining({ revision: 2, operation: 'replace', configJson: '{"b":2}', version: 2, actor: token }),
      expect.objectContaining({ revision: 1, operation: 'create', configJson: '{"a":1}', version: 1 }),
    ]);
    expect(await store.revisionBounds(key.accountId)).toEqual({ oldest: 1, latest: 4 });
    // Another account counts from 1; the first's count is unmoved.
    await create('app/one', '{}', { accountId: 8, integration: 'crm' });
    expect(
      numbers(await store.listConfigRevisions({ accountId: 8, integration: 'crm' }, 'app/one', { limit: 5 })),
    ).toEqual([1]);
    expect((await store.revisionBounds(key.accountId)).latest).toBe(4);
  });

  it('writes no revision for a refused write: exists, precondition failed, refused change, not found', async () => {
    await create('app/two');
    const before = (await store.revisionBounds(key.accountId)).latest;
    expect(await create('app/two')).toBe('exists');
    expect(await merge('app/two', '{}', { ifMatch: '"1-99"' })).toEqual({ kind: 'precondition_failed' });
    await expect(
      store.updateConfig(key, 'app/two', {
        edit: { kind: 'merge', patch: { pad: 'x'.repeat(100) }, maxBytes: 10 },
        nowSeconds: now,
        operation: 'merge',
        actor: token,
      }),
    ).rejects.toThrow('the limit is 10 bytes');
    expect(await merge('app/missing', '{}')).toEqual({ kind: 'not_found' });
    expect(await store.deleteConfig(key, 'app/missing', undefined, { actor: token, nowSeconds: now })).toEqual({
      kind: 'not_found',
    });
    expect(await store.deleteConfig(key, 'app/two', { ifMatch: '"1-99"' }, { actor: token, nowSeconds: now })).toEqual({
      kind: 'precondition_failed',
    });
    expect((await store.revisionBounds(key.accountId)).latest).toBe(before);
    expect(numbers(await store.listConfigRevisions(key, 'app/two', { limit: 10 }))).toEqual([before]);
    expect(await store.listConfigRevisions(key, 'app/missing', { limit: 10 })).toEqual([]);
  });

  it('records a restore, and recreates a deleted config at the version given', async () => {
    const restored = await store.createConfig(key, {
      scope: 'app/one',
      configJson: '{"b":2}',
      nowSeconds: now + 20,
      actor: admin,
      operation: 'restore',
      version: 4,
    });
    expect(restored).toMatchObject({ scope: 'app/one', version: 4, configJson: '{"b":2}' });
    const [latest] = await store.listConfigRevisions(key, 'app/one', { limit: 1 });
    expect(latest).toMatchObject({ operation: 'restore', configJson: '{"b":2}', version: 4 });
  });

  it('pages a scope newest first, and finds one revision by number', async () => {
    for (let i = 0; i < 5; i++) await merge('app/two', `{"i":${i}}`);
    const all = numbers(await store.listConfigRevisions(key, 'app/two', { limit: 100 }));
    expect(all).toHaveLength(6);
    expect([...all].sort((a, b) => b - a)).toEqual(all);
    const first = await store.listConfigRevisions(key, 'app/two', { limit: 4 });
    const second = await store.listConfigRevisions(key, 'app/two', {
      beforeRevision: first.at(-1)!.revision,
      limit: 4,
    });
    expect([...numbers(first), ...numbers(second)]).toEqual(all);
    expect(await store.getConfigRevision(key, 'app/two', all[0]!)).toMatchObject({ configJson: '{"i":4}' });
    expect(await store.getConfigRevision(key, 'app/one', all[0]!)).toBeUndefined();
    expect(await store.getConfigRevision({ ...key, integration: 'other' }, 'app/two', all[0]!)).toBeUndefined();
    expect(await store.getConfigRevision(key, 'app/two\u0000', all[0]!)).toBeUndefined();
  });

  it('lists an integration’s changes after a revision, oldest first, by scope pattern', async () => {
    await create('other/x', '{}', { ...key, integration: 'erp' });
    await create('lit%_\\x');
    const changes = await store.listConfigChanges(key, { pattern: [''], sinceRevision: 0, limit: 1000 });
    const all = numbers(changes);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(changes.every((c) => c.integration === 'crm')).toBe(true);
    const since3 = await store.listConfigChanges(key, { pattern: [''], sinceRevision: 3, limit: 2 });
    expect(numbers(since3)).toEqual(all.filter((n) => n > 3).slice(0, 2));
    const one = await store.listConfigChanges(key, { pattern: ['app/', ''], sinceRevision: 0, limit: 1000 });
    expect(new Set(one.map((c) => c.scope))).toEqual(new Set(['app/one', 'app/two']));
    const exact = await store.listConfigChanges(key, { pattern: ['lit%_\\x'], sinceRevision: 0, limit: 10 });
    expect(exact.map((c) => c.scope)).toEqual(['lit%_\\x']);
    // % and _ are literal, not wildcards.
    expect(await store.listConfigChanges(key, { pattern: ['lit_', ''], sinceRevision: 0, limit: 10 })).toEqual([]);
    expect(await store.listConfigChanges(key, { pattern: ['a\u0000', ''], sinceRevision: 0, limit: 10 })).toEqual([]);
  });

  it('tells listeners after a change commits, and not after a refused one', async () => {
    const heard = nextChange(store);
    // The PostgreSQL listener connects on the first subscription: give it a moment.
    if (kind.name === 'postgres') await new Promise((resolve) => setTimeout(resolve, 300));
    await merge('app/two', '{"heard":true}');
    expect(await heard).toBe(key.accountId);
    // On PostgreSQL the write is told at once and again when its NOTIFY (or the poll) comes
    // back: let that second wake-up pass before listening for the refused write.
    if (kind.dialect === 'postgres') await new Promise((resolve) => setTimeout(resolve, 600));
    const silent = nextChange(store, 500);
    await merge('app/two', '{}', { ifMatch: '"1-99"' });
    expect(await silent).toBeUndefined();
  });

  it('commits an account’s revisions in number order: concurrent writers from two store objects leave no gap', async () => {
    const other = await openStore(opened.url);
    others.push(other);
    await other.migrate();
    const start = (await store.revisionBounds(key.accountId)).latest;
    const scopes = ['race/a', 'race/b', 'race/c', 'race/d'];
    for (const scope of scopes) await create(scope);
    let seen = start + scopes.length;
    let polling = true;
    const gaps: string[] = [];
    const poller = (async () => {
      while (polling) {
        const page = await store.listConfigChanges(key, { pattern: [''], sinceRevision: seen, limit: 1000 });
        page.forEach((change, i) => {
          if (change.revision !== seen + 1 + i) gaps.push(`${seen + 1 + i} expected, ${change.revision} seen`);
        });
        seen = page.at(-1)?.revision ?? seen;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const writes = Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        (i % 2 ? store : other).updateConfig(key, scopes[i % scopes.length]!, {
          edit: { kind: 'merge', patch: { [`k${i}`]: i }, maxBytes: 100_000 },
          nowSeconds: now,
          operation: 'merge',
          actor: token,
        }),
      ),
    );
    await writes.finally(() => (polling = false));
    await poller;
    expect(gaps).toEqual([]);
    const changes = await store.listConfigChanges(key, { pattern: ['race/', ''], sinceRevision: start, limit: 1000 });
    expect(numbers(changes)).toEqual(Array.from({ length: 124 }, (_, i) => start + 1 + i));
  });

  it('compacts: moves the watermark to the newest revision past retention, keeps each scope’s last N', async () => {
    const k = { accountId: 9, integration: 'crm' };
    const write = (scope: string, at: number, i: number) =>
      store.updateConfig(k, scope, {
        edit: { kind: 'replace', configJson: `{"i":${i}}` },
        nowSeconds: at,
        operation: 'replace',
        actor: token,
      });
    await store.createConfig(k, { scope: 'busy', configJson: '{}', nowSeconds: 1000, actor: token }); // 1
    await store.createConfig(k, { scope: 'quiet', configJson: '{}', nowSeconds: 1000, actor: token }); // 2
    for (let i = 0; i < 8; i++) await write('busy', 1000 + i, i); // 3..10
    for (let i = 0; i < 3; i++) await write('busy', 5000 + i, 100 + i); // 11..13: inside retention

    const report = await store.compactConfigRevisions({ cutoffSeconds: 4000, keepPerScope: 2, batchSize: 3 });
    expect(report.deleted).toBe(9); // busy 1, 3..10 go (11..13 are newer than the cutoff); quiet keeps its only one
    expect(await store.revisionBounds(9)).toEqual({ oldest: 11, latest: 13 });
    expect(numbers(await store.listConfigRevisions(k, 'busy', { limit: 100 }))).toEqual([13, 12, 11]);
    expect(numbers(await store.listConfigRevisions(k, 'quiet', { limit: 100 }))).toEqual([2]);

    // Later, everything is past retention: each scope keeps its last two; the watermark never moves back.
    await store.compactConfigRevisions({ cutoffSeconds: 9000, keepPerScope: 2, batchSize: 3 });
    expect(await store.revisionBounds(9)).toEqual({ oldest: 14, latest: 13 });
    expect(numbers(await store.listConfigRevisions(k, 'busy', { limit: 100 }))).toEqual([13, 12]);
    await store.compactConfigRevisions({ cutoffSeconds: 0, keepPerScope: 2, batchSize: 3 });
    expect((await store.revisionBounds(9)).oldest).toBe(14);
    // Numbers are never reused after compaction.
    await write('busy', 9500, 1);
    expect(numbers(await store.listConfigRevisions(k, 'busy', { limit: 1 }))).toEqual([14]);
  });

  it('with history off, writes no revision but still tells listeners', async () => {
    const off = await openStore(opened.url, { configHistory: false });
    others.push(off);
    await off.migrate();
    const k = { accountId: 11, integration: 'crm' };
    const heard = nextChange(off);
    if (kind.name === 'postgres') await new Promise((resolve) => setTimeout(resolve, 300));
    await off.createConfig(k, { scope: 'quiet', configJson: '{}', nowSeconds: now, actor: token });
    expect(await heard).toBe(11);
    expect(await off.listConfigRevisions(k, 'quiet', { limit: 10 })).toEqual([]);
    expect(await off.revisionBounds(11)).toEqual({ oldest: 1, latest: 0 });
  });
});
