import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { DatabaseTooNewError, readMigrations } from '../../src/store/migration-files.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { scopeLike } from '../../src/store/postgres/scope-like.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import type { IntegrationKey } from '../../src/store/store.js';

import { postgresAvailable, postgresTestUrl as url } from '../helpers/stores.js';
import { testActor } from '../helpers/actors.js';

const prefix = `sb_scratch_${randomBytes(4).toString('hex')}`;
const schemas: string[] = [];
const stores: PostgresStore[] = [];
const now = 1_700_000_000;
/** The newest migration: every branch that adds one moves it. */
const latest = readMigrations(fileURLToPath(new URL('../../src/store/postgres/migrations', import.meta.url))).at(
  -1,
)!.version;

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

/** What only the PostgreSQL store does: connection handling, LIKE escaping, schemas. */
describe.runIf(postgresAvailable)('PostgreSQL store specifics', () => {
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
    it('migrates a fresh schema, creating it, then does nothing', async () => {
      expect(await store.migrate()).toEqual({ from: 0, to: latest });
      expect(await store.migrate()).toEqual({ from: latest, to: latest });
    });

    it('lets two nodes migrate the same fresh schema at once; exactly one migrates', async () => {
      const { store: a, schema } = freshStore();
      const b = new PostgresStore(url, { schema });
      stores.push(b);
      const reports = await Promise.all([a.migrate(), b.migrate()]);
      expect(reports.map((r) => r.from).sort((x, y) => x - y)).toEqual([0, latest]);
      expect(reports.every((r) => r.to === latest)).toBe(true);
      expect(await a.isEmpty()).toBe(true);
    });

    it('refuses a database migrated by a newer version', async () => {
      const { store: s, schema } = freshStore();
      await s.migrate();
      await admin.query(`INSERT INTO "${schema}".schema_migrations VALUES (9999, '9999_future', 0)`);
      await expect(s.migrate()).rejects.toBeInstanceOf(DatabaseTooNewError);
    });
  });

  describe('prepared statements', () => {
    it('prepares each parameterised statement once per connection', async () => {
      const { store: one } = freshStore({ poolSize: 1 });
      await one.migrate();
      for (let i = 0; i < 3; i++) await one.findAccountBySubdomain(`nobody${i}`);
      const pool = (one as unknown as { pool: pg.Pool }).pool;
      const { rows } = await pool.query<{ name: string; statement: string }>(
        'SELECT name, statement FROM pg_prepared_statements',
      );
      const lookups = rows.filter((row) => row.statement.includes('FROM accounts WHERE subdomain'));
      expect(lookups).toHaveLength(1);
      expect(lookups[0]!.name).toMatch(/^sb_[0-9a-f]{20}$/);
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

      await store.createAccount({
        id: 1000,
        subdomain: 'acme',
        adminEmail: 'a@x',
        adminTokenHash: 'h',
        nowSeconds: now,
      });
      await store.createIntegration({
        accountId: 1000,
        name: 'crm',
        clientIdentifier: 'c',
        clientSecretHash: 's',
        nowSeconds: now,
      });
      await store.createConfig(key, {
        scope: 'foo',
        configJson: '{"s":"foo","n":1}',
        nowSeconds: now,
        actor: testActor,
      });
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
        const write = victim.updateConfig(key, 'foo', {
          edit: { kind: 'replace', configJson: '{"lost":true}' },
          nowSeconds: now,
          operation: 'merge',
          actor: testActor,
        });
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
});
