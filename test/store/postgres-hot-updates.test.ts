import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { openStore } from '../../src/store/open-store.js';
import { createPostgresSchema, postgresAvailable } from '../helpers/stores.js';

/**
 * Migration 0011: the hot tables' storage settings (fillfactor, per-table autovacuum) are
 * applied, and a config update is HOT (no index covers a column every write changes).
 */
describe.runIf(postgresAvailable)('PostgreSQL hot updates', () => {
  let schema: Awaited<ReturnType<typeof createPostgresSchema>>;
  let store: Store;
  let client: pg.Client;

  beforeAll(async () => {
    schema = await createPostgresSchema();
    store = await openStore(schema.url);
    await store.migrate();
    client = new pg.Client({ connectionString: schema.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await store?.close();
    await schema?.drop();
  });

  const reloptions = async (table: string) => {
    const { rows } = await client.query<{ reloptions: string[] | null }>(
      `SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2`,
      [schema.schema, table],
    );
    return Object.fromEntries((rows[0]?.reloptions ?? []).map((option) => option.split('=')));
  };

  it('gives configs and instances room for HOT updates and autovacuum settings for small hot tables', async () => {
    expect(await reloptions('configs')).toMatchObject({
      fillfactor: '75',
      autovacuum_vacuum_scale_factor: '0.02',
      autovacuum_vacuum_threshold: '200',
      autovacuum_analyze_scale_factor: '0.05',
      autovacuum_vacuum_cost_delay: '0',
    });
    expect(await reloptions('instances')).toMatchObject({ fillfactor: '80', autovacuum_vacuum_scale_factor: '0.02' });
    expect(await reloptions('config_revision_counters')).toMatchObject({
      fillfactor: '50',
      autovacuum_vacuum_scale_factor: '0',
      autovacuum_vacuum_threshold: '1000',
    });
    expect(await reloptions('config_revisions')).toMatchObject({ autovacuum_vacuum_insert_scale_factor: '0.05' });
  });

  it('indexes no configs column that every write changes', async () => {
    const { rows } = await client.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'configs'`,
      [schema.schema],
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const { indexdef } of rows) expect(indexdef).not.toMatch(/\b(config|version|updated_at)\b(?!s)/);
  });

  it("updates a config and its account's revision counter in place: every PATCH is a HOT update", async () => {
    await store.createAccount({ id: 1, subdomain: 'acme', adminEmail: 'a@x', adminTokenHash: 'h', nowSeconds: 1 });
    await store.createIntegration({
      accountId: 1,
      name: 'crm',
      clientIdentifier: 'cid',
      clientSecretHash: 'sh',
      nowSeconds: 1,
    });
    const key = { accountId: 1, integration: 'crm' };
    const actor = { type: 'cli' as const, id: 'test' };
    for (const scope of ['a', 'b', 'c']) {
      await store.createConfig(key, { scope, configJson: '{}', nowSeconds: 1, actor });
    }
    const counts = async (table = 'configs') => {
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ upd: string; hot: string }>(
        `SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables
         WHERE schemaname = $1 AND relname = $2`,
        [schema.schema, table],
      );
      return { updates: Number(rows[0]!.upd), hot: Number(rows[0]!.hot) };
    };
    const before = await counts();
    const writes = 60;
    for (let n = 0; n < writes; n++) {
      const outcome = await store.updateConfig(key, ['a', 'b', 'c'][n % 3]!, {
        edit: { kind: 'replace', configJson: JSON.stringify({ n, padding: 'x'.repeat(200) }) },
        nowSeconds: 2 + n,
        operation: 'merge',
        actor,
      });
      expect(outcome.kind).toBe('ok');
    }
    // Each backend reports its counts within a second or so of its transactions.
    let after = await counts();
    for (let wait = 0; after.updates - before.updates < writes && wait < 100; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await counts();
    }
    expect(after.updates - before.updates).toBe(writes);
    expect(after.hot - before.hot).toBe(writes);
    // The revision counter row is bumped by every write, creates included: all HOT too.
    const counter = await counts('config_revision_counters');
    expect(counter.updates).toBeGreaterThanOrEqual(writes);
    expect(counter.hot).toBe(counter.updates);
  });
});
