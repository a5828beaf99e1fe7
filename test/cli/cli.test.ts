import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/processes.js';
import { call, startServer, tempDir } from '../helpers/server.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { wrapStore } from '../../src/store/wrap-store.js';
import { execSql } from '../helpers/raw-sql.js';

describe('the command-line contract', () => {
  const dir = tempDir();
  const database = `sqlite:${join(dir.path, 'cli.db')}`;
  afterAll(() => dir.remove());

  let account: { id: number; subdomain: string; admin_email: string; api_token: string };

  beforeAll(async () => {
    const created = await runCli([
      'accounts',
      'create',
      '--subdomain',
      'acme',
      '--id',
      '4242',
      '--json',
      '--database',
      database,
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    account = JSON.parse(created.stdout);
  });

  it('accounts create --json prints id, subdomain, admin_email and api_token', () => {
    expect(Object.keys(account)).toEqual(['id', 'subdomain', 'admin_email', 'api_token']);
    expect(account).toMatchObject({ id: 4242, subdomain: 'acme' });
    expect(account.api_token.length).toBeGreaterThan(30);
  });

  it('tokens create --json registers the integration and prints a working token', async () => {
    const result = await runCli([
      'tokens',
      'create',
      '--account',
      'acme',
      '--integration',
      'cli_sync',
      '--json',
      '--database',
      database,
    ]);
    expect(result.code).toBe(0);
    const token = JSON.parse(result.stdout);
    expect(Object.keys(token)).toEqual(['access_token', 'account_id', 'integration']);
    expect(token).toMatchObject({ account_id: 4242, integration: 'cli_sync' });

    const store = wrapStore(new SqliteStore(database.slice('sqlite:'.length)));
    await store.migrate();
    const server = await startServer(store);
    try {
      const created = await call(server.baseUrl, 'POST', '/api/services/zis/integrations/cli_sync/configs', {
        token: token.access_token,
        body: { scope: 'x', config: {} },
      });
      expect(created.status).toBe(201);
      expect(created.json.config.zendesk_account_id).toBe(4242);
      const admin = 'Basic ' + Buffer.from(`${account.admin_email}/token:${account.api_token}`).toString('base64');
      expect(
        (await call(server.baseUrl, 'GET', '/api/services/zis/integrations/cli_sync/configs/x', { auth: admin }))
          .status,
      ).toBe(200);
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('takes the database from DATABASE_URL', async () => {
    const result = await runCli(['accounts', 'create', '--subdomain', 'envacct', '--json'], { DATABASE_URL: database });
    expect(result.code).toBe(0);
    const again = await runCli([
      'tokens',
      'create',
      '--account',
      'envacct',
      '--integration',
      'x',
      '--json',
      '--database',
      database,
    ]);
    expect(again.code).toBe(0);
  });

  it('refuses mistakes with one clear line and exit code 1', async () => {
    const cases: [string[], RegExp][] = [
      [['accounts', 'create', '--subdomain', 'acme', '--database', database], /already exists/],
      [['accounts', 'create', '--subdomain', 'Bad_Sub', '--database', database], /lowercase letters/],
      [
        ['accounts', 'create', '--subdomain', 'ok', '--id', 'x', '--database', database],
        /--id must be a positive integer/,
      ],
      [
        ['tokens', 'create', '--account', 'nobody', '--integration', 'x', '--database', database],
        /No account with subdomain "nobody"/,
      ],
      [
        ['tokens', 'create', '--account', 'acme', '--integration', 'Bad!', '--database', database],
        /--integration must match/,
      ],
      [['accounts', 'create', '--subdomain', 'x', '--database', 'mysql://nope'], /Unsupported database URL/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('refuses to start on a database migrated by a newer Switchboard', async () => {
    const path = join(dir.path, 'newer.db');
    expect((await runCli(['migrate', '--database', `sqlite:${path}`])).code).toBe(0);
    await execSql(`sqlite:${path}`, `INSERT INTO schema_migrations VALUES (9999, '9999_future', 0)`);
    for (const command of [['migrate'], ['serve', '--port', '0']]) {
      const result = await runCli([...command, '--database', `sqlite:${path}`]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/schema version 9999.*Upgrade Switchboard/);
    }
  });

  it('migrate reports the schema version', async () => {
    const result = await runCli(['migrate', '--database', `sqlite:${join(dir.path, 'fresh.db')}`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Migrated from schema version 0 to \d+/);
    const again = await runCli(['migrate', '--database', `sqlite:${join(dir.path, 'fresh.db')}`]);
    expect(again.stdout).toMatch(/up to date/);
  });
});
