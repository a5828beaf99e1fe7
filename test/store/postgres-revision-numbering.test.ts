import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { ConfigRevision, IntegrationKey } from '../../src/store/store.js';
import { postgresAvailable, postgresTestUrl as url } from '../helpers/stores.js';
import { testActor } from '../helpers/actors.js';

const prefix = `sb_numbering_${randomBytes(4).toString('hex')}`;
const schemas: string[] = [];
const stores: PostgresStore[] = [];
const admin = new pg.Client({ connectionString: url });
const now = 1_700_000_000;
const key: IntegrationKey = { accountId: 7, integration: 'crm' };

async function freshStore(options: { revisionSweepMs?: number; lockTimeoutMs?: number; schema?: string } = {}) {
  const schema = options.schema ?? `${prefix}_${schemas.length}`;
  if (!schemas.includes(schema)) schemas.push(schema);
  const { revisionSweepMs, lockTimeoutMs } = options;
  const store = new PostgresStore(url, { schema, revisionSweepMs, ...(lockTimeoutMs ? { lockTimeoutMs } : {}) });
  stores.push(store);
  await store.migrate();
  return { store, schema };
}

const merge = (store: PostgresStore, scope: string, patch: Record<string, unknown>) =>
  store.updateConfig(key, scope, {
    edit: { kind: 'merge', patch, maxBytes: 100_000 },
    nowSeconds: now,
    operation: 'merge',
    actor: testActor,
  });

/** What a node leaves when it stops after a write's COMMIT and before the numbering. */
async function leaveWaiting(schema: string, scope: string, configJson: string): Promise<void> {
  await admin.query(
    `INSERT INTO "${schema}".config_revisions_pending (account_id, integration, scope, operation, config, config_id,
       version, changed_at, actor_type, actor_id) VALUES ($1, $2, $3, 'replace', $4, 1, 2, $5, 'cli', 'test')`,
    [key.accountId, key.integration, scope, configJson, now],
  );
}

async function waitFor<T>(read: () => Promise<T | undefined>, ms = 3000): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await read();
    if (found !== undefined || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Another session holding the account's counter row until `release()` (idempotent). */
async function holdCounterRow(schema: string): Promise<{ release: () => Promise<void> }> {
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query(
    `SELECT last_revision FROM "${schema}".config_revision_counters WHERE account_id = $1 FOR UPDATE`,
    [key.accountId],
  );
  let released: Promise<void> | undefined;
  return { release: () => (released ??= holder.query('COMMIT').then(() => holder.end())) };
}

/** The next account `store`'s listeners hear of; resolves once its LISTEN connection is in place. */
async function nextChange(store: PostgresStore): Promise<{ heard: Promise<number> }> {
  const heard = new Promise<number>((resolve) => {
    const stop = store.onConfigChanged((accountId) => {
      stop();
      resolve(accountId);
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { heard };
}

const byScope = (changes: ConfigRevision[], scope: string) => changes.filter((c) => c.scope === scope);

/**
 * Migration 0024: a config write no longer holds its account's counter row through its
 * COMMIT; revisions are numbered just after, in batches (issue 23).
 */
describe.runIf(postgresAvailable)('PostgreSQL revision numbering', () => {
  beforeAll(() => admin.connect());
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('commits a write while another transaction holds the account’s counter row, and numbers it once the row is free', async () => {
    const { store, schema } = await freshStore();
    await store.createConfig(key, { scope: 'held', configJson: '{"n":0}', nowSeconds: now, actor: testActor });
    const holder = await holdCounterRow(schema);
    try {
      let resolved = false;
      const write = merge(store, 'held', { n: 1 }).finally(() => (resolved = true));
      // Before migration 0024 the write waited for the row inside its own transaction: nothing committed.
      const committed = await waitFor(async () => {
        const { rows } = await admin.query(`SELECT config FROM "${schema}".configs WHERE scope = 'held'`);
        return rows[0]?.config === '{"n":1}' ? true : undefined;
      });
      expect(committed).toBe(true);
      // Its revision waits for a number (the row is still held), and so does its answer.
      expect((await store.revisionBounds(key.accountId)).latest).toBe(1);
      expect(resolved).toBe(false);
      await holder.release();
      expect(await write).toMatchObject({ kind: 'ok' });
    } finally {
      await holder.release();
    }
    const changes = await store.listConfigChanges(key, { pattern: ['', ''], sinceRevision: 0, limit: 10 });
    expect(changes.map((c) => [c.revision, c.version])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('answers a write whose numbering failed as done, tells other nodes at once, and numbers it later', async () => {
    const { store, schema } = await freshStore({ lockTimeoutMs: 300, revisionSweepMs: 200 });
    const { store: other } = await freshStore({ schema });
    await store.createConfig(key, { scope: 'late', configJson: '{"n":0}', nowSeconds: now, actor: testActor });
    const { heard } = await nextChange(other);
    const holder = await holdCounterRow(schema);
    try {
      // The numbering gives up at the lock timeout; the write committed, so it is answered as done.
      expect(await merge(store, 'late', { n: 1 })).toMatchObject({ kind: 'ok' });
      expect(await heard).toBe(key.accountId);
      expect((await other.revisionBounds(key.accountId)).latest).toBe(1);
    } finally {
      await holder.release();
    }
    const numbered = await waitFor(async () => {
      const found = await other.listConfigChanges(key, { pattern: ['', ''], sinceRevision: 1, limit: 10 });
      return found.length > 0 ? found : undefined;
    });
    expect(numbered?.map((c) => [c.revision, c.configJson])).toEqual([[2, '{"n":1}']]);
  });

  it('numbers each scope’s revisions in version order, without gaps, under concurrent writers on two nodes', async () => {
    const { store: a, schema } = await freshStore();
    const { store: b } = await freshStore({ schema });
    const scopes = ['s/a', 's/b', 's/c'];
    for (const scope of scopes) {
      await a.createConfig(key, { scope, configJson: '{}', nowSeconds: now, actor: testActor });
    }
    await Promise.all(Array.from({ length: 150 }, (_, i) => merge(i % 2 ? a : b, scopes[i % 3]!, { [`k${i}`]: i })));
    const changes = await b.listConfigChanges(key, { pattern: ['', ''], sinceRevision: 0, limit: 1000 });
    expect(changes.map((c) => c.revision)).toEqual(Array.from({ length: 153 }, (_, i) => i + 1));
    for (const scope of scopes) {
      expect(byScope(changes, scope).map((c) => c.version)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    }
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".config_revisions_pending`);
    expect(rows[0].n).toBe(0);
  });

  it('numbers a revision a stopped node left waiting: at the next start, and by the sweep while running', async () => {
    const { store, schema } = await freshStore();
    await store.createConfig(key, { scope: 'left', configJson: '{"n":0}', nowSeconds: now, actor: testActor });
    await leaveWaiting(schema, 'left', '{"n":1}');
    expect((await store.revisionBounds(key.accountId)).latest).toBe(1);

    const { store: restarted } = await freshStore({ schema, revisionSweepMs: 100 });
    const atStart = await restarted.listConfigChanges(key, { pattern: ['', ''], sinceRevision: 1, limit: 10 });
    expect(atStart.map((c) => [c.revision, c.configJson])).toEqual([[2, '{"n":1}']]);

    const { heard } = await nextChange(restarted);
    await leaveWaiting(schema, 'left', '{"n":2}');
    const swept = await waitFor(async () => {
      const found = await restarted.listConfigChanges(key, { pattern: ['', ''], sinceRevision: 2, limit: 10 });
      return found.length > 0 ? found : undefined;
    });
    expect(swept?.map((c) => [c.revision, c.configJson])).toEqual([[3, '{"n":2}']]);
    expect(await heard).toBe(key.accountId);
  });

  it('numbers what is waiting before a backup export takes its snapshot', async () => {
    const { store, schema } = await freshStore();
    await store.createConfig(key, { scope: 'exported', configJson: '{"n":0}', nowSeconds: now, actor: testActor });
    await leaveWaiting(schema, 'exported', '{"n":1}');
    const revisions: unknown[] = [];
    for await (const record of store.exportRecords()) {
      if (record.type === 'config_revision') revisions.push([record.revision, record.configJson]);
    }
    expect(revisions).toEqual([
      [1, '{"n":0}'],
      [2, '{"n":1}'],
    ]);
  });
});
