import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/store/sqlite/group-commit.js';
import { prefixUpperBound, scopeGlob } from '../../src/store/sqlite/scope-glob.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { sql } from '../../src/store/sqlite/queries.js';
import { tempDir } from '../helpers/server.js';

describe('SQLite store specifics', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('commits writes queued in one event-loop turn as one transaction', async () => {
    const db = new Database(join(dir.path, 'batch.db'));
    db.exec('CREATE TABLE t (v INTEGER UNIQUE)');
    const writes = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => writes.enqueue(() => insert.run(i % 49))),
    );
    // 49 distinct values went in; the duplicate failed alone, inside its own savepoint.
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(49);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(49);
    expect(writes.committedBatches).toBe(1);
    db.close();
  });

  it('fails every write of a batch whose COMMIT fails, and keeps none of them', async () => {
    const path = join(dir.path, 'locked.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v INTEGER)');
    const blocker = new Database(path);
    blocker.pragma('busy_timeout = 0');
    db.pragma('busy_timeout = 0');
    blocker.exec('BEGIN IMMEDIATE');
    const writes = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const results = await Promise.allSettled([
      writes.enqueue(() => insert.run(1)),
      writes.enqueue(() => insert.run(2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    blocker.exec('ROLLBACK');
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
    blocker.close();
    db.close();
  });

  it('runs a prefix wildcard as a range scan of the scope index', async () => {
    const store = new SqliteStore(join(dir.path, 'plan.db'));
    await store.migrate();
    await store.close();
    const db = new Database(join(dir.path, 'plan.db'));
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${sql.listConfigsPrefix}`)
      .all(1, 'my_integration', 'foo', prefixUpperBound('foo'), scopeGlob(['foo', '']), 0, 101) as { detail: string }[];
    const details = plan.map((row) => row.detail).join('\n');
    expect(details).toMatch(/USING INDEX configs_scope \(account_id=\? AND integration=\? AND scope>\? AND scope<\?\)/);
    db.close();
  });

  it('bounds a prefix range just above every string with that prefix', () => {
    expect(prefixUpperBound('foo')).toBe('fop');
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
    expect(prefixUpperBound('x\uD7FF')).toBe('x\uE000');
    expect(prefixUpperBound('日本')).toBe('日' + String.fromCodePoint(0x672c + 1));
  });

  it('makes GLOB specials in scopes literal', () => {
    expect(scopeGlob(['a?b[c]', ''])).toBe('a[?]b[[]c]*');
    expect(scopeGlob(['', 'x', ''])).toBe('*x*');
  });

  it('uses WAL, commits with synchronous=NORMAL and leaves checkpoints to their thread by default (the fsync is WalSync)', async () => {
    const path = join(dir.path, 'pragmas.db');
    const store = new SqliteStore(path);
    await store.migrate();
    const db = (store as unknown as { db: Database.Database }).db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await store.close();
  });

  it('keeps synchronous=FULL, where COMMIT itself fsyncs, when writes run in-thread', async () => {
    const store = new SqliteStore(join(dir.path, 'pragmas-in-thread.db'), { writer: 'in-thread' });
    await store.migrate();
    const db = (store as unknown as { db: Database.Database }).db;
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await store.close();
  });
});
