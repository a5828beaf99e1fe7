import Database from 'better-sqlite3';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/store/migration-files.js';
import { openStore } from '../../src/store/open-store.js';
import { revisionSql } from '../../src/store/sqlite/revision-queries.js';
import { foldRevisionsAt } from '../../src/store/sqlite/sqlite-revisions.js';
import type { IntegrationKey, Store } from '../../src/store/store.js';
import { testActor } from '../helpers/actors.js';
import { tempDir } from '../helpers/server.js';
import { storeWithReader } from '../helpers/sqlite-files.js';

const now = 1_700_000_000;
const key: IntegrationKey = { accountId: 1, integration: 'app' };
const author = { nowSeconds: now, actor: testActor };

const replace = (store: Store, scope: string, n: number) =>
  store.updateConfig(key, scope, {
    edit: { kind: 'replace', configJson: `{"n":${n}}` },
    nowSeconds: now + n,
    operation: 'replace',
    actor: testActor,
  });

/** Every revision of the scope, newest first, `size` to a page: the cursor is the last one seen. */
async function pagedHistory(store: Store, scope: string, size: number): Promise<number[]> {
  const seen: number[] = [];
  for (let before: number | undefined; ;) {
    const page = await store.listConfigRevisions(key, scope, { beforeRevision: before, limit: size });
    seen.push(...page.map((revision) => revision.revision));
    if (page.length < size) return seen;
    before = page.at(-1)!.revision;
  }
}

/**
 * SQLite finds a scope's history by links, not by a per-scope index (migration 0026, issue
 * 23): each revision names its scope's previous one, and the scope's newest is kept in its
 * config row, or, once deleted, in config_history_deleted.
 */
describe('SQLite scope history by links', () => {
  const dir = tempDir();
  const path = join(dir.path, 'links.db');
  let store: Store;
  let raw: Database.Database;

  beforeEach(async () => {
    ({ store, raw } = await storeWithReader(path));
  });
  afterEach(async () => {
    raw.close();
    await store.close();
    dir.remove();
  });

  it('has no per-scope index, and reads a scope’s history without scanning the revisions', () => {
    const indexes = raw.prepare(
      `SELECT name FROM sqlite_master WHERE tbl_name = 'config_revisions' AND type = 'index'`,
    );
    expect(indexes.pluck().all()).not.toContain('config_revisions_scope');
    const plan = raw
      .prepare(`EXPLAIN QUERY PLAN ${revisionSql.revisionsOfScope}`)
      .all({ 1: 1, 2: 'app', 3: 'a', 4: 99, 5: 20 }) as { detail: string }[];
    const scans = plan.map((step) => step.detail).filter((detail) => detail.startsWith('SCAN'));
    // Only the small unindexed table of recent revisions (and the walk's own rows) are scanned.
    const scanned = new Set(scans.map((detail) => detail.replace(/^SCAN /, '').split(' ')[0]));
    for (const name of ['config_revisions_recent', 'bounds', 'recent', 'start', 'walk', 'CONSTANT'])
      scanned.delete(name);
    expect([...scanned]).toEqual([]);
    // And the walk's steps are lookups of one number each, never a range of the account's revisions.
    const lookups = plan.map((step) => step.detail).filter((detail) => detail.includes('config_revisions_number'));
    expect(lookups.length).toBeGreaterThan(0);
    // (The one other use is max(revision) of the account: the last entry of its range, one seek.)
    const ranges = lookups.filter((detail) => !detail.endsWith('(account_id=? AND revision=?)'));
    expect(ranges).toEqual(['SEARCH config_revisions USING COVERING INDEX config_revisions_number (account_id=?)']);
  });

  it('keeps a scope’s history whole across deletes and creates, interleaved with other scopes, across folds', async () => {
    const expected: Record<string, number[]> = { a: [], b: [] };
    const track = (scope: string) => {
      const latest = raw.prepare('SELECT last_revision FROM config_revision_counters').pluck().get() as number;
      expected[scope]!.unshift(latest);
    };
    for (let round = 0; round < 3; round++) {
      for (const scope of round === 0 ? ['a', 'b'] : ['a']) {
        expect(await store.createConfig(key, { scope, configJson: '{"n":0}', ...author })).not.toBe('exists');
        track(scope);
      }
      for (let n = 1; n <= 200; n++) {
        for (const scope of ['a', 'b']) {
          expect((await replace(store, scope, n)).kind).toBe('ok');
          track(scope);
        }
      }
      expect((await store.deleteConfig(key, 'a', undefined, author)).kind).toBe('ok');
      track('a');
    }
    // 2 + 3 × (1 + 400 + 1) = 1,208 revisions: two folds, some still recent.
    expect(raw.prepare('SELECT count(*) FROM config_revisions').pluck().get()).toBe(2 * foldRevisionsAt);
    for (const scope of ['a', 'b']) {
      expect(await pagedHistory(store, scope, 7)).toEqual(expected[scope]);
      expect(await pagedHistory(store, scope, 500)).toEqual(expected[scope]);
    }
    const deleted = await store.listConfigRevisions(key, 'a', { limit: 2 });
    expect(deleted.map((revision) => revision.operation)).toEqual(['delete', 'replace']);

    // A cursor that is not one of the scope's revisions (b's newest) still pages a's history.
    const below = await store.listConfigRevisions(key, 'a', { beforeRevision: expected.b![0], limit: 3 });
    expect(below.map((revision) => revision.revision)).toEqual(
      expected.a!.filter((revision) => revision < expected.b![0]!).slice(0, 3),
    );
    // So does a folded revision of b's, while a's newest are still recent.
    const foldedOfB = expected.b!.find((revision) => revision < foldRevisionsAt)!;
    const belowFolded = await store.listConfigRevisions(key, 'a', { beforeRevision: foldedOfB, limit: 3 });
    expect(belowFolded.map((revision) => revision.revision)).toEqual(
      expected.a!.filter((revision) => revision < foldedOfB).slice(0, 3),
    );
    expect(await store.listConfigRevisions(key, 'never-written', { limit: 5 })).toEqual([]);
  });

  it('keeps the links through a delete and a create made while history was off', async () => {
    await store.createConfig(key, { scope: 'a', configJson: '{"n":0}', ...author });
    await replace(store, 'a', 1);
    const before = (await store.listConfigRevisions(key, 'a', { limit: 10 })).map((revision) => revision.revision);
    await store.close();

    const off = await openStore(`sqlite:${path}`, { configHistory: false });
    await off.migrate();
    expect((await off.deleteConfig(key, 'a', undefined, author)).kind).toBe('ok');
    await off.createConfig(key, { scope: 'a', configJson: '{"n":5}', ...author });
    await replace(off, 'a', 6);
    await off.close();

    store = await openStore(`sqlite:${path}`);
    await store.migrate();
    await replace(store, 'a', 7);
    const history = await store.listConfigRevisions(key, 'a', { limit: 10 });
    expect(history.map((revision) => revision.revision)).toEqual([before[0]! + 1, ...before]);
    expect(history[0]!.configJson).toBe('{"n":7}');
  });

  it('compacts to each scope’s newest N, deleted scopes included', async () => {
    for (const scope of ['a', 'b']) {
      await store.createConfig(key, { scope, configJson: '{"n":0}', ...author });
      for (let n = 1; n <= 5; n++) await replace(store, scope, n);
    }
    await store.deleteConfig(key, 'b', undefined, author);
    const report = await store.compactConfigRevisions({ cutoffSeconds: now + 100, keepPerScope: 2, batchSize: 3 });
    expect(report.deleted).toBe(4 + 5);
    expect((await store.listConfigRevisions(key, 'a', { limit: 10 })).map((r) => r.configJson)).toEqual([
      '{"n":5}',
      '{"n":4}',
    ]);
    expect((await store.listConfigRevisions(key, 'b', { limit: 10 })).map((r) => r.operation)).toEqual([
      'delete',
      'replace',
    ]);
    // The scope's history goes on from what was kept.
    await store.createConfig(key, { scope: 'b', configJson: '{"n":9}', ...author });
    expect((await store.listConfigRevisions(key, 'b', { limit: 10 })).map((r) => r.operation)).toEqual([
      'create',
      'delete',
      'replace',
    ]);
  });
});

/** Migration 0026 links the revisions a database already has, recent ones included. */
describe('migration 0026 on a database with history', () => {
  const dir = tempDir();
  afterEach(() => dir.remove());

  it('gives every scope the same history as the per-scope index did', async () => {
    const path = join(dir.path, 'v25.db');
    const db = new Database(path);
    const folder = fileURLToPath(new URL('../../src/store/sqlite/migrations', import.meta.url));
    db.exec(
      'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
    );
    for (const migration of readMigrations(folder).filter((m) => m.version <= 25)) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(migration.version, migration.name);
    }
    const revision = (table: string, n: number, scope: string, operation: string) =>
      db
        .prepare(
          `INSERT INTO ${table} (account_id, revision, integration, scope, operation, config, config_id, version,
             changed_at, actor_type, actor_id) VALUES (1, ?, 'app', ?, ?, ?, 1, 1, ?, 'cli', 'test')`,
        )
        .run(n, scope, operation, operation === 'delete' ? null : `{"n":${n}}`, now + n);
    // Scope a: live, revisions in both tables; scope b: deleted.
    [1, 3, 4].forEach((n, i) => revision('config_revisions', n, 'a', i === 0 ? 'create' : 'replace'));
    revision('config_revisions', 2, 'b', 'create');
    revision('config_revisions', 5, 'b', 'delete');
    revision('config_revisions_recent', 6, 'a', 'replace');
    db.prepare(`INSERT INTO config_revision_counters VALUES (1, 6)`).run();
    db.prepare(
      `INSERT INTO configs (account_id, integration, scope, config, version, created_at, updated_at)
       VALUES (1, 'app', 'a', '{"n":6}', 4, ?, ?)`,
    ).run(now, now);
    db.close();

    const store = await openStore(`sqlite:${path}`);
    await store.migrate();
    const numbers = async (scope: string) =>
      (await store.listConfigRevisions(key, scope, { limit: 10 })).map((r) => r.revision);
    expect(await numbers('a')).toEqual([6, 4, 3, 1]);
    expect(await numbers('b')).toEqual([5, 2]);
    await replace(store, 'a', 7);
    await store.createConfig(key, { scope: 'b', configJson: '{}', ...author });
    expect(await numbers('a')).toEqual([7, 6, 4, 3, 1]);
    expect(await numbers('b')).toEqual([8, 5, 2]);
    await store.close();
  });
});
