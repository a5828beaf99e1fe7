import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseTooNewError } from '../../src/store/migration-files.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { scopeLike } from '../../src/store/postgres/scope-like.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import type { IntegrationKey } from '../../src/store/store.js';

const url = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const prefix = `sb_scratch_${randomBytes(4).toString('hex')}`;
const schemas: string[] = [];
const stores: PostgresStore[] = [];
const now = 1_700_000_000;

/** A fresh schema name, dropped in afterAll, and a store working in it. */
function freshStore(options: { poolSize?: number; url?: string } = {}): { store: PostgresStore; schema: string } {
  const schema = `${prefix}_${schemas.length}`;
  schemas.push(schema);
  const store = new PostgresStore(options.url ?? url, {
    schema,
    ...(options.poolSize ? { poolSize: options.poolSize } : {}),
  });
  stores.push(store);
  return { store, schema };
}

const admin = new pg.Client({ connectionString: url });
let store: PostgresStore;
const mainSchema = () => schemas[0]!;

beforeAll(async () => {
  await admin.connect();
  store = freshStore().store;
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

describe('scopeLike', () => {
  it('escapes LIKE specials and joins parts with %', () => {
    expect(scopeLike(['foo', ''])).toBe('foo%');
    expect(scopeLike(['', 'a_b', ''])).toBe('%a\\_b%');
    expect(scopeLike(['1%', '\\x'])).toBe('1\\%%\\\\x');
  });
});

describe('migrations', () => {
  it('migrates a fresh schema, then does nothing', async () => {
    expect(await store.migrate()).toEqual({ from: 0, to: 1 });
    expect(await store.migrate()).toEqual({ from: 1, to: 1 });
  });

  it('lets two nodes migrate the same fresh schema at once; exactly one migrates', async () => {
    const { store: a, schema } = freshStore();
    const b = new PostgresStore(url, { schema });
    stores.push(b);
    const reports = await Promise.all([a.migrate(), b.migrate()]);
    expect(reports.map((r) => r.from).sort()).toEqual([0, 1]);
    expect(reports.every((r) => r.to === 1)).toBe(true);
    expect(await a.isEmpty()).toBe(true);
  });

  it('refuses a database migrated by a newer version', async () => {
    const { store: s, schema } = freshStore();
    await s.migrate();
    await admin.query(`INSERT INTO "${schema}".schema_migrations VALUES (9999, '9999_future', 0)`);
    await expect(s.migrate()).rejects.toBeInstanceOf(DatabaseTooNewError);
  });
});

describe('accounts and credentials', () => {
  it('creates accounts with a chosen id, then the next id', async () => {
    expect(await store.isEmpty()).toBe(true);
    const first = await store.createAccount({
      id: 1000,
      subdomain: 'acme',
      adminEmail: 'a@acme.test',
      adminTokenHash: 'h-acme',
      now,
    });
    expect(first).toEqual({ id: 1000, subdomain: 'acme', createdAt: now });
    const second = await store.createAccount({
      subdomain: 'beta',
      adminEmail: 'b@beta.test',
      adminTokenHash: 'h-beta',
      now,
    });
    expect(second).toEqual({ id: 1001, subdomain: 'beta', createdAt: now });
    // A chosen id below the sequence does not move it back.
    const third = await store.createAccount({
      id: 5,
      subdomain: 'low',
      adminEmail: 'l@x',
      adminTokenHash: 'h-low',
      now,
    });
    expect(third).toMatchObject({ id: 5 });
    const fourth = await store.createAccount({ subdomain: 'next', adminEmail: 'n@x', adminTokenHash: 'h-next', now });
    expect(fourth).toMatchObject({ id: 1002 });
    expect(await store.isEmpty()).toBe(false);
  });

  it('answers exists for a taken id, subdomain or token, and writes nothing', async () => {
    const base = { adminEmail: 'x@x', now };
    expect(await store.createAccount({ ...base, id: 1000, subdomain: 'other', adminTokenHash: 'h-1' })).toBe('exists');
    expect(await store.createAccount({ ...base, subdomain: 'acme', adminTokenHash: 'h-2' })).toBe('exists');
    expect(await store.createAccount({ ...base, subdomain: 'gamma', adminTokenHash: 'h-acme' })).toBe('exists');
    expect(await store.findAccountBySubdomain('other')).toBeUndefined();
    expect(await store.findAccountBySubdomain('gamma')).toBeUndefined();
  });

  it('finds accounts and admins', async () => {
    expect(await store.findAccountById(1000)).toEqual({ id: 1000, subdomain: 'acme', createdAt: now });
    expect(await store.findAccountBySubdomain('beta')).toMatchObject({ id: 1001 });
    expect(await store.findAccountById(424242)).toBeUndefined();
    await store.createAdminToken({ accountId: 1000, email: 'second@acme.test', tokenHash: 'h-acme-2', now });
    expect(await store.findAdminByTokenHash('h-acme')).toEqual({
      account: { id: 1000, subdomain: 'acme', createdAt: now },
      email: 'a@acme.test',
    });
    expect(await store.findAdminByTokenHash('h-acme-2')).toMatchObject({ email: 'second@acme.test' });
    expect(await store.findAdminByTokenHash('nope')).toBeUndefined();
  });

  it('registers integrations and access tokens', async () => {
    const input = { accountId: 1000, name: 'crm', clientIdentifier: 'cid-crm', clientSecretHash: 's', now };
    const integration = await store.createIntegration(input);
    expect(integration).toEqual({
      id: expect.any(Number),
      accountId: 1000,
      name: 'crm',
      clientIdentifier: 'cid-crm',
      clientSecretHash: 's',
      createdAt: now,
    });
    expect(await store.createIntegration({ ...input, clientIdentifier: 'cid-other' })).toBe('exists');
    expect(await store.createIntegration({ ...input, name: 'other' })).toBe('exists');
    expect(await store.findIntegration(1000, 'crm')).toEqual(integration);
    expect(await store.findIntegration(1001, 'crm')).toBeUndefined();
    expect(await store.findIntegrationByClientIdentifier('cid-crm')).toEqual(integration);
    expect(await store.findIntegrationByClientIdentifier('nope')).toBeUndefined();

    await store.createAccessToken({ tokenHash: 't1', accountId: 1000, integration: 'crm', now });
    expect(await store.findAccessToken('t1')).toEqual({ accountId: 1000, integration: 'crm', createdAt: now });
    expect(await store.findAccessToken('t2')).toBeUndefined();
  });

  it('lets statement errors other than connection failures through unchanged', async () => {
    const error = await store
      .createAccessToken({ tokenHash: 't9', accountId: 1000, integration: 'unknown', now })
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    expect((error as { code?: string }).code).toBe('23503');
  });
});

describe('configs', () => {
  const key: IntegrationKey = { accountId: 1000, integration: 'crm' };
  const ids: Record<string, number> = {};
  const scopes = ['foo', 'foo:1', 'foobar', 'FOO', 'a_b', 'axb', 'x%y', 'xzy', 'b\\c', 'bxc'];

  it('creates configs, and answers exists for a taken scope', async () => {
    for (const scope of scopes) {
      const created = await store.createConfig(key, { scope, configJson: `{"s":${JSON.stringify(scope)}}`, now });
      if (created === 'exists') throw new Error(`unexpected exists for ${scope}`);
      expect(created).toMatchObject({ ...key, scope, version: 1, createdAt: now, updatedAt: now });
      expect(typeof created.id).toBe('number');
      ids[scope] = created.id;
    }
    expect(await store.createConfig(key, { scope: 'foo', configJson: '{}', now })).toBe('exists');
    // The same scope under another integration is another config.
    expect(
      await store.createConfig({ accountId: 1000, integration: 'other' }, { scope: 'foo', configJson: '{}', now }),
    ).not.toBe('exists');
  });

  it('gets a config exactly as stored', async () => {
    expect(await store.getConfig(key, 'foo')).toEqual({
      id: ids.foo,
      ...key,
      scope: 'foo',
      configJson: '{"s":"foo"}',
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    expect(await store.getConfig(key, 'Foo')).toBeUndefined();
  });

  const list = async (pattern: string[], afterId = 0, limit = 100) =>
    (await store.listConfigs(key, { pattern, afterId, limit })).map((c) => c.scope);

  it('lists by exact scope, prefix and infix, with literal % _ and \\', async () => {
    expect(await list(['foo'])).toEqual(['foo']);
    expect(await list(['x%y'])).toEqual(['x%y']);
    expect(await list(['foo', ''])).toEqual(['foo', 'foo:1', 'foobar']);
    expect(await list(['', 'a_b', ''])).toEqual(['a_b']);
    expect(await list(['', '%', ''])).toEqual(['x%y']);
    expect(await list(['b\\', ''])).toEqual(['b\\c']);
    expect(await list(['f', 'o', '1'])).toEqual(['foo:1']);
    expect(await list(['nothing', ''])).toEqual([]);
    expect(await list(['', ''])).toEqual(scopes);
    // PostgreSQL text cannot hold U+0000; such a pattern matches nothing instead of failing.
    expect(await list(['a\u0000b'])).toEqual([]);
    expect(await list(['', '\u0000'])).toEqual([]);
    expect(await store.getConfig(key, 'a\u0000')).toBeUndefined();
    expect(await store.deleteConfig(key, 'a\u0000')).toEqual({ kind: 'not_found' });
  });

  it('pages by ascending id after a cursor', async () => {
    const first = await store.listConfigs(key, { pattern: ['', ''], afterId: 0, limit: 3 });
    expect(first.map((c) => c.scope)).toEqual(scopes.slice(0, 3));
    expect(await list(['', ''], first.at(-1)!.id, 3)).toEqual(scopes.slice(3, 6));
    expect(await list(['foo', ''], ids.foo!, 1)).toEqual(['foo:1']);
  });

  it('updates with apply, bumping version and updatedAt', async () => {
    const outcome = await store.updateConfig(key, 'foo', {
      apply: (json) => JSON.stringify({ ...JSON.parse(json), n: 1 }),
      precondition: (current) => current.version === 1,
      now: now + 10,
    });
    expect(outcome).toEqual({
      kind: 'ok',
      config: {
        id: ids.foo,
        ...key,
        scope: 'foo',
        configJson: '{"s":"foo","n":1}',
        version: 2,
        createdAt: now,
        updatedAt: now + 10,
      },
    });
  });

  it('refuses an update on a failed precondition or a missing config', async () => {
    const apply = () => '{"never":true}';
    expect(await store.updateConfig(key, 'foo', { apply, precondition: (c) => c.version === 1, now })).toEqual({
      kind: 'precondition_failed',
    });
    expect(await store.updateConfig(key, 'missing', { apply, now })).toEqual({ kind: 'not_found' });
    expect((await store.getConfig(key, 'foo'))?.version).toBe(2);
  });

  it('rethrows the very error apply throws, and writes nothing', async () => {
    const refusal = Object.assign(new Error('refused'), { code: 'ECONNRESET' });
    await expect(
      store.updateConfig(key, 'foo', {
        apply: () => {
          throw refusal;
        },
        now,
      }),
    ).rejects.toBe(refusal);
    expect(await store.getConfig(key, 'foo')).toMatchObject({ version: 2, configJson: '{"s":"foo","n":1}' });
  });

  it('deletes, checking the precondition', async () => {
    expect(await store.deleteConfig(key, 'axb', () => false)).toEqual({ kind: 'precondition_failed' });
    expect(await store.deleteConfig(key, 'axb', (c) => c.version === 1)).toEqual({ kind: 'ok', config: undefined });
    expect(await store.getConfig(key, 'axb')).toBeUndefined();
    expect(await store.deleteConfig(key, 'axb')).toEqual({ kind: 'not_found' });
  });

  it('never reuses a deleted config id', async () => {
    const again = await store.createConfig(key, { scope: 'axb', configJson: '{}', now });
    expect(again).not.toBe('exists');
    expect((again as { id: number }).id).toBeGreaterThan(Math.max(...Object.values(ids)));
  });

  it('loses no key when 50 updates from two nodes race on one config', async () => {
    // A second node on the same schema, with its own pool.
    const other = new PostgresStore(url, { schema: mainSchema(), poolSize: 5 });
    stores.push(other);
    await store.createConfig(key, { scope: 'race', configJson: '{}', now });
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? store : other).updateConfig(key, 'race', {
          apply: (json) => JSON.stringify({ ...JSON.parse(json), [`k${i}`]: i }),
          now,
        }),
      ),
    );
    expect(outcomes.every((o) => o.kind === 'ok')).toBe(true);
    const config = await store.getConfig(key, 'race');
    expect(Object.keys(JSON.parse(config!.configJson))).toHaveLength(50);
    expect(config!.version).toBe(51);
  });
});

describe('connection failures', () => {
  it('reports an unreachable database as StoreUnavailableError', async () => {
    const down = new PostgresStore('postgres://postgres@127.0.0.1:1/test');
    stores.push(down);
    await expect(down.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(down.migrate()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('survives an idle connection being killed, and maps a killed write to StoreUnavailableError', async () => {
    const appName = `${prefix}_kill`;
    const schema = mainSchema();
    const victim = new PostgresStore(`${url}?application_name=${appName}`, { schema, poolSize: 1 });
    stores.push(victim);
    const kill = () =>
      admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName]);
    const key: IntegrationKey = { accountId: 1000, integration: 'crm' };

    await victim.ping();
    await kill();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await victim.ping(); // the pool dropped the dead connection and opened another

    // Hold the row lock elsewhere so the victim's write waits inside its transaction, then kill it.
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT * FROM "${schema}".configs WHERE scope = 'foo' FOR UPDATE`);
      const write = victim.updateConfig(key, 'foo', { apply: () => '{"lost":true}', now });
      const settled = write.catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await kill();
      expect(await settled).toBeInstanceOf(StoreUnavailableError);
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }
    expect((await victim.getConfig(key, 'foo'))?.configJson).toBe('{"s":"foo","n":1}');
  });
});
