import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { foldRevisionsAt } from '../../src/store/sqlite/sqlite-revisions.js';
import type { IntegrationKey, Store } from '../../src/store/store.js';
import { testActor } from '../helpers/actors.js';
import { tempDir } from '../helpers/server.js';
import { storeWithReader } from '../helpers/sqlite-files.js';

const now = 1_700_000_000;
const key: IntegrationKey = { accountId: 1, integration: 'app' };
const other: IntegrationKey = { accountId: 2, integration: 'app' };
const scopes = ['a', 'b', 'c'];
/** Past one fold, with some left over. */
const writes = foldRevisionsAt + 7;

/**
 * SQLite keeps a write's revision in `config_revisions_recent` (no index) and folds a batch
 * of them into the indexed `config_revisions` (migration 0025, issue 23): history's reads,
 * compaction and backups see every revision once, whichever table holds it.
 */
describe('SQLite recent revisions, folded in batches', () => {
  const dir = tempDir();
  const path = join(dir.path, 'recent.db');
  let store: Store;
  let raw: Database.Database;

  beforeEach(async () => {
    ({ store, raw } = await storeWithReader(path));
    for (const scope of scopes) {
      await store.createConfig(key, { scope, configJson: '{"n":0}', nowSeconds: now, actor: testActor });
    }
    await store.createConfig(other, { scope: 'a', configJson: '{"n":0}', nowSeconds: now, actor: testActor });
    // Concurrent writes, so group commits hold several scopes' revisions each.
    const perScope = (writes - scopes.length) / scopes.length;
    await Promise.all(
      scopes.map(async (scope) => {
        for (let n = 1; n <= perScope; n++) {
          const result = await store.updateConfig(key, scope, {
            edit: { kind: 'replace', configJson: `{"n":${n}}` },
            nowSeconds: now + n,
            operation: 'replace',
            actor: testActor,
          });
          expect(result.kind).toBe('ok');
        }
      }),
    );
  });
  afterEach(async () => {
    raw.close();
    await store.close();
    dir.remove();
  });

  const count = (table: string) => raw.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

  it('folds once enough wait, and the feed still reads every number once, in order', async () => {
    expect(writes % scopes.length).toBe(0);
    // 517 of account 1 and 1 of account 2: one fold at the 512th revision, 6 left waiting.
    expect(count('config_revisions')).toBe(foldRevisionsAt);
    expect(count('config_revisions_recent')).toBe(writes + 1 - foldRevisionsAt);

    const seen: number[] = [];
    for (let since = 0; ;) {
      const page = await store.listConfigChanges(key, { pattern: ['', ''], sinceRevision: since, limit: 100 });
      if (page.length === 0) break;
      seen.push(...page.map((revision) => revision.revision));
      since = page.at(-1)!.revision;
    }
    expect(seen).toEqual(Array.from({ length: writes }, (_, i) => i + 1));
    expect(await store.revisionBounds(key.accountId)).toEqual({ oldest: 1, latest: writes });
  });

  it('lists a scope’s history across both tables, newest first, and finds each revision', async () => {
    const history = await store.listConfigRevisions(key, 'b', { limit: 1000 });
    expect(history).toHaveLength(writes / scopes.length);
    expect(history.map((revision) => revision.configJson)).toEqual(
      Array.from({ length: history.length }, (_, i) => `{"n":${history.length - 1 - i}}`),
    );
    const newest = history[0]!;
    const oldest = history.at(-1)!;
    expect(await store.getConfigRevision(key, 'b', newest.revision)).toEqual(newest);
    expect(await store.getConfigRevision(key, 'b', oldest.revision)).toEqual(oldest);
    // Paged by the cursor: the same list.
    const firstPage = await store.listConfigRevisions(key, 'b', { limit: 50 });
    const rest = await store.listConfigRevisions(key, 'b', { beforeRevision: firstPage.at(-1)!.revision, limit: 1000 });
    expect([...firstPage, ...rest]).toEqual(history);
  });

  it('exports every revision, the waiting ones too, and an import restores the same history', async () => {
    const records = [];
    for await (const record of store.exportRecords()) records.push(record);
    const revisions = records.flatMap((record) => (record.type === 'config_revision' ? [record] : []));
    expect(revisions).toHaveLength(writes + 1);
    expect(new Set(revisions.map((r) => r.id)).size).toBe(writes + 1);
    // Read, not folded: an export writes nothing.
    expect(count('config_revisions_recent')).toBe(writes + 1 - foldRevisionsAt);

    const copy = await openStore(`sqlite:${join(dir.path, 'copy.db')}`);
    try {
      await copy.migrate();
      expect(
        await copy.importRecords(
          (async function* () {
            yield* records;
          })(),
        ),
      ).not.toBe('not_empty');
      for (const scope of scopes) {
        expect(await copy.listConfigRevisions(key, scope, { limit: 1000 })).toEqual(
          await store.listConfigRevisions(key, scope, { limit: 1000 }),
        );
      }
      expect(await copy.revisionBounds(key.accountId)).toEqual({ oldest: 1, latest: writes });
    } finally {
      await copy.close();
    }
  });

  it('compacts the waiting revisions too (folded first)', async () => {
    const report = await store.compactConfigRevisions({ cutoffSeconds: now + 10_000, keepPerScope: 2, batchSize: 100 });
    expect(report.deleted).toBe(writes - scopes.length * 2);
    expect(count('config_revisions_recent')).toBe(0);
    for (const scope of scopes) {
      const kept = await store.listConfigRevisions(key, scope, { limit: 10 });
      expect(kept.map((revision) => revision.configJson)).toEqual([
        `{"n":${writes / scopes.length - 1}}`,
        `{"n":${writes / scopes.length - 2}}`,
      ]);
    }
  });
});
