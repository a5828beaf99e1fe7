import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endLine, headerLine, recordLine } from '../../src/backup/backup-format.js';
import { importBackup } from '../../src/backup/import-backup.js';
import { zeroCounts, type BackupRecord } from '../../src/store/backup-records.js';
import { countRows, execSql } from '../helpers/raw-sql.js';
import { createTenant, openTempSqlite } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';
import { createChannelIntegration, createInstance, pullInto, recordsOf } from './backup-fixture.js';

// The checks format 5's records get on import, before the store sees them: a reply's thread
// is its instance's, push records name a listed instance and come in their order, statuses
// are known ones. Each refusal imports nothing.

let records: BackupRecord[];
const now = Date.UTC(2024, 0, 1);
let accountId: number;
let replyTo: { instanceId: number; threadId: number };
const newReply = (n: number) => ({
  accountId,
  ...replyTo,
  message: `hello ${n}`,
  fileUrls: [],
  parentId: 'first-1',
  recipientId: '',
  threadKey: 'first',
  requestUniqueIdentifier: `sb-reply-${n}`,
  nowMs: now,
});
const eventInsert = (account: number, integration: number, instance: number) =>
  `INSERT INTO event_outbox (account_id, integration_id, instance_id, callback_url, integration_created_at,
     integration_name, subdomain, type_id, error, data, created_at, status, attempts)
   VALUES (${account}, ${integration}, ${instance}, 'https://x.example/e', 1, 'n', 'acme',
     'pull_request', NULL, '{}', ${now}, 'pending', 0)`;

beforeAll(async () => {
  const source = await openTempSqlite();
  try {
    const tenant = await createTenant(source.store, 'acme', []);
    const channels = source.store.channels;
    const integration = await createChannelIntegration(channels, tenant.accountId, now);
    const instances = [];
    for (const name of ['first', 'second']) {
      const instance = await createInstance(channels, integration, { name, now });
      await pullInto(channels, instance, [`${name}-1`], { now, thread: name });
      instances.push(instance);
    }
    const [first, second] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const thread = (await channels.listThreads(tenant.accountId, first.id))[0]!;
    accountId = tenant.accountId;
    replyTo = { instanceId: first.id, threadId: thread.id };
    for (const n of [1, 2]) {
      await source.store.replies.createReply({
        ...newReply(n),
        idempotency: { key: `key-${n}`, requestHash: 'a'.repeat(64), notBeforeMs: 0 },
      });
    }
    // The highest reply and event ids are gone (pruned): no id may be handed out again.
    await execSql(
      source.url,
      `${eventInsert(tenant.accountId, integration.id, first.id)};
       ${eventInsert(tenant.accountId, integration.id, first.id)};
       DELETE FROM event_outbox WHERE id = 2;
       DELETE FROM replies WHERE id = 2;
       INSERT INTO push_requests (instance_id, request_id, results, created_at) VALUES
         (${first.id}, 'b', '[]', ${now}), (${first.id}, 'é', '[]', ${now}), (${second.id}, 'a', '[]', ${now})`,
    );
    records = await recordsOf(source.store);
  } finally {
    await source.cleanup();
  }
});

/** The backup of `edited` records, with a matching end line. */
function backupOf(edited: BackupRecord[]): string {
  const counts = zeroCounts();
  for (const record of edited) counts[record.type] += 1;
  const header = headerLine({ format: 5, schemaVersion: 1, exportedAt: '2024-01-01T00:00:00Z', source: 'sqlite' });
  return [header, ...edited.map(recordLine), endLine(counts)].join('\n') + '\n';
}
const replaced = (type: string, edit: (record: any) => object) =>
  records.map((record) => (record.type === type ? ({ ...record, ...edit(record) } as BackupRecord) : record));

describe.each(storeKinds)('format-5 import checks on $name', (kind) => {
  let target: OpenedStore;
  beforeAll(async () => {
    target = await kind.open();
  });
  afterAll(async () => {
    await target.cleanup();
  });
  const importText = (text: string) => importBackup(target.store, Readable.from([text]), { schemaVersion: 99 });

  it('lists push records by instance, then request id in byte order (é after b)', () => {
    const pushes = records.filter((record) => record.type === 'push_request');
    expect(pushes.map((record) => record.requestId)).toEqual(['b', 'é', 'a']);
  });

  const cases: [string, () => BackupRecord[], RegExp][] = [
    [
      'a reply in a thread of another instance',
      () => replaced('reply', () => ({ threadId: records.filter((r) => r.type === 'thread')[1]!.id })),
      /reply 1 of instance 1 is in thread 2, which is not listed before it for that instance/,
    ],
    [
      'a reply with an unknown status',
      () => replaced('reply', () => ({ status: 'queued' })),
      /"status" in the reply record must be one of pending, sent, failed/,
    ],
    [
      'an Idempotency-Key with a space',
      () => replaced('reply', () => ({ idempotencyKey: 'a b' })),
      /"idempotency_key" in the reply record must be null or 1–255 visible ASCII characters/,
    ],
    [
      'push records out of order',
      () => {
        const copy = [...records];
        const at = copy.findIndex((record) => record.type === 'push_request');
        [copy[at], copy[at + 1]] = [copy[at + 1]!, copy[at]!];
        return copy;
      },
      /push_request of instance 1 is out of order or repeated/,
    ],
    [
      'a push record of an instance not listed',
      () => replaced('push_request', () => ({ instanceId: 99 })),
      /push_request of instance 99: the instance is not listed before it/,
    ],
    [
      'an event with an unknown status',
      () => replaced('event', () => ({ status: 'lost' })),
      /"status" in the event record must be one of pending, delivered, failed/,
    ],
  ];

  it.each(cases)('refuses %s, importing nothing', async (_, edited, message) => {
    await expect(importText(backupOf(edited()))).rejects.toThrow(message);
    expect(await target.store.isEmpty()).toBe(true);
  });

  it('refuses format-5 records in a format-4 backup', async () => {
    const text = backupOf(records).replace('"format":5', '"format":4');
    await expect(importText(text)).rejects.toThrow(/a format-4 backup has no reply records/);
  });

  it('takes the backup as exported, exports it again the same, and hands out no reply or event id again', async () => {
    const sequence = (type: string) =>
      records.find((record) => record.type === 'sequence' && record.recordType === type) as { lastId: number };
    expect([sequence('reply').lastId, sequence('event').lastId]).toEqual([2, 2]);
    await importText(backupOf(records));
    expect(await recordsOf(target.store)).toEqual(records);

    expect(await target.store.replies.createReply(newReply(3))).toMatchObject({ id: 3 });
    await execSql(target.url, eventInsert(accountId, 1, replyTo.instanceId));
    expect(await countRows(target.url, 'event_outbox', 'id = 3')).toBe(1);
    expect(await countRows(target.url, 'event_outbox', 'id = 2')).toBe(0);
  });
});
