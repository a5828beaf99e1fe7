import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupRecord } from '../../src/store/backup-records.js';
import { execSql } from '../helpers/raw-sql.js';
import { createTenant } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';
import { createChannelIntegration, createInstance, recordsOf } from './backup-fixture.js';
import { testActor } from '../helpers/actors.js';

// The Store contract's two backup methods, in-process.
describe.each(storeKinds)('exportRecords and importRecords on $name', (kind) => {
  let source: OpenedStore;
  let target: OpenedStore;
  let key: { accountId: number; integration: string };
  beforeEach(async () => {
    source = await kind.open();
    target = await kind.open();
    const tenant = await createTenant(source.store, 'acme', ['sync']);
    key = { accountId: tenant.accountId, integration: 'sync' };
    for (const scope of ['a', 'b', 'c']) {
      await source.store.createConfig(key, { scope, configJson: '{}', nowSeconds: 1_700_000_000, actor: testActor });
    }
  });
  afterEach(async () => {
    await source.cleanup();
    await target.cleanup();
  });

  it('exports one snapshot: a write made during the export is not in it, and is not lost', async () => {
    const iterator = source.store.exportRecords()[Symbol.asyncIterator]();
    const records: BackupRecord[] = [(await iterator.next()).value];
    const write = source.store.createConfig(key, {
      scope: 'during',
      configJson: '{}',
      nowSeconds: 1_700_000_001,
      actor: testActor,
    });
    // PostgreSQL commits it now, beside the export; SQLite queues it until the export ends.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) records.push(next.value);
    expect(records.filter((record) => record.type === 'config')).toHaveLength(3);
    expect(await write).toMatchObject({ scope: 'during', id: 4 });
    expect(await source.store.getConfig(key, 'during')).toBeDefined();
  });

  it('imports all or nothing: a source that throws part way leaves the target empty', async () => {
    const records = await recordsOf(source.store);
    async function* failing() {
      yield* records.slice(0, -2);
      // Even an error that looks like a dropped connection is the source's, passed on as it is.
      throw Object.assign(new Error('input reset'), { code: 'ECONNRESET' });
    }
    await expect(target.store.importRecords(failing())).rejects.toThrow('input reset');
    expect(await target.store.isEmpty()).toBe(true);
    expect((await recordsOf(target.store)).filter((record) => record.type !== 'sequence')).toEqual([]);

    expect(await target.store.importRecords(toAsync(records))).toEqual({
      account: 1,
      admin_token: 1,
      integration: 1,
      access_token: 1,
      config: 3,
      channel_integration: 0,
      instance: 0,
      pull: 0,
      thread: 0,
      resource: 0,
      config_revision: 3,
      revision_counter: 1,
      revision_watermark: 0,
      reply: 0,
      event: 0,
      push_request: 0,
      zis_bundle: 0,
      zis_job_spec_install: 0,
      zis_connection: 0,
      zis_oauth_client: 0,
      sequence: 17,
    });
    expect(await recordsOf(target.store)).toEqual(records);
  });

  it('refuses to export when a table it does not cover has rows, rather than leave them out', async () => {
    await execSql(source.url, 'CREATE TABLE future_feature (id integer PRIMARY KEY)');
    expect((await recordsOf(source.store)).length).toBeGreaterThan(0);
    await execSql(source.url, 'INSERT INTO future_feature (id) VALUES (1)');
    await expect(recordsOf(source.store)).rejects.toThrow(
      'The database has rows in future_feature, which backups do not cover yet; refusing to write an incomplete backup',
    );
    // The store is still usable: the export let go of it.
    expect(
      await source.store.createConfig(key, { scope: 'after', configJson: '{}', nowSeconds: 1, actor: testActor }),
    ).toMatchObject({
      id: 4,
    });
  });

  it('leaves out admin-UI hand-offs, on purpose: they are single-use links that expire within minutes', async () => {
    const now = Date.now();
    const integration = await createChannelIntegration(source.store.channels, key.accountId, now);
    const instance = await createInstance(source.store.channels, integration, { name: 'i', now });
    for (const instanceId of [null, instance.id]) {
      await source.store.channels.createHandoff({
        tokenHash: (instanceId === null ? 'a' : 'b').repeat(64),
        accountId: key.accountId,
        integrationId: integration.id,
        instanceId,
        instancePushId: instance.instancePushId,
        pushTokenHash: 'c'.repeat(64),
        expiresAt: now + 600_000,
        nowMs: now,
      });
    }
    const records = await recordsOf(source.store);
    expect(records.filter((record) => record.type === 'instance')).toEqual([{ type: 'instance', ...instance }]);
    expect(JSON.stringify(records)).not.toContain('a'.repeat(64));

    // The import takes it whole, and the target has no hand-off: the token finds nothing.
    expect(await target.store.importRecords(toAsync(records))).toMatchObject({ channel_integration: 1, instance: 1 });
    expect(await target.store.channels.consumeHandoff('b'.repeat(64), now)).toBeUndefined();
    expect(await source.store.channels.consumeHandoff('b'.repeat(64), now)).toMatchObject({ instanceId: instance.id });

    // Any other table with rows still stops the export, beside channel data and hand-offs.
    await execSql(source.url, 'CREATE TABLE instance_notes (id integer PRIMARY KEY, note text)');
    await execSql(source.url, "INSERT INTO instance_notes (id, note) VALUES (1, 'x')");
    await expect(recordsOf(source.store)).rejects.toThrow(
      'The database has rows in instance_notes, which backups do not cover yet; refusing to write an incomplete backup',
    );
  });

  it("leaves out the inspector's exchanges, on purpose: a diagnostic trail whose bodies hold metadata", async () => {
    const now = Date.now();
    const integration = await createChannelIntegration(source.store.channels, key.accountId, now);
    const instance = await createInstance(source.store.channels, integration, { name: 'i', now });
    await source.store.exchanges.recordExchange(
      {
        accountId: key.accountId,
        integrationId: integration.id,
        instanceId: instance.id,
        kind: 'pull',
        method: 'POST',
        url: 'https://chat.example/pull',
        startedAt: now,
        durationMs: 3,
        httpStatus: 200,
        outcome: 'ok',
        error: null,
        findingsJson: '[]',
        requestBody: 'metadata=exchange-body-secret',
        requestBytes: 29,
        responseBody: '{"external_resources":[]}',
        responseBytes: 26,
      },
      200,
    );
    // The export does not refuse for the table's rows, and carries nothing of them.
    const records = await recordsOf(source.store);
    expect(JSON.stringify(records)).not.toContain('exchange-body-secret');
    expect(await target.store.importRecords(toAsync(records))).toMatchObject({ channel_integration: 1, instance: 1 });
    const scope = { accountId: key.accountId, integrationId: integration.id, instanceId: instance.id };
    expect(await target.store.exchanges.listExchanges(scope, { limit: 10 })).toEqual([]);
    expect(await source.store.exchanges.listExchanges(scope, { limit: 10 })).toHaveLength(1);
  });

  it('answers not_empty, reading nothing, when the target has an account', async () => {
    let read = false;
    async function* records() {
      read = true;
      yield* [] as BackupRecord[];
    }
    expect(await source.store.importRecords(records())).toBe('not_empty');
    expect(read).toBe(false);
  });
});

async function* toAsync<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}
