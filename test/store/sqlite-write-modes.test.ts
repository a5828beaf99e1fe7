import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigRefusedError } from '../../src/store/config-edit.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import { testActor as actor } from '../helpers/actors.js';
import { tempDir } from '../helpers/server.js';
import { holdWriteLock, openStoreWithAccount } from '../helpers/sqlite-files.js';

const now = 1_700_000_000;

const openStore = (path: string, writer: 'pipelined' | 'in-thread' = 'pipelined') =>
  openStoreWithAccount(path, { writer });

/** Counts setInterval ticks until `promise` settles: each one is a turn of this thread's event loop. */
async function ticksWhile(promise: Promise<unknown>): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    await promise;
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

// These ran against the retired writer thread (`SWITCHBOARD_SQLITE_WRITER=thread`); they now
// run against the default, pipelined, where the behaviour still exists. Dropped with the
// thread: "keeps this event loop turning while a write waits for the lock" (pipelined's own
// test covers it: sqlite-pipelined.test.ts), and "fails every write when the thread is gone"
// and "an argument that cannot cross" (no thread, nothing crosses; a failed fsync failing
// every later write and readiness is sqlite-pipelined.test.ts's).
describe('SQLite write modes', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('in-thread stalls this event loop while a write waits for the lock; pipelined does not', async () => {
    const path = join(dir.path, 'stalled.db');
    const { store, key } = await openStore(path, 'in-thread');
    const released = holdWriteLock(path, 300);
    // The COMMIT's busy wait (5 s) runs on this thread: the lock holder's timer cannot fire
    // to release it, nor can ours tick, so the write fails with the lock still held.
    const write = store.createConfig(key, { scope: 'x', configJson: '{}', nowSeconds: now, actor });
    const ticks = await ticksWhile(write.catch(() => {}));
    await expect(write).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    await released;
    const threaded = await openStore(join(dir.path, 'ticking.db'));
    const lockHeld = holdWriteLock(join(dir.path, 'ticking.db'), 300);
    const ticksThreaded = await ticksWhile(
      threaded.store.createConfig(threaded.key, { scope: 'x', configJson: '{}', nowSeconds: now, actor }),
    );
    await lockHeld;
    expect(ticks).toBeLessThan(3);
    expect(ticksThreaded).toBeGreaterThan(10);
    await store.close();
    await threaded.store.close();
  });

  it('commits a large batch, pipelined, while this thread ticks', async () => {
    const { store, key } = await openStore(join(dir.path, 'batch.db'));
    const payload = JSON.stringify({ pad: 'x'.repeat(2000) });
    const writes = Promise.all(
      Array.from({ length: 3000 }, (_, i) =>
        store.createConfig(key, { scope: `s${i}`, configJson: payload, nowSeconds: now, actor }),
      ),
    );
    const ticks = await ticksWhile(writes);
    expect((await writes).every((config) => config !== 'exists')).toBe(true);
    expect(ticks).toBeGreaterThan(0);
    expect(await store.listConfigs(key, { pattern: ['s', ''], afterId: 0, limit: 5000 })).toHaveLength(3000);
    await store.close();
  });

  it('rejects with errors of their class, code and message', async () => {
    const { store, key, accountId } = await openStore(join(dir.path, 'errors.db'));
    // A foreign key violation: better-sqlite3's SqliteError, with its code.
    const orphan = store.createAdminToken({ accountId: 999, email: 'x@y.test', tokenHash: 'h', nowSeconds: now });
    await expect(orphan).rejects.toBeInstanceOf(Database.SqliteError);
    await expect(orphan).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    // A unique violation is still answered as `exists`, as callers expect.
    await store.createConfig(key, { scope: 'one', configJson: '{}', nowSeconds: now, actor });
    expect(await store.createConfig(key, { scope: 'one', configJson: '{}', nowSeconds: now, actor })).toBe('exists');
    // The store's own refusal, of its class, with its detail.
    const tooBig = store.updateConfig(key, 'one', {
      edit: { kind: 'merge', patch: { pad: 'x'.repeat(100) }, maxBytes: 20 },
      nowSeconds: now,
      operation: 'merge',
      actor,
    });
    await expect(tooBig).rejects.toBeInstanceOf(ConfigRefusedError);
    await expect(tooBig).rejects.toThrow('the limit is 20 bytes');
    // A channel-store error, message intact.
    await expect(
      store.channels.completePull({
        instanceId: 424242,
        startedAt: now,
        durationMs: 1,
        outcome: 'failed',
        httpStatus: null,
        error: 'boom',
        stateVersionAtStart: 1,
        resources: [],
        nextPullAt: now * 1000,
        deactivateAfter: 5,
        nowMs: now * 1000,
      }),
    ).rejects.toThrow('completePull: instance 424242 no longer exists');
    expect(await store.findAccountById(accountId)).toBeDefined();
    await store.close();
  });

  it('drains on close: every write sent before close() is committed, and later ones are refused', async () => {
    const path = join(dir.path, 'drain.db');
    const { store, key } = await openStore(path);
    const writes = Array.from({ length: 500 }, (_, i) =>
      store.createConfig(key, { scope: `d${i}`, configJson: `{"i":${i}}`, nowSeconds: now, actor }),
    );
    await store.close();
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    // Refused as unavailable (a 503), not thrown from the group commit's next turn.
    await expect(
      store.createConfig(key, { scope: 'late', configJson: '{}', nowSeconds: now, actor }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM configs WHERE scope LIKE 'd%'").pluck().get()).toBe(500);
    db.close();
  });

  it('tells this store object when events commit', async () => {
    const { store, accountId } = await openStore(join(dir.path, 'events.db'));
    let heard = 0;
    store.channels.onEventsCommitted(() => heard++);
    const manifest = {
      name: 'Echo',
      id: 'echo',
      author: 'x',
      version: 'v1',
      urls: { event_callback_url: 'https://x.test/e' },
    };
    await store.channels.createIntegration({
      accountId,
      remoteId: 'echo',
      name: 'Echo',
      manifestUrl: 'https://x.test/manifest',
      manifestJson: JSON.stringify(manifest),
      nowMs: now * 1000,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard).toBe(1);
    expect(await store.channels.listEvents(accountId, 1, 10)).toHaveLength(1);
    await store.close();
  });

  it('keeps writes on this thread for :memory:, which one connection alone can see', async () => {
    const store = new SqliteStore(':memory:');
    await store.migrate();
    const account = await store.createAccount({
      subdomain: 'm',
      adminEmail: 'a@m.test',
      adminTokenHash: 'h',
      nowSeconds: now,
    });
    expect(account).toMatchObject({ subdomain: 'm' });
    // One connection: no checkpoint thread, COMMIT itself fsyncs.
    expect((store as unknown as { checkpointer: unknown }).checkpointer).toBeUndefined();
    await store.close();
  });
});
