import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { runCli, startServeProcess, type ServeProcess } from '../helpers/processes.js';
import { call, tempDir } from '../helpers/server.js';
import { createPostgresDatabase, sharedPgBouncer, storeProfiles } from '../helpers/stores.js';

const configs = '/api/services/zis/integrations/shared/configs';

describe('SWITCHBOARD_POSTGRES_STATEMENTS', () => {
  it('is named by default, unnamed on request, and refuses anything else saying what it takes', () => {
    expect(loadSettings({}).postgresStatements).toBe('named');
    expect(loadSettings({ SWITCHBOARD_POSTGRES_STATEMENTS: 'unnamed' }).postgresStatements).toBe('unnamed');
    expect(() => loadSettings({ SWITCHBOARD_POSTGRES_STATEMENTS: 'none' })).toThrow(
      'SWITCHBOARD_POSTGRES_STATEMENTS must be named or unnamed',
    );
  });
});

/**
 * Two `serve` processes and the CLI through PgBouncer in transaction mode, as the issue ran
 * them (92% of requests answered 500 with named statements): with `unnamed`, every request
 * answers as it does direct.
 */
describe.runIf(storeProfiles.some((kind) => kind.name === 'pgbouncer'))('two nodes through PgBouncer', () => {
  const dir = tempDir();
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let a: ServeProcess;
  let b: ServeProcess;
  let token: string;
  let url: string;
  const env = {
    SWITCHBOARD_DATA_DIR: dir.path,
    SWITCHBOARD_MODE: 'production',
    LOG_LEVEL: 'warn',
    SWITCHBOARD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    SWITCHBOARD_POSTGRES_STATEMENTS: 'unnamed',
  };

  beforeAll(async () => {
    database = await createPostgresDatabase();
    url = (await sharedPgBouncer()).urlFor(database.name);
    const migrated = await runCli(['migrate', '--database', url], env);
    expect(migrated.stderr).toBe('');
    expect(migrated.code).toBe(0);
    [a, b] = await Promise.all([startServeProcess(url, env), startServeProcess(url, env)]);
    const account = await runCli(['accounts', 'create', '--subdomain', 'acme', '--json', '--database', url], env);
    expect(account.code).toBe(0);
    const issued = await runCli(
      ['tokens', 'create', '--account', 'acme', '--integration', 'shared', '--json', '--database', url],
      env,
    );
    token = JSON.parse(issued.stdout).access_token;
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
    dir.remove();
  });

  it('answers 100 concurrent creates and reads across both nodes without a 500', async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const node = i % 2 ? a.baseUrl : b.baseUrl;
        return i % 4 === 0
          ? call(node, 'POST', configs, { token, body: { scope: `load_${i}`, config: { i } } })
          : call(node, 'GET', `${configs}/load_${i - (i % 4)}`, { token });
      }),
    );
    const statuses = responses.map((r) => r.status);
    // A read may come before its create commits (404); nothing else.
    expect(statuses.filter((s) => ![200, 201, 404].includes(s))).toEqual([]);
    expect(statuses.filter((s) => s === 201)).toHaveLength(25);
  });

  it('loses no key when 50 concurrent PATCHes are split across both nodes', async () => {
    expect((await call(a.baseUrl, 'POST', configs, { token, body: { scope: 'race', config: {} } })).status).toBe(201);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(i % 2 ? a.baseUrl : b.baseUrl, 'PATCH', `${configs}/race`, { token, body: { config: { [`k${i}`]: i } } }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const config = (await call(b.baseUrl, 'GET', `${configs}/race`, { token })).json.config.config;
    expect(Object.keys(config).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `k${i}`).sort());
  });
});
