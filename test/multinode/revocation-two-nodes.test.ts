import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/security/secrets.js';
import { openStore } from '../../src/store/open-store.js';
import { runCli, startServeProcess, type ServeProcess } from '../helpers/processes.js';
import { call, tempDir } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable } from '../helpers/stores.js';

const configs = '/api/services/zis/integrations/shared/configs';
const basic = (email: string, token: string) => 'Basic ' + Buffer.from(`${email}/token:${token}`).toString('base64');

/**
 * Polls `node` every 50 ms until `auth` is refused; resolves with how long that took, ms.
 * Gives up after 3 s, so a failure shows the time rather than hanging.
 */
async function msUntilRefused(baseUrl: string, path: string, auth: string, since: number): Promise<number> {
  for (;;) {
    const { status } = await call(baseUrl, 'GET', path, { auth });
    const elapsed = performance.now() - since;
    if (status === 401) return elapsed;
    expect(status).not.toBe(500);
    if (elapsed > 3000) return elapsed;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Revocation reaches every node: node B caches authentications for a minute, so only the
 * revocation version it polls can make it refuse a token revoked through node A or the CLI.
 */
describe.runIf(postgresAvailable)('revoking a credential on one node, with a long auth cache on the other', () => {
  const dir = tempDir();
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  let a: ServeProcess;
  let b: ServeProcess;
  let admin: string;

  const issueToken = async () => {
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
    expect(issued.code).toBe(0);
    const token: string = JSON.parse(issued.stdout).access_token;
    const listed = await call(a.baseUrl, 'GET', '/api/v2/oauth/tokens', { auth: admin });
    const id: number = listed.json.tokens.at(-1).id;
    return { token, id };
  };

  beforeAll(async () => {
    schema = await createPostgresSchema();
    const env = {
      SWITCHBOARD_DATA_DIR: dir.path,
      SWITCHBOARD_MODE: 'production',
      LOG_LEVEL: 'warn',
      SWITCHBOARD_AUTH_CACHE_MS: '60000',
      SWITCHBOARD_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    };
    [a, b] = await Promise.all([startServeProcess(schema.url, env), startServeProcess(schema.url, env)]);
    const created = await runCli(['accounts', 'create', '--subdomain', 'acme', '--json', '--database', schema.url]);
    expect(created.code).toBe(0);
    const account = JSON.parse(created.stdout);
    admin = basic(account.admin_email, account.api_token);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await schema?.drop();
    dir.remove();
  });

  it('a bearer token revoked through node A is refused by node B within a second', async () => {
    const { token, id } = await issueToken();
    const auth = `Bearer ${token}`;
    // Warm node B's cache: from here on, only the revocation check can refuse the token there.
    expect((await call(b.baseUrl, 'GET', `${configs}?filter[scope]=*`, { auth })).status).toBe(404);
    const start = performance.now();
    expect((await call(a.baseUrl, 'DELETE', `/api/v2/oauth/tokens/${id}`, { auth: admin })).status).toBe(204);
    expect(await msUntilRefused(b.baseUrl, `${configs}?filter[scope]=*`, auth, start)).toBeLessThan(1000);
  });

  it('an admin token revoked through node A is refused by node B within a second', async () => {
    // A second admin token, as an operator would add one (the API keeps an account's last).
    const store = await openStore(schema.url);
    await store.createAdminToken({
      accountId: (await store.findAccountBySubdomain('acme'))!.id,
      email: 'ops@acme.example',
      tokenHash: hashSecret('sbat_second_admin_token_for_the_test'),
      nowSeconds: 1_700_000_000,
    });
    await store.close();
    const second = basic('ops@acme.example', 'sbat_second_admin_token_for_the_test');
    const listed = await call(b.baseUrl, 'GET', '/api/switchboard/v1/admin_tokens', { auth: second });
    expect(listed.status).toBe(200);
    const id: number = listed.json.admin_tokens.find((t: { email: string }) => t.email === 'ops@acme.example').id;
    const start = performance.now();
    expect((await call(a.baseUrl, 'DELETE', `/api/switchboard/v1/admin_tokens/${id}`, { auth: admin })).status).toBe(
      204,
    );
    expect(await msUntilRefused(b.baseUrl, '/api/switchboard/v1/admin_tokens', second, start)).toBeLessThan(1000);
    // The other admin token still works on both nodes.
    expect((await call(b.baseUrl, 'GET', '/api/switchboard/v1/admin_tokens', { auth: admin })).status).toBe(200);
  });

  it('a bearer token revoked with the CLI is refused by both nodes within a second', async () => {
    const { token, id } = await issueToken();
    const auth = `Bearer ${token}`;
    for (const node of [a, b]) {
      expect((await call(node.baseUrl, 'GET', `${configs}?filter[scope]=*`, { auth })).status).toBe(404);
    }
    const revoked = await runCli([
      'tokens',
      'revoke',
      '--account',
      'acme',
      '--token-id',
      String(id),
      '--database',
      schema.url,
    ]);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked access token ${id} of acme.\n` });
    const start = performance.now();
    for (const node of [a, b]) {
      expect(await msUntilRefused(node.baseUrl, `${configs}?filter[scope]=*`, auth, start)).toBeLessThan(1000);
    }
  });
});
