import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/security/secrets.js';
import { runCli } from '../helpers/processes.js';
import { call, startServer, tempDir } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';
import { createChannelIntegration, createInstance, exportWithCli, importWithCli } from './backup-fixture.js';

// A backup in format 1, as Switchboard wrote it before channel hosting: no channel records,
// and an end line and sequences that name only the ZIS types. It must still import.
const zisToken = 'sbzt_format-1-token';
const adminToken = 'sbat_format-1-admin';
const hashOf = (secret: string) => hashSecret(secret);
const recordLines = [
  { type: 'account', id: 3, subdomain: 'acme', created_at: 1714557600 },
  {
    type: 'admin_token',
    id: 3,
    account_id: 3,
    email: 'admin@acme.test',
    token_hash: hashOf(adminToken),
    created_at: 1714557600,
  },
  {
    type: 'integration',
    id: 2,
    account_id: 3,
    name: 'sync',
    client_identifier: 'zis_sync_3',
    client_secret_hash: hashOf('secret'),
    created_at: 1714557601,
  },
  {
    type: 'access_token',
    id: 5,
    account_id: 3,
    integration: 'sync',
    token_hash: hashOf(zisToken),
    created_at: 1714557602,
  },
  {
    type: 'config',
    id: 7,
    account_id: 3,
    integration: 'sync',
    scope: 'a/b ✓',
    version: 2,
    created_at: 1714557603,
    updated_at: 1714557700,
    config: '{"x": [1, 2.50, "\\u00e9"]}',
  },
  {
    type: 'config',
    id: 9,
    account_id: 3,
    integration: 'sync',
    scope: 'plain',
    version: 1,
    created_at: 1714557604,
    updated_at: 1714557604,
    config: '{}',
  },
].map((line) => JSON.stringify(line));
const sequenceLines = [
  ['account', 3],
  ['admin_token', 4],
  ['integration', 2],
  ['access_token', 5],
  ['config', 10],
].map(([type, lastId]) => JSON.stringify({ type: 'sequence', record_type: type, last_id: lastId }));
const format1 = [
  '{"type":"switchboard-backup","format":1,"schema_version":1,"exported_at":"2024-05-01T10:00:00Z","source":"sqlite"}',
  ...recordLines,
  ...sequenceLines,
  '{"type":"end","counts":{"account":1,"admin_token":1,"integration":1,"access_token":1,"config":2,"sequence":5}}',
];

const dir = tempDir();
const file = join(dir.path, 'format-1.jsonl');
beforeAll(() => writeFileSync(file, format1.join('\n') + '\n'));
afterAll(() => dir.remove());

describe.each(storeKinds)('a format-1 backup imported into $name', (kind) => {
  let target: OpenedStore;
  beforeAll(async () => {
    target = await kind.open();
  });
  afterAll(async () => {
    await target.cleanup();
  });

  it('imports, with no channel records, and its data reads as it did', async () => {
    const summary = await importWithCli(target.url, file);
    expect(summary).toBe(
      'Imported 1 account, 1 admin token, 1 integration, 1 access token, 2 configs, 0 channel integrations, ' +
        '0 instances, 0 pulls, 0 threads, 0 resources, 0 config revisions, 0 replies, 0 events, 0 push request records, ' +
        `0 ZIS bundle versions, 0 installed job specs, 0 ZIS connections, 0 ZIS OAuth clients into ${kind.name} ` +
        '(a backup of sqlite exported at 2024-05-01T10:00:00Z).\n',
    );
    const server = await startServer(target.store);
    try {
      const list = await call(server.baseUrl, 'GET', '/api/services/zis/integrations/sync/configs?filter[scope]=*', {
        token: zisToken,
      });
      expect(list.status).toBe(200);
      expect(list.json.configs.map((config: { id: number; scope: string }) => [config.id, config.scope])).toEqual([
        [7, 'a/b ✓'],
        [9, 'plain'],
      ]);
      // Byte for byte as stored, as configs always are.
      expect(list.text).toContain('"config":{"x": [1, 2.50, "\\u00e9"]}');
      // The imported sequence holds: the next config is 11, past the deleted 10.
      const created = await call(server.baseUrl, 'POST', '/api/services/zis/integrations/sync/configs', {
        token: zisToken,
        body: { scope: 'new', config: {} },
      });
      expect(created.json.config.id).toBe(11);
    } finally {
      await server.close();
    }
  });

  it('takes channel data afterwards, from id 1, and exports it all as format 5', async () => {
    const now = Date.UTC(2024, 4, 2);
    const integration = await createChannelIntegration(target.store.channels, 3, now);
    const instance = await createInstance(target.store.channels, integration, { name: 'After', now });
    expect([integration.id, instance.id]).toEqual([1, 1]);

    const again = join(dir.path, `${kind.name}-again.jsonl`);
    await exportWithCli(target.url, again);
    const lines = readFileSync(again, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 5, source: kind.name });
    // The format-1 lines come back byte for byte (the admin token's sequence included), the
    // access token with the scopes it always had (read and write), no prefix, and its last
    // use (the test above used it), the new config and the channel rows after them.
    // The integration gains format 5's OAuth client fields, empty.
    expect([...lines.slice(1, 3), ...lines.slice(5, 7)]).toEqual([...recordLines.slice(0, 2), ...recordLines.slice(4)]);
    expect(JSON.parse(lines[3]!)).toEqual({
      ...JSON.parse(recordLines[2]!),
      description: '',
      redirect_uris: '[]',
      updated_at: null,
    });
    expect(JSON.parse(lines[4]!)).toEqual({
      ...JSON.parse(recordLines[3]!),
      scopes: 'read write',
      token_prefix: null,
      used_at: expect.any(Number),
    });
    expect(lines.map((line) => JSON.parse(line).type).slice(7)).toEqual([
      'config',
      'channel_integration',
      'instance',
      // The config the test above created through the API, with its revision.
      'config_revision',
      'revision_counter',
      ...Array<string>(17).fill('sequence'),
      'end',
    ]);
    expect(lines.slice(12, 16)).toEqual(sequenceLines.slice(0, 4));
  });

  it('refuses a format-1 file that holds a channel record, naming the line', async () => {
    const bad = join(dir.path, `${kind.name}-bad.jsonl`);
    const thread = '{"type":"thread","id":1,"instance_id":1,"thread_key":"k","resource_count":0,"created_at":1}';
    writeFileSync(bad, [...format1.slice(0, 7), thread, ...format1.slice(7)].join('\n') + '\n');
    const other = await kind.open();
    try {
      const result = await runCli(['import', '--database', other.url, '--input', bad]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'switchboard: Import failed, nothing was imported: line 8: a format-1 backup has no thread records\n',
      );
      expect(await other.store.isEmpty()).toBe(true);
    } finally {
      await other.cleanup();
    }
  });
});
