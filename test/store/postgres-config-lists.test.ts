import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configPagesByPrefixSql, PostgresConfigLists } from '../../src/store/postgres/postgres-config-lists.js';
import { prefixRange } from '../../src/store/postgres/scope-like.js';
import type { ConfigRow } from '../../src/store/rows.js';
import type { Store } from '../../src/store/store.js';
import { postgresAvailable } from '../helpers/stores.js';
import { twoPostgresTenants, type TwoTenants } from '../helpers/two-tenants.js';

describe('prefixRange: the scopes that begin with a prefix, in byte order', () => {
  it('ends just past the prefix, at its last code point made the next one', () => {
    expect(prefixRange('tenant-1.')).toEqual(['tenant-1.', 'tenant-1/']);
    expect(prefixRange('é')).toEqual(['é', 'ê']);
    // Past the surrogates, which no string PostgreSQL takes may hold.
    expect(prefixRange('a\ud7ff')).toEqual(['a\ud7ff', 'a\ue000']);
    // The last code point there is cannot grow: the one before it does.
    expect(prefixRange('ab\u{10ffff}')).toEqual(['ab\u{10ffff}', 'ac']);
    expect(prefixRange('')).toBeUndefined();
    expect(prefixRange('\u{10ffff}')).toBeUndefined();
  });
});

/**
 * Issue 23, goal 4: PostgreSQL prefix-wildcard lists that arrive together share one
 * statement, each still answered with its own page; the prefix's range is given as bounds,
 * and it holds exactly the scopes the pattern's prefix begins (byte order, multibyte too).
 */
describe.runIf(postgresAvailable)('PostgreSQL prefix lists arriving together', () => {
  let store: Store;
  let accounts: number[];
  let client: pg.Client;
  const scopes = ['t1.a', 't1.b', 't1.c', 't1/x', 't1', 't10.a', 'té.a', 'tê.a', 'u.a', 'p_x.a', 'pax.a', 'p%.a'];

  let tenants: TwoTenants | undefined;

  beforeAll(async () => {
    tenants = await twoPostgresTenants(scopes);
    ({ store, accounts, client } = tenants);
  });
  afterAll(async () => {
    await tenants?.close();
  });

  const list = (accountId: number, pattern: string[], afterId = 0, limit = 100) =>
    store.listConfigs({ accountId, integration: 'app' }, { pattern, afterId, limit });

  it('answers each of many concurrent lists with its own page', async () => {
    const asked = [
      { n: 0, pattern: ['t1.', ''], want: ['t1.a', 't1.b', 't1.c'] },
      { n: 1, pattern: ['t1.', ''], want: ['t1.a', 't1.b', 't1.c'] },
      { n: 0, pattern: ['t', '.a'], want: ['t1.a', 't10.a', 'té.a', 'tê.a'] },
      { n: 1, pattern: ['té', ''], want: ['té.a'] },
      { n: 0, pattern: ['t1', ''], want: ['t1.a', 't1.b', 't1.c', 't1/x', 't1', 't10.a'] },
      { n: 1, pattern: ['v', ''], want: [] },
      // LIKE's specials in a prefix are literal.
      { n: 0, pattern: ['p_x.', ''], want: ['p_x.a'] },
      { n: 1, pattern: ['p%', ''], want: ['p%.a'] },
    ];
    const pages = await Promise.all(asked.map(({ n, pattern }) => list(accounts[n]!, pattern)));
    for (const [k, { n, want }] of asked.entries()) {
      expect(pages[k]!.map((config) => config.scope)).toEqual(want);
      for (const config of pages[k]!) expect(JSON.parse(config.configJson).account).toBe(n);
    }
  });

  it('pages each list by its own cursor and limit', async () => {
    const [first] = await list(accounts[0]!, ['t1.', ''], 0, 1);
    const [second, third] = await Promise.all([
      list(accounts[0]!, ['t1.', ''], first!.id, 1),
      list(accounts[0]!, ['t1.', ''], first!.id, 5),
    ]);
    expect(second!.map((config) => config.scope)).toEqual(['t1.b']);
    expect(third!.map((config) => config.scope)).toEqual(['t1.b', 't1.c']);
  });

  it('sends lists asked in one turn as one statement, a lone list as the plain one', async () => {
    const calls = { one: 0, many: 0 };
    const lists = new PostgresConfigLists(async <R extends ConfigRow>(text: string, values: unknown[]) => {
      if (text === configPagesByPrefixSql) calls.many++;
      else calls.one++;
      return (await client.query<R>(text, values)).rows;
    });
    const ask = (accountId: number, pattern: string, prefix: string) => {
      const [low, high] = prefixRange(prefix)!;
      return lists.list({ accountId, integration: 'app', pattern, afterId: 0, limit: 10, low, high });
    };
    const together = await Promise.all([ask(accounts[0]!, 't1.%', 't1.'), ask(accounts[1]!, 'u.%', 'u.')]);
    expect(together.map((page) => page.map((row) => row.scope))).toEqual([['t1.a', 't1.b', 't1.c'], ['u.a']]);
    expect(calls).toEqual({ one: 0, many: 1 });
    expect((await ask(accounts[0]!, 'u.%', 'u.')).map((row) => row.scope)).toEqual(['u.a']);
    expect(calls).toEqual({ one: 1, many: 1 });
  });

  it('fails every list of a statement that fails, and the next ones go ahead', async () => {
    let fail = true;
    const lists = new PostgresConfigLists(async <R extends ConfigRow>(text: string) => {
      if (fail && text === configPagesByPrefixSql) throw new Error('the database went away');
      return [] as R[];
    });
    const ask = () =>
      lists.list({ accountId: 1, integration: 'app', pattern: 'a%', afterId: 0, limit: 10, low: 'a', high: 'b' });
    const failed = await Promise.allSettled([ask(), ask()]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await Promise.all([ask(), ask()])).toEqual([[], []]);
  });
});
