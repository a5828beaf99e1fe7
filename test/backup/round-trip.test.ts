import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIntegration } from '../helpers/fake-integration.js';
import { opaqueTexts } from '../helpers/opaque-texts.js';
import { runCli } from '../helpers/processes.js';
import { openTempSqlite, startServer, tempDir } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';
import {
  collectAnswers,
  exportWithCli,
  importWithCli,
  seedViaApi,
  steppingClock,
  type Seeded,
} from './backup-fixture.js';

// SQLite → PostgreSQL → SQLite through the real CLI. Without PostgreSQL (the helper says so
// once), the middle hop is another SQLite store, so the round trip still runs.
const middle = storeKinds.at(-1)!;

describe(`backup round trip sqlite → ${middle.name} → sqlite through the CLI`, () => {
  const dir = tempDir();
  const files = { first: join(dir.path, 'first.jsonl'), second: join(dir.path, 'second.jsonl') };
  const third = join(dir.path, 'third.jsonl');
  // Reading the stores issues one more OAuth token in each; every other check sees the backups as written.
  const { clock, step } = steppingClock();
  let stores: { name: string; opened: OpenedStore }[];
  let seeded: Seeded;

  beforeAll(async () => {
    const source = await openTempSqlite();
    const server = await startServer(source.store, { clock });
    const fake = await startFakeIntegration();
    try {
      seeded = await seedViaApi(server.baseUrl, source.store, step, fake);
    } finally {
      await server.close();
      await fake.close();
    }
    // A pull under way on the old deployment: its lease is not carried over.
    const leased = await source.store.channels.claimInstance(
      seeded.channels.acmeAccountId,
      seeded.channels.instances.emoji!,
      { nowMs: clock().getTime(), leaseMs: 3_600_000, owner: 'old-node' },
    );
    expect(leased).toMatchObject({ instance: { id: seeded.channels.instances.emoji } });
    await exportWithCli(source.url, files.first);
    const hop = await middle.open();
    await importWithCli(hop.url, files.first);
    await exportWithCli(hop.url, files.second);
    const last = await openTempSqlite();
    await importWithCli(last.url, files.second);
    await exportWithCli(last.url, third);
    stores = [
      { name: 'sqlite (source)', opened: source },
      { name: middle.name, opened: hop },
      { name: 'sqlite (restored)', opened: last },
    ];
  });
  afterAll(async () => {
    for (const { opened } of stores ?? []) await opened.cleanup();
    dir.remove();
  });

  it('answers every API request byte for byte the same on all three stores', async () => {
    const answers: string[][] = [];
    for (const { opened } of stores) {
      const server = await startServer(opened.store, { clock });
      try {
        answers.push(await collectAnswers(server.baseUrl, seeded));
      } finally {
        await server.close();
      }
    }
    // The answers are worth comparing: data, pages, versions and timestamps are all there.
    const source = answers[0]!.join('\n');
    expect(source).toContain('"has_more":true');
    expect(source).toMatch(/GET \S+page%5Bafter%5D=\d+\S* -> 200 /);
    expect(source).toMatch(/etag="\d+-3"/);
    expect(source).toContain('"created_at":"2024-01-01T12:01:01Z"');
    expect(source).toContain('ünïcødé/日本語 ✓');
    expect(source).toMatch(/-> 404 .*No config with scope \\"to-delete-1\\"/);
    expect(source).toMatch(/bad token .* -> 401/);
    expect(source).toContain('oauth client credentials -> 200');
    expect(source).toContain('"via":"oauth"');
    expect(source).toMatch(/"client_id":\d+,"token":"sbzt_.{5}\.\.\.","scopes":\["read"\]/);
    expect(source).toMatch(/"used_at":"2024-/);
    // …and the channel data: tricky metadata and state in full, pulls of every kind,
    // threads, resources, and 404s for what was deleted.
    for (const text of Object.values(opaqueTexts)) expect(source).toContain(JSON.stringify(text));
    expect(source).toContain('"metadata_redacted":true');
    expect(source).toContain('"metadata_length":5000');
    expect(source).toMatch(/"outcome":"ok","http_status":200,"resources_stored":4,"duplicates":0/);
    expect(source).toMatch(/"resources_stored":1,"duplicates":1/);
    expect(source).toMatch(/"outcome":"failed","http_status":500.*"error":"pull_url answered HTTP 500/);
    expect(source).toContain('"metadata_needs_update":true');
    expect(source).toContain('"active":false');
    expect(source).toMatch(/"thread_key":"thread-b","resource_count":2/);
    expect(source).toContain('héllo 🎉 “quotes” \u2028 \\\\ \\"');
    expect(source).toContain('"thread_key":"g1"');
    expect(source).toMatch(/GET \/api\/switchboard\/v1\/instances\/\d+\/threads\/\d+\/resources -> 200 /);
    expect(source).toMatch(new RegExp(`instances/${seeded.channels.deleted.instanceId}\\?include=metadata -> 404`));
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('does not carry a pull lease over: an imported instance can be pulled at once', async () => {
    const claim = (opened: OpenedStore) =>
      opened.store.channels.claimInstance(seeded.channels.acmeAccountId, seeded.channels.instances.emoji!, {
        nowMs: clock().getTime(),
        leaseMs: 1000,
        owner: 'new-node',
      });
    expect(await claim(stores[0]!.opened)).toBe('busy');
    for (const { opened } of stores.slice(1)) {
      expect(await claim(opened)).toMatchObject({ instance: { id: seeded.channels.instances.emoji } });
    }
  });

  it('writes the same backup from every store, but for the header’s exported_at and source', () => {
    const [first, second, last] = [files.first, files.second, third].map((file) => readFileSync(file, 'utf8'));
    const header = (text: string) => JSON.parse(text.slice(0, text.indexOf('\n')));
    const body = (text: string) => text.slice(text.indexOf('\n'));
    expect(body(second!)).toBe(body(first!));
    expect(body(last!)).toBe(body(first!));
    expect(header(first!)).toEqual({
      type: 'switchboard-backup',
      format: 5,
      schema_version: expect.any(Number),
      exported_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      source: 'sqlite',
    });
    expect(header(second!)).toEqual({ ...header(first!), exported_at: expect.any(String), source: middle.name });
    expect(first!.trimEnd().split('\n').at(-1)).toBe(
      '{"type":"end","counts":{"account":2,"admin_token":2,"integration":4,"access_token":5,"config":12,' +
        '"channel_integration":2,"instance":13,"pull":4,"thread":4,"resource":6,' +
        '"config_revision":20,"revision_counter":2,"revision_watermark":0,"reply":0,"event":0,"push_request":0,' +
        '"zis_bundle":0,"zis_job_spec_install":0,"zis_connection":0,"zis_oauth_client":0,"sequence":17}}',
    );
  });

  it('keeps secrets out of the backup: tokens and client secrets only as hashes', () => {
    const text = readFileSync(files.first, 'utf8');
    for (const secret of seeded.secrets) expect(text).not.toContain(secret);
    expect(text).toMatch(/"token_hash":"[0-9a-f]{64}"/);
    expect(text).toMatch(/"client_secret_hash":"[0-9a-f]{64}"/);
    expect(text).toMatch(/"push_token_hash":"[0-9a-f]{64}"/);
    expect(text).not.toContain('lease');
    expect(text).not.toContain('old-node');
  });

  it('keeps ids with their gaps, and the highest id ever handed out', () => {
    const lines = readFileSync(files.second, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    const ids = lines.filter((line) => line.type === 'config').map((line) => line.id);
    expect(ids).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(lines).toContainEqual({ type: 'sequence', record_type: 'config', last_id: 14 });
    // The deleted channel integration, instance, and its pull, threads and resources had the highest ids.
    const { deleted } = seeded.channels;
    const channelIds = (type: string) => lines.filter((line) => line.type === type).map((line) => line.id);
    expect(channelIds('channel_integration')).toEqual([1, 2]);
    expect(deleted.integrationId).toBe(3);
    expect(lines).toContainEqual({ type: 'sequence', record_type: 'channel_integration', last_id: 3 });
    expect(Math.max(...channelIds('instance'))).toBeLessThan(deleted.instanceId);
    expect(lines).toContainEqual({ type: 'sequence', record_type: 'instance', last_id: deleted.instanceId });
    for (const [type, kept] of [
      ['pull', 4],
      ['thread', 4],
      ['resource', 6],
    ] as const) {
      expect(channelIds(type), type).toEqual(Array.from({ length: kept }, (_, i) => i + 1));
      expect(lines, type).toContainEqual({
        type: 'sequence',
        record_type: type,
        last_id: type === 'pull' ? 5 : kept + 2,
      });
    }
  });

  it('prints the backup on stdout without --output, the summary on stderr', async () => {
    const url = stores[2]!.opened.url;
    const result = await runCli(['export', '--database', url]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /^Exported 2 accounts, 2 admin tokens, 4 integrations, \d+ access tokens, 12 configs/,
    );
    const file = join(dir.path, 'again.jsonl');
    await exportWithCli(url, file);
    const text = readFileSync(file, 'utf8');
    expect(result.stdout.slice(result.stdout.indexOf('\n'))).toBe(text.slice(text.indexOf('\n')));
  });
});
