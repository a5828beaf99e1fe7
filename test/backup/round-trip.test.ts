import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    try {
      seeded = await seedViaApi(server.baseUrl, source.store, step);
    } finally {
      await server.close();
    }
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
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('writes the same backup from every store, but for the header’s exported_at and source', () => {
    const [first, second, last] = [files.first, files.second, third].map((file) => readFileSync(file, 'utf8'));
    const header = (text: string) => JSON.parse(text.slice(0, text.indexOf('\n')));
    const body = (text: string) => text.slice(text.indexOf('\n'));
    expect(body(second!)).toBe(body(first!));
    expect(body(last!)).toBe(body(first!));
    expect(header(first!)).toEqual({
      type: 'switchboard-backup',
      format: 1,
      schema_version: expect.any(Number),
      exported_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      source: 'sqlite',
    });
    expect(header(second!)).toEqual({ ...header(first!), exported_at: expect.any(String), source: middle.name });
    expect(first!.trimEnd().split('\n').at(-1)).toBe(
      '{"type":"end","counts":{"account":2,"admin_token":2,"integration":4,"access_token":4,"config":12,"sequence":5}}',
    );
  });

  it('keeps secrets out of the backup: tokens and client secrets only as hashes', () => {
    const text = readFileSync(files.first, 'utf8');
    for (const secret of seeded.secrets) expect(text).not.toContain(secret);
    expect(text).toMatch(/"token_hash":"[0-9a-f]{64}"/);
    expect(text).toMatch(/"client_secret_hash":"[0-9a-f]{64}"/);
  });

  it('keeps ids with their gaps, and the highest id ever handed out', () => {
    const lines = readFileSync(files.second, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    const ids = lines.filter((line) => line.type === 'config').map((line) => line.id);
    expect(ids).toEqual([1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(lines).toContainEqual({ type: 'sequence', record_type: 'config', last_id: 14 });
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
