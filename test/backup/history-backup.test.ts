import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseLine, recordLine } from '../../src/backup/backup-format.js';
import { exportBackup } from '../../src/backup/export-backup.js';
import { importBackup } from '../../src/backup/import-backup.js';
import type { BackupRecord } from '../../src/store/backup-records.js';
import type { Store } from '../../src/store/store.js';
import { testActor } from '../helpers/actors.js';
import { storeKinds } from '../helpers/stores.js';

const key = { accountId: 1, integration: 'crm' };
const clock = () => new Date(Date.UTC(2024, 0, 1));

async function backupText(store: Store): Promise<string> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  await exportBackup(store, output, { schemaVersion: 10, clock });
  return Buffer.concat(chunks).toString('utf8');
}

const restore = (store: Store, text: string) =>
  importBackup(store, PassThrough.from([text]) as unknown as PassThrough, { schemaVersion: 10 });

/** History as a reader sees it: every revision of each scope, and the account's bounds. */
async function historyOf(store: Store) {
  const scopes = ['a', 'b'];
  const revisions = await Promise.all(scopes.map((scope) => store.listConfigRevisions(key, scope, { limit: 100 })));
  return { revisions, bounds: await store.revisionBounds(1) };
}

describe('Backup format 4: config history', () => {
  const revision: BackupRecord = {
    type: 'config_revision',
    id: 5,
    accountId: 1,
    revision: 3,
    integration: 'crm',
    scope: 'a/b ✓',
    operation: 'merge',
    configJson: '{"x": [1, 2.50]}',
    configId: 2,
    version: 2,
    changedAt: 1_700_000_000,
    actorType: 'token',
    actorId: '17',
    requestId: null,
  };

  it('writes and reads revisions, counters and watermarks unchanged', () => {
    const deletion: BackupRecord = { ...revision, operation: 'delete', configJson: null, requestId: 'r-1' };
    const counter: BackupRecord = { type: 'revision_counter', accountId: 1, lastRevision: 9 };
    const watermark: BackupRecord = { type: 'revision_watermark', accountId: 1, compactedThrough: 2 };
    for (const record of [revision, deletion, counter, watermark]) {
      expect(parseLine(recordLine(record), 2)).toEqual(record);
    }
    expect(recordLine(counter)).toBe('{"type":"revision_counter","account_id":1,"last_revision":9}');
    expect(() => parseLine(recordLine(revision), 2, 3)).toThrow(
      'line 2: a format-3 backup has no config_revision records',
    );
    const bad = JSON.stringify({ ...JSON.parse(recordLine(revision)), operation: 'rename' });
    expect(() => parseLine(bad, 2)).toThrow('"operation" in the config_revision record must be one of create');
    expect(() => parseLine('{"type":"sequence","record_type":"revision_counter","last_id":1}', 2)).toThrow(
      '"record_type" in the sequence record must be one of',
    );
  });
});

describe.each(storeKinds)('History backup from $name', (from) => {
  it.each(storeKinds.map((kind) => [kind.name, kind] as const))(
    'round-trips into %s: revisions, numbers, watermark; new revisions keep increasing',
    async (_name, to) => {
      const source = await from.open();
      const target = await to.open();
      try {
        const store = source.store;
        const created = await store.createAccount({
          id: 1,
          subdomain: 'acme',
          adminEmail: 'a@acme.test',
          adminTokenHash: 'a'.repeat(64),
          nowSeconds: 1000,
        });
        expect(created).not.toBe('exists');
        for (const scope of ['a', 'b']) {
          await store.createConfig(key, { scope, configJson: '{"n":0}', nowSeconds: 1000, actor: testActor });
        }
        for (let i = 1; i <= 4; i++) {
          await store.updateConfig(key, 'a', {
            edit: { kind: 'replace', configJson: `{"n":${i}}` },
            nowSeconds: 1000 + i,
            operation: 'replace',
            actor: { type: 'admin', id: 'a@acme.test', requestId: `req-${i}` },
          });
        }
        await store.deleteConfig(key, 'b', undefined, { actor: testActor, nowSeconds: 2000 });
        // Compaction leaves a watermark and a gap below it.
        await store.compactConfigRevisions({ cutoffSeconds: 1003, keepPerScope: 2, batchSize: 10 });
        const before = await historyOf(store);
        expect(before.bounds).toEqual({ oldest: 5, latest: 7 });

        const text = await backupText(store);
        expect(text).toContain('"type":"revision_watermark","account_id":1,"compacted_through":4');
        await restore(target.store, text);
        expect(await historyOf(target.store)).toEqual(before);
        // The next revision comes after every imported one.
        await target.store.updateConfig(key, 'a', {
          edit: { kind: 'replace', configJson: '{"after":true}' },
          nowSeconds: 3000,
          operation: 'merge',
          actor: testActor,
        });
        const [latest] = await target.store.listConfigRevisions(key, 'a', { limit: 1 });
        expect(latest!.revision).toBe(8);
      } finally {
        await source.cleanup();
        await target.cleanup();
      }
    },
  );

  it('raises a counter that a backup left behind its revisions, so numbers are never reused', async () => {
    const source = await from.open();
    const target = await from.open();
    try {
      await source.store.createAccount({
        id: 1,
        subdomain: 'acme',
        adminEmail: 'a@x',
        adminTokenHash: 'a'.repeat(64),
        nowSeconds: 1,
      });
      await source.store.createConfig(key, { scope: 'a', configJson: '{}', nowSeconds: 1, actor: testActor });
      await source.store.createConfig(key, { scope: 'b', configJson: '{}', nowSeconds: 1, actor: testActor });
      const text = (await backupText(source.store)).replace('"last_revision":2', '"last_revision":1');
      await restore(target.store, text);
      expect(await target.store.revisionBounds(1)).toEqual({ oldest: 1, latest: 2 });
    } finally {
      await source.cleanup();
      await target.cleanup();
    }
  });
});
