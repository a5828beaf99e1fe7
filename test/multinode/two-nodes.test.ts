import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServeProcess, type ServeProcess } from '../helpers/processes.js';
import { call, tempDir } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable } from '../helpers/stores.js';

const configs = '/api/services/zis/integrations/shared/configs';

/** Two stateless `serve` processes on one PostgreSQL database, as behind a load balancer. */
describe.runIf(postgresAvailable)('two nodes on one PostgreSQL database', () => {
  const dir = tempDir();
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  let a: ServeProcess;
  let b: ServeProcess;
  let token: string;

  beforeAll(async () => {
    schema = await createPostgresSchema();
    const env = {
      SWITCHBOARD_DATA_DIR: dir.path,
      SWITCHBOARD_MODE: 'production',
      LOG_LEVEL: 'warn',
      SWITCHBOARD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    };
    // Both start at once on an unmigrated schema: both come up, one migrates.
    [a, b] = await Promise.all([startServeProcess(schema.url, env), startServeProcess(schema.url, env)]);
    const account = await runCli(['accounts', 'create', '--subdomain', 'acme', '--json', '--database', schema.url]);
    expect(account.code).toBe(0);
    const issued = await runCli([
      'tokens',
      'create',
      '--account',
      'acme',
      '--integration',
      'shared',
      '--json',
      '--database',
      schema.url,
    ]);
    token = JSON.parse(issued.stdout).access_token;
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await schema?.drop();
    dir.remove();
  });

  it('reads a write made through the other node at once', async () => {
    const created = await call(a.baseUrl, 'POST', configs, { token, body: { scope: 'seen', config: { by: 'a' } } });
    expect(created.status).toBe(201);
    const read = await call(b.baseUrl, 'GET', `${configs}/seen`, { token });
    expect(read.status).toBe(200);
    expect(read.json.config.config).toEqual({ by: 'a' });
    expect(read.headers.get('etag')).toBe(created.headers.get('etag'));
  });

  it('loses no key when 50 concurrent PATCHes are split across both nodes', async () => {
    await call(a.baseUrl, 'POST', configs, { token, body: { scope: 'race', config: {} } });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(i % 2 ? a.baseUrl : b.baseUrl, 'PATCH', `${configs}/race`, { token, body: { config: { [`k${i}`]: i } } }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const config = (await call(b.baseUrl, 'GET', `${configs}/race`, { token })).json.config.config;
    expect(Object.keys(config).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `k${i}`).sort());
  });

  it('holds If-Match across nodes', async () => {
    await call(a.baseUrl, 'POST', configs, { token, body: { scope: 'guarded', config: { v: 1 } } });
    const etag = (await call(a.baseUrl, 'GET', `${configs}/guarded`, { token })).headers.get('etag')!;
    const viaB = await call(b.baseUrl, 'PATCH', `${configs}/guarded`, {
      token,
      body: { config: { v: 2 } },
      headers: { 'if-match': etag },
    });
    expect(viaB.status).toBe(200);
    const staleViaA = await call(a.baseUrl, 'PUT', `${configs}/guarded`, {
      token,
      body: { config: { v: 3 } },
      headers: { 'if-match': etag },
    });
    expect(staleViaA.status).toBe(412);
    expect((await call(a.baseUrl, 'GET', `${configs}/guarded`, { token })).json.config.config).toEqual({ v: 2 });
  });

  it('creating one scope on both nodes at once yields exactly one 201 and one 422', async () => {
    for (let round = 0; round < 10; round++) {
      const body = { scope: `twice_${round}`, config: { round } };
      const statuses = (
        await Promise.all([
          call(a.baseUrl, 'POST', configs, { token, body }),
          call(b.baseUrl, 'POST', configs, { token, body }),
        ])
      ).map((r) => r.status);
      expect(statuses.sort()).toEqual([201, 422]);
    }
  });
});
