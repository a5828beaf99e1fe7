import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configsByScopesSql, PostgresConfigReads } from '../../src/store/postgres/postgres-config-reads.js';
import type { ConfigRow } from '../../src/store/rows.js';
import type { Store } from '../../src/store/store.js';
import { postgresAvailable } from '../helpers/stores.js';
import { twoPostgresTenants, type TwoTenants } from '../helpers/two-tenants.js';

/**
 * Issue 23, 1(a): PostgreSQL config reads that arrive together share one statement. Each
 * still gets its own answer (a missing config, another account's same scope), and the
 * statement is sent after every read in it was asked.
 */
describe.runIf(postgresAvailable)('PostgreSQL config reads arriving together', () => {
  let store: Store;
  let accounts: number[];
  let client: pg.Client;
  let tenants: TwoTenants | undefined;

  beforeAll(async () => {
    tenants = await twoPostgresTenants(['a', 'b', 'c']);
    ({ store, accounts, client } = tenants);
  });
  afterAll(async () => {
    await tenants?.close();
  });

  it('answers each of many concurrent reads with its own config, or none', async () => {
    const asked = Array.from({ length: 60 }, (_, n) => ({
      accountId: accounts[n % 2]!,
      scope: ['a', 'b', 'c', 'missing'][n % 4]!,
    }));
    const answers = await Promise.all(
      asked.map(({ accountId, scope }) => store.getConfig({ accountId, integration: 'app' }, scope)),
    );
    for (const [n, { accountId, scope }] of asked.entries()) {
      const answer = answers[n];
      if (scope === 'missing') expect(answer).toBeUndefined();
      else expect(JSON.parse(answer!.configJson)).toEqual({ account: accounts.indexOf(accountId), scope });
    }
  });

  it('sends reads asked in one turn as one statement, a lone read as the plain one', async () => {
    const calls = { one: 0, many: 0 };
    // The plain statement for a lone read, the batched one for reads asked together.
    const reads = new PostgresConfigReads(async <R extends ConfigRow>(text: string, values: unknown[]) => {
      if (text === configsByScopesSql) calls.many++;
      else calls.one++;
      return (await client.query<R>(text, values)).rows;
    });
    const together = await Promise.all(
      ['a', 'missing', 'c', 'b'].map((scope) => reads.read(accounts[1]!, 'app', scope)),
    );
    expect(together.map((row) => row?.scope)).toEqual(['a', undefined, 'c', 'b']);
    expect(calls).toEqual({ one: 0, many: 1 });
    expect((await reads.read(accounts[0]!, 'app', 'b'))?.scope).toBe('b');
    expect(calls).toEqual({ one: 1, many: 1 });
  });

  it('fails every read of a statement that fails, and the next ones go ahead', async () => {
    let fail = true;
    const reads = new PostgresConfigReads(async <R extends ConfigRow>(text: string) => {
      if (fail && text === configsByScopesSql) throw new Error('the database went away');
      return [] as R[];
    });
    const failed = await Promise.allSettled([reads.read(1, 'app', 'a'), reads.read(1, 'app', 'b')]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await Promise.all([reads.read(1, 'app', 'a'), reads.read(1, 'app', 'b')])).toEqual([undefined, undefined]);
  });
});
