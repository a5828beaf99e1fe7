/**
 * What config history's reads cost through the store (SQLite), µs per call: a scope's newest
 * revisions, a page deep in them, a scope written once long ago, one revision by number, the
 * feed for one scope and for all. 20,301 revisions over 51 scopes of one account, so on SQLite
 * 333 of them wait unfolded (migration 0025), as a busy account's newest do. `node --import tsx bench/history/history-reads.ts`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.js';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-history-reads-'));
const store = await openStore(`sqlite:${join(dir, 'history.db')}`);
try {
  await store.migrate();
  const key = { accountId: 1, integration: 'app' };
  const actor = { type: 'cli', id: 'bench' } as const;
  const scopes = Array.from({ length: 50 }, (_, s) => `s${s}`);
  for (const scope of scopes) await store.createConfig(key, { scope, configJson: '{"n":0}', nowSeconds: 1, actor });
  // Written once, before all the others: its history is the oldest of the account's.
  await store.createConfig(key, { scope: 'rare', configJson: '{}', nowSeconds: 1, actor });
  for (let n = 1; n <= 405; n++) {
    const edit = { kind: 'replace', configJson: `{"n":${n}}` } as const;
    await Promise.all(
      scopes.map((scope) => store.updateConfig(key, scope, { edit, nowSeconds: 2, operation: 'replace', actor })),
    );
  }
  const time = async (label: string, read: () => Promise<unknown>) => {
    for (let i = 0; i < 200; i++) await read();
    const started = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) await read();
    console.log(`${label}: ${(Number(process.hrtime.bigint() - started) / 2000 / 1000).toFixed(1)} µs`);
  };
  await time('a scope’s history, newest 20', () => store.listConfigRevisions(key, 's7', { limit: 20 }));
  // A page deep in the history: the cursor is one of the scope's own revisions, as the API's next link has it.
  const [cursor] = await store.listConfigRevisions(key, 's7', { beforeRevision: 10_000, limit: 1 });
  await time('a scope’s history, 20 below its revision near 10,000', () =>
    store.listConfigRevisions(key, 's7', { beforeRevision: cursor!.revision, limit: 20 }),
  );
  await time('a scope’s history, 20 below revision 10,000 of another scope', () =>
    store.listConfigRevisions(key, 's7', { beforeRevision: 10_000, limit: 20 }),
  );
  await time('a scope written once, long ago', () => store.listConfigRevisions(key, 'rare', { limit: 20 }));
  await time('one revision by number', () => store.getConfigRevision(key, 's7', 1000));
  await time('the feed, one scope, 500 revisions back', () =>
    store.listConfigChanges(key, { pattern: ['s7'], sinceRevision: 19_800, limit: 100 }),
  );
  await time('the feed, all scopes, 100 back', () =>
    store.listConfigChanges(key, { pattern: ['', ''], sinceRevision: 20_200, limit: 100 }),
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
