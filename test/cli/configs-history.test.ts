import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runCli } from '../helpers/processes.js';
import { tempDir } from '../helpers/server.js';

// Each command is a process of its own: slow on a busy machine.
describe('switchboard configs history', { timeout: 60_000 }, () => {
  const dir = tempDir();
  const database = `sqlite:${join(dir.path, 'history.db')}`;
  const env = { SWITCHBOARD_DATA_DIR: dir.path };
  const cli = (...args: string[]) => runCli([...args, '--database', database], env);

  beforeAll(async () => {
    expect((await cli('accounts', 'create', '--subdomain', 'acme', '--json')).code).toBe(0);
    // Writes through the store the CLI shares with the server, as the API makes them.
    const store = new SqliteStore(database.slice('sqlite:'.length));
    await store.migrate();
    const account = (await store.findAccountBySubdomain('acme'))!;
    const key = { accountId: account.id, integration: 'crm' };
    const actor = { type: 'token', id: '7', requestId: 'r-1' } as const;
    await store.createConfig(key, { scope: 'app/settings', configJson: '{"a":1}', nowSeconds: 1_704_067_200, actor });
    for (let i = 2; i <= 4; i++) {
      await store.updateConfig(key, 'app/settings', {
        edit: { kind: 'replace', configJson: `{"a":${i}}` },
        nowSeconds: 1_704_067_200 + i,
        operation: 'merge',
        actor: { type: 'admin', id: 'admin@acme.test' },
      });
    }
    await store.deleteConfig(key, 'app/settings', undefined, { actor, nowSeconds: 1_704_067_300 });
    await store.close();
  });
  afterAll(() => dir.remove());

  it('prints revisions newest first, one line each', async () => {
    const result = await cli('configs', 'history', 'crm', 'app/settings', '--account', 'acme');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      '5 2024-01-01T00:01:40Z delete "1-4" token:7 -',
      '4 2024-01-01T00:00:04Z merge "1-4" admin:admin@acme.test {"a":4}',
      '3 2024-01-01T00:00:03Z merge "1-3" admin:admin@acme.test {"a":3}',
      '2 2024-01-01T00:00:02Z merge "1-2" admin:admin@acme.test {"a":2}',
      '1 2024-01-01T00:00:00Z create "1-1" token:7 {"a":1}',
    ]);
  });

  it('pages with --limit and --before, and prints JSON lines as the API answers', async () => {
    const page = await cli(
      'configs',
      'history',
      'crm',
      'app/settings',
      '--account',
      'acme',
      '--limit',
      '2',
      '--before',
      '4',
      '--json',
    );
    expect(page.code).toBe(0);
    const lines = page.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      {
        revision: 3,
        integration: 'crm',
        scope: 'app/settings',
        operation: 'merge',
        config: { a: 3 },
        etag: '"1-3"',
        changed_at: '2024-01-01T00:00:03Z',
        actor: { type: 'admin', id: 'admin@acme.test', request_id: null },
      },
      expect.objectContaining({ revision: 2 }),
    ]);
  });

  it('says so when a scope has no history', async () => {
    const none = await cli('configs', 'history', 'crm', 'never', '--account', 'acme');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('has no history');
  });

  it('says what is wrong with a flag', async () => {
    const bad = await cli('configs', 'history', 'crm', 'app/settings', '--account', 'acme', '--limit', '0');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--limit takes a whole number');
    const nobody = await cli('configs', 'history', 'crm', 'app/settings', '--account', 'nobody');
    expect(nobody.stderr).toContain('No account with subdomain "nobody"');
  });
});
