import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/processes.js';
import { tempDir } from '../helpers/server.js';

const bin = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));

/** `switchboard ARGS` with `input` on its stdin. */
function runWithInput(args: string[], input: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

// Each command is a process of its own (about 3 s on a busy 2-core machine, through tsx).
describe(
  'accounts list, tokens list, configs get|set|list|delete and the --account default',
  { timeout: 180_000 },
  () => {
    const dir = tempDir();
    const database = `sqlite:${join(dir.path, 'cli.db')}`;
    const env = { SWITCHBOARD_DATA_DIR: dir.path };
    const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
      runCli([...args, '--database', database], { ...env, ...extraEnv });
    const table = (...args: string[]) => cli(args, { SWITCHBOARD_OUTPUT: 'table' });
    let apiToken: string;
    let accessToken: string;

    beforeAll(async () => {
      const none = await cli(['tokens', 'list']);
      expect(none.stderr).toBe(
        'switchboard: No account yet: create one with "switchboard accounts create --subdomain NAME"\n',
      );
      expect(JSON.parse((await cli(['accounts', 'list'])).stdout)).toEqual({ accounts: [] });
      const created = await cli(['accounts', 'create', '--subdomain', 'acme', '--id', '7', '--json']);
      expect(created.code).toBe(0);
      apiToken = JSON.parse(created.stdout).api_token;
    }, 60_000);
    afterAll(() => dir.remove());

    it('uses the only account when --account is left out', async () => {
      const issued = await cli(['tokens', 'create', '--integration', 'sync', '--json']);
      expect(issued.stderr).toBe('');
      expect(JSON.parse(issued.stdout)).toMatchObject({ account_id: 7, integration: 'sync' });
      accessToken = JSON.parse(issued.stdout).access_token;
    });

    it('tokens list shows ids, integrations and first characters, never a token or a hash', async () => {
      const listed = await cli(['tokens', 'list']);
      expect(listed.code).toBe(0);
      const { tokens } = JSON.parse(listed.stdout);
      expect(tokens).toEqual([
        {
          id: 1,
          integration: 'sync',
          client_id: 1,
          token: `${accessToken.slice(0, 10)}...`,
          scopes: ['read', 'write'],
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
          expires_at: null,
          used_at: null,
        },
      ]);
      const onTerminal = await table('tokens', 'list');
      expect(onTerminal.stdout).toMatch(
        /^ID {2}INTEGRATION {2}TOKEN +SCOPES +CREATED +EXPIRES {2}USED\n 1 {2}sync +\S{10}\.\.\. {2}read write {2}\S+Z {2}- +-\n$/,
      );
      const admin = await cli(['tokens', 'list', '--admin']);
      expect(JSON.parse(admin.stdout).admin_tokens).toEqual([
        { id: 1, email: 'admin@acme.example', created_at: expect.any(String) },
      ]);
      for (const output of [listed.stdout, onTerminal.stdout, admin.stdout]) {
        expect(output).not.toContain(accessToken);
        expect(output).not.toContain(apiToken);
        expect(output).not.toMatch(/[0-9a-f]{64}/);
      }
    });

    it('configs set creates, then replaces; get, list (with *) and delete answer as the API does', async () => {
      const created = await cli(['configs', 'set', 'sync', 'acme:eu', '{"region":"eu","on":true}']);
      expect(created.stderr).toBe('');
      const body = JSON.parse(created.stdout);
      expect(Object.keys(body.config)).toEqual([
        'config',
        'created_at',
        'id',
        'integration',
        'scope',
        'updated_at',
        'zendesk_account_id',
      ]);
      expect(body.config).toMatchObject({
        config: { region: 'eu', on: true },
        scope: 'acme:eu',
        zendesk_account_id: 7,
      });

      const replaced = await table('configs', 'set', 'sync', 'acme:eu', '{"region":"eu-west"}');
      expect(replaced.stdout).toBe('Replaced config "acme:eu" of sync (ETag "1-2").\n');
      const fromStdin = await runWithInput(
        ['configs', 'set', 'sync', 'acme:us', '-', '--database', database],
        '{"region":"us"}',
        { ...env, SWITCHBOARD_OUTPUT: 'table' },
      );
      expect(fromStdin.stdout).toBe('Created config "acme:us" of sync (ETag "2-1").\n');
      const file = join(dir.path, 'other.json');
      writeFileSync(file, '{"other":1}');
      expect((await cli(['configs', 'set', 'sync', 'other', '--file', file])).code).toBe(0);

      const got = JSON.parse((await cli(['configs', 'get', 'sync', 'acme:eu'])).stdout);
      expect(got.config.config).toEqual({ region: 'eu-west' });
      const gotOnTerminal = await table('configs', 'get', 'sync', 'acme:eu');
      expect(gotOnTerminal.stdout).toMatch(/^SCOPE {4}ETAG {3}CREATED {15}UPDATED\nacme:eu {2}"1-2" {2}/);
      expect(gotOnTerminal.stdout).toContain('{\n  "region": "eu-west"\n}\n');

      const listed = JSON.parse((await cli(['configs', 'list', 'sync', '--filter', 'acme:*'])).stdout);
      expect(listed.configs.map((c: { scope: string }) => c.scope)).toEqual(['acme:eu', 'acme:us']);
      expect(listed.meta).toEqual({ has_more: false });
      const all = await table('configs', 'list', 'sync');
      expect(all.stdout.split('\n').map((line) => line.split(/\s+/)[0])).toEqual([
        'SCOPE',
        'acme:eu',
        'acme:us',
        'other',
        '',
      ]);
      expect((await table('configs', 'list', 'sync', '--filter', 'x*')).stdout).toBe(
        'No config of sync matches "x*".\n',
      );

      expect((await cli(['configs', 'delete', 'sync', 'acme:us'])).stdout).toBe('Deleted config "acme:us" of sync.\n');
      const again = await cli(['configs', 'delete', 'sync', 'acme:us']);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe('switchboard: No config with scope "acme:us" for integration "sync"\n');
      const missing = await cli(['configs', 'get', 'sync', 'acme:us']);
      expect(missing.code).toBe(1);

      // The writes are in the config's history, by the CLI.
      const history = (await cli(['configs', 'history', 'sync', 'acme:eu', '--json'])).stdout.trim().split('\n');
      expect(history.map((line) => JSON.parse(line).operation)).toEqual(['replace', 'create']);
      expect(JSON.parse(history[0]!).actor.type).toBe('cli');
    });

    it('refuses a config that is not a JSON object, a bad scope and a bad filter, with one line', async () => {
      const notJson = await cli(['configs', 'set', 'sync', 'x', '{nope']);
      expect(notJson.code).toBe(1);
      expect(notJson.stderr).toMatch(/^switchboard: The config is not JSON: /);
      const array = await cli(['configs', 'set', 'sync', 'x', '[1]']);
      expect(array.stderr).toBe('switchboard: The config must be a JSON object, e.g. {"enabled":true}\n');
      const star = await cli(['configs', 'get', 'sync', 'a*']);
      expect(star.stderr).toMatch(/Invalid scope: scope must not contain "\*"/);
      const emptyFilter = await cli(['configs', 'list', 'sync', '--filter', '']);
      expect(emptyFilter.stderr).toMatch(/--filter must not be empty/);
      expect((await cli(['configs', 'get', 'sync', 'x'])).code).toBe(1);
    });

    it('with several accounts, asks for --account and names them', async () => {
      expect((await cli(['accounts', 'create', '--subdomain', 'beta', '--id', '9'])).code).toBe(0);
      const ambiguous = await cli(['configs', 'list', 'sync']);
      expect(ambiguous.code).toBe(1);
      expect(ambiguous.stderr).toBe(
        'switchboard: There are 2 accounts (acme, beta): choose one with --account SUBDOMAIN\n',
      );
      expect((await cli(['configs', 'get', 'sync', 'acme:eu', '--account', 'acme'])).code).toBe(0);
      expect(JSON.parse((await cli(['tokens', 'list', '--account', 'beta'])).stdout)).toEqual({ tokens: [] });

      expect(JSON.parse((await cli(['accounts', 'list'])).stdout).accounts).toEqual([
        { id: 7, subdomain: 'acme', created_at: expect.any(String) },
        { id: 9, subdomain: 'beta', created_at: expect.any(String) },
      ]);
      // --json wins over a terminal.
      expect(JSON.parse((await table('accounts', 'list', '--json')).stdout).accounts).toHaveLength(2);
    });

    it('prints a table on a real terminal (under script) and JSON through a pipe', () => {
      const command = [process.execPath, bin, 'accounts', 'list', '--database', database]
        .map((a) => `'${a}'`)
        .join(' ');
      const env2 = { ...process.env, ...env, SWITCHBOARD_OUTPUT: '' };
      const onTerminal = spawnSync('script', ['-qec', command, '/dev/null'], { env: env2, encoding: 'utf8' });
      expect(onTerminal.status).toBe(0);
      expect(onTerminal.stdout.replaceAll('\r\n', '\n')).toMatch(
        /^ID {2}SUBDOMAIN {2}CREATED\n {1}7 {2}acme {7}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n {1}9 {2}beta {7}\S+\n$/,
      );
      const piped = spawnSync('bash', ['-c', `${command} | cat`], { env: env2, encoding: 'utf8' });
      expect(JSON.parse(piped.stdout).accounts).toHaveLength(2);
    });
  },
);
