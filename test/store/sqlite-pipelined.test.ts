import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { SyncFile } from '../../src/store/sqlite/wal-sync.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import { testActor as actor } from '../helpers/actors.js';
import { tempDir } from '../helpers/server.js';
import { holdWriteLock, openStoreWithAccount } from '../helpers/sqlite-files.js';

const now = 1_700_000_000;

/**
 * The real fdatasync, behind a gate, open at first: after `close()` syncs wait until `open()`.
 * `started` logs, for each sync, what a second connection saw in the database when it began.
 */
function gatedSync(path: string) {
  let open = true;
  const waiting: (() => void)[] = [];
  const started: string[][] = [];
  const sync: SyncFile = async (file: FileHandle) => {
    const observer = new Database(path, { readonly: true });
    started.push((observer.prepare('SELECT scope FROM configs ORDER BY scope').pluck().all() as string[]) ?? []);
    observer.close();
    if (!open) await new Promise<void>((resolve) => waiting.push(resolve));
    await file.datasync();
  };
  return {
    sync,
    started,
    close: () => (open = false),
    open: () => {
      open = true;
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}

const openStore = (path: string, syncFile?: SyncFile) => openStoreWithAccount(path, { writer: 'pipelined', syncFile });

const settledYet = (promise: Promise<unknown>) => {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
};

const turns = (count: number) => new Promise((resolve) => setTimeout(resolve, count));

describe('pipelined SQLite writes (fdatasync of the WAL in the libuv pool)', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('answers reads while a commit waits for its fsync, and answers the write only after the fsync', async () => {
    const path = join(dir.path, 'held.db');
    const gate = gatedSync(path);
    const { store, key } = await openStore(path, gate.sync);
    gate.close();
    const before = gate.started.length;
    const write = store.createConfig(key, { scope: 'held', configJson: '{"a":1}', nowSeconds: now, actor });
    const answered = settledYet(write);
    await turns(50);
    // Committed (a second connection sees it) but not yet on disk: no answer yet.
    expect(gate.started.length).toBe(before + 1);
    expect(gate.started.at(-1)).toContain('held');
    expect(answered()).toBe(false);
    // Reads run meanwhile, on this event loop, without waiting for the fsync.
    for (let i = 0; i < 20; i++) expect(await store.getConfig(key, 'held')).toMatchObject({ version: 1 });
    expect(answered()).toBe(false);
    gate.open();
    await expect(write).resolves.toMatchObject({ scope: 'held', version: 1 });
    await store.close();
  });

  it('keeps committing later batches while one fsync is under way, and one later fsync covers them all', async () => {
    const path = join(dir.path, 'pipeline.db');
    const gate = gatedSync(path);
    const { store, key } = await openStore(path, gate.sync);
    gate.close();
    const before = gate.started.length;
    const first = store.createConfig(key, { scope: 'a', configJson: '{}', nowSeconds: now, actor });
    await turns(20);
    // The first batch's fsync is held; these commit in batches of their own meanwhile.
    const later = [];
    for (const scope of ['b', 'c', 'd']) {
      later.push(store.createConfig(key, { scope, configJson: '{}', nowSeconds: now, actor }));
      await turns(5);
    }
    const observer = new Database(path, { readonly: true });
    expect(observer.prepare('SELECT count(*) FROM configs').pluck().get()).toBe(4);
    observer.close();
    expect(gate.started.length).toBe(before + 1); // one sync in flight at a time
    const answeredLater = later.map(settledYet);
    gate.open();
    await Promise.all([first, ...later]);
    expect(answeredLater.every((answered) => answered())).toBe(true);
    // Only one more sync, begun after all three later commits, made them durable.
    expect(gate.started.length).toBe(before + 2);
    expect(gate.started.at(-1)).toEqual(['a', 'b', 'c', 'd']);
    await store.close();
  });

  it('waits for the write lock of another connection on timers: reads answer meanwhile, and the write commits after', async () => {
    const path = join(dir.path, 'locked.db');
    const { store, key } = await openStore(path);
    await store.createConfig(key, { scope: 'seen', configJson: '{"a":1}', nowSeconds: now, actor });
    const released = holdWriteLock(path, 300);
    const write = store.createConfig(key, { scope: 'waiting', configJson: '{}', nowSeconds: now, actor });
    const answered = settledYet(write);
    let reads = 0;
    while (!answered()) {
      expect((await store.getConfig(key, 'seen'))?.configJson).toBe('{"a":1}');
      reads++;
      await turns(5);
    }
    await released;
    expect(reads).toBeGreaterThan(10);
    expect(await write).toMatchObject({ scope: 'waiting', version: 1 });
    await store.close();
  });

  it('batches a burst of writes into few transactions and fewer fsyncs than writes', async () => {
    const { store, key } = await openStore(join(dir.path, 'burst.db'));
    const internals = store as unknown as { groupCommit: { committedBatches: number }; walSync: { syncs: number } };
    const batches = internals.groupCommit.committedBatches;
    const syncs = internals.walSync.syncs;
    const writes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.createConfig(key, { scope: `s${i}`, configJson: '{}', nowSeconds: now, actor }),
      ),
    );
    expect(writes.every((config) => config !== 'exists')).toBe(true);
    expect(internals.groupCommit.committedBatches - batches).toBeLessThan(10);
    expect(internals.walSync.syncs - syncs).toBeLessThan(10);
    await store.close();
  });

  it('fails the batch whose fsync failed, and every later write, and readiness; it answers none as done', async () => {
    const path = join(dir.path, 'eio.db');
    let fail = false;
    const { store, key } = await openStore(path, async (file) => {
      if (fail) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      await file.datasync();
    });
    await store.createConfig(key, { scope: 'kept', configJson: '{}', nowSeconds: now, actor });
    fail = true;
    await expect(
      store.createConfig(key, { scope: 'lost', configJson: '{}', nowSeconds: now, actor }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(
      store.createConfig(key, { scope: 'later', configJson: '{}', nowSeconds: now, actor }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.getConfig(key, 'later')).toBeUndefined();
    await store.close();
  });

  it('checkpoints on its own thread and restarts the WAL there, and everything is there after a reopen', async () => {
    const path = join(dir.path, 'checkpoints.db');
    const { store, key } = await openStore(path);
    const checkpointer = (store as unknown as { checkpointer: { completed: number; checkpoint(): Promise<void> } })
      .checkpointer;
    const payload = JSON.stringify({ pad: 'x'.repeat(3000) });
    // One write a batch: 400 commits of several pages each (thousands of WAL frames).
    for (let i = 0; i < 400; i++) {
      await store.createConfig(key, { scope: `s${i}`, configJson: payload, nowSeconds: now, actor });
    }
    expect(checkpointer.completed).toBeGreaterThan(0); // every 150 commits, on its own
    await checkpointer.checkpoint();
    // Restarted on that thread (its header fsync there, not in a COMMIT here): before any
    // write of ours, the WAL holds one frame (the thread's restart write), not thousands.
    const observer = new Database(path);
    const [wal] = observer.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    observer.close();
    expect(wal!.log).toBe(1);
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = new SqliteStore(path, { writer: 'pipelined' });
    await reopened.migrate();
    expect(await reopened.listConfigs(key, { pattern: ['s', ''], afterId: 0, limit: 1000 })).toHaveLength(400);
    await reopened.close();
  });
});
