import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/processes.js';
import { tempDir } from '../helpers/server.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

describe('switchboard tokens revoke', () => {
  const dir = tempDir();
  const path = join(dir.path, 'cli.db');
  const database = `sqlite:${path}`;
  const revoke = (...flags: string[]) =>
    runCli(['tokens', 'revoke', '--account', 'acme', ...flags, '--database', database]);
  afterAll(() => dir.remove());

  beforeAll(async () => {
    expect((await runCli(['accounts', 'create', '--subdomain', 'acme', '--database', database])).code).toBe(0);
    const issued = await runCli([
      'tokens',
      'create',
      '--account',
      'acme',
      '--integration',
      'sync',
      '--database',
      database,
    ]);
    expect(issued.code).toBe(0);
  });

  const tokensOf = async () => {
    const store = new SqliteStore(path);
    await store.migrate();
    try {
      const account = (await store.findAccountBySubdomain('acme'))!;
      return {
        access: await store.listAccessTokens(account.id, { afterId: 0, limit: 10 }),
        admin: await store.listAdminTokens(account.id),
      };
    } finally {
      await store.close();
    }
  };

  it.each([
    [[], /exactly one of --token-id N .* or --admin-token-id N/],
    [['--token-id', '1', '--admin-token-id', '1'], /exactly one of/],
    [['--token-id', 'abc'], /--token-id takes a token id, a positive integer; got "abc"/],
    [['--token-id', '999'], /No access token with id 999 on account "acme"/],
    [['--admin-token-id', '999'], /No admin token with id 999 on account "acme"/],
  ])('refuses %j with a line that says what to fix, revoking nothing', async (flags, message) => {
    const result = await revoke(...flags);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    const { access, admin } = await tokensOf();
    expect([access.length, admin.length]).toEqual([1, 1]);
  });

  it('refuses an unknown account', async () => {
    const result = await runCli(['tokens', 'revoke', '--account', 'nope', '--token-id', '1', '--database', database]);
    expect(result).toMatchObject({ code: 1, stderr: expect.stringMatching(/No account with subdomain "nope"/) });
  });

  it("revokes an access token, then the account's last admin token (the operator's way out)", async () => {
    const { access, admin } = await tokensOf();
    expect(await revoke('--token-id', String(access[0]!.id))).toMatchObject({
      code: 0,
      stdout: `Revoked access token ${access[0]!.id} of acme.\n`,
    });
    expect(await revoke('--admin-token-id', String(admin[0]!.id))).toMatchObject({
      code: 0,
      stdout: `Revoked admin token ${admin[0]!.id} of acme.\n`,
    });
    expect(await tokensOf()).toEqual({ access: [], admin: [] });
  });
});
