import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/accounts/provision.js';
import type { BackupRecord } from '../../src/store/backup-records.js';
import { systemClock } from '../../src/clock.js';
import { call, createTenant, openTempSqlite, startServer, tempDir } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';
import {
  createChannelIntegration,
  createInstance,
  exportWithCli,
  importWithCli,
  pullInto,
  recordsOf,
} from './backup-fixture.js';
import { testActor, deletion } from '../helpers/actors.js';

const dir = tempDir();
const file = join(dir.path, 'backup.jsonl');
let exported: BackupRecord[];
const lastIdOf = (type: string) =>
  exported.find(
    (record): record is Extract<BackupRecord, { type: 'sequence' }> =>
      record.type === 'sequence' && record.recordType === type,
  )!.lastId;

const now = Date.UTC(2024, 0, 1);
let tenantAccountId: number;

// 2,500 configs: several export batches and insert batches. The highest account id was
// chosen (700), and the highest config id was deleted: the target must hand out neither.
// Channel rows likewise: 1,100 threads and resources from one pull (more than a batch), and
// the highest channel integration, instance, pull, thread and resource ids deleted.
beforeAll(async () => {
  const source = await openTempSqlite();
  try {
    const tenant = await createTenant(source.store, 'acme', ['sync']);
    const chosen = await createAccount(source.store, systemClock, { subdomain: 'chosen', id: 700 });
    expect(chosen).not.toBe('exists');
    const key = { accountId: tenant.accountId, integration: 'sync' };
    await Promise.all(
      Array.from({ length: 2500 }, (_, i) =>
        source.store.createConfig(key, {
          scope: `s${i}`,
          configJson: `{"i":${i}}`,
          nowSeconds: 1_700_000_000 + i,
          actor: testActor,
        }),
      ),
    );
    await source.store.deleteConfig(key, 's1000', undefined, deletion);
    await source.store.deleteConfig(key, 's2499', undefined, deletion);

    tenantAccountId = tenant.accountId;
    const channels = source.store.channels;
    const integration = await createChannelIntegration(channels, tenant.accountId, now);
    const busy = await createInstance(channels, integration, { name: 'Busy', metadata: 'm', state: 's', now });
    const many = Array.from({ length: 1100 }, (_, i) => `r${i}`);
    expect(await pullInto(channels, busy, many, { now, state: 'after' })).toMatchObject({ resourcesStored: 1100 });
    await pullInto(channels, (await channels.getInstance(tenant.accountId, busy.id))!, ['r0', 'x1', 'x2'], {
      now: now + 1000,
      thread: 'shared',
    });
    const doomedIntegration = await createChannelIntegration(channels, tenant.accountId, now);
    const doomed = await createInstance(channels, doomedIntegration, { name: 'Doomed', now });
    await pullInto(channels, doomed, ['d1', 'd2'], { now });
    expect(await channels.deleteIntegration(tenant.accountId, doomedIntegration.id)).toBe(true);

    exported = await recordsOf(source.store);
    await exportWithCli(source.url, file);
  } finally {
    await source.cleanup();
  }
});
afterAll(() => dir.remove());

describe.each(storeKinds)('after an import into $name', (kind) => {
  let target: OpenedStore;
  beforeAll(async () => {
    target = await kind.open();
    await importWithCli(target.url, file);
  });
  afterAll(async () => {
    await target.cleanup();
  });

  it('holds exactly what was exported, in batches and all', async () => {
    const count = (type: string) => exported.filter((record) => record.type === type).length;
    expect(count('config')).toBe(2498);
    expect(lastIdOf('config')).toBe(2500);
    expect([
      count('channel_integration'),
      count('instance'),
      count('pull'),
      count('thread'),
      count('resource'),
    ]).toEqual([1, 1, 2, 1101, 1102]);
    for (const [type, lastId] of [
      ['channel_integration', 2],
      ['instance', 2],
      ['pull', 3],
      ['thread', 1103],
      ['resource', 1104],
    ] as const) {
      expect(lastIdOf(type), type).toBe(lastId);
    }
    expect(await recordsOf(target.store)).toEqual(exported);
  });

  it('hands out new ids past every imported id, deleted ones included', async () => {
    const account = await createAccount(target.store, systemClock, { subdomain: 'newco' });
    expect(account !== 'exists' && account.account.id).toBe(701);

    // A new integration, admin token and access token: their ids must not collide either.
    const tenant = await createTenant(target.store, 'newer', ['sync']);
    expect(tenant.accountId).toBe(702);
    const server = await startServer(target.store);
    try {
      const created = await call(server.baseUrl, 'POST', '/api/services/zis/integrations/sync/configs', {
        token: tenant.tokens.sync,
        body: { scope: 'fresh', config: {} },
      });
      expect(created.status).toBe(201);
      expect(created.json.config.id).toBe(lastIdOf('config') + 1);
    } finally {
      await server.close();
    }
    const after = await recordsOf(target.store);
    for (const type of ['admin_token', 'integration', 'access_token'] as const) {
      const ids = after.filter((record) => record.type === type).map((record) => (record as { id: number }).id);
      expect(Math.max(...ids), type).toBeGreaterThan(lastIdOf(type));
    }
  });

  it('hands out new channel ids past every imported id, deleted ones included', async () => {
    const channels = target.store.channels;
    const later = now + 3_600_000;
    const integration = await createChannelIntegration(channels, tenantAccountId, later);
    expect(integration.id).toBe(lastIdOf('channel_integration') + 1);
    const instance = await createInstance(channels, integration, { name: 'New', now: later });
    expect(instance.id).toBe(lastIdOf('instance') + 1);
    const pull = await pullInto(channels, instance, ['n1', 'n2'], { now: later });
    expect(pull.id).toBe(lastIdOf('pull') + 1);
    const threads = await channels.listThreads(tenantAccountId, instance.id);
    expect(threads.map((thread) => thread.id)).toEqual([lastIdOf('thread') + 1, lastIdOf('thread') + 2]);
    const resources = await channels.listResources(tenantAccountId, instance.id);
    expect(resources.map((resource) => resource.id)).toEqual([lastIdOf('resource') + 1, lastIdOf('resource') + 2]);

    // An imported instance pulls on: new rows join its imported thread, past the imported ids too.
    const imported = (await channels.listInstances(tenantAccountId)).find((i) => i.name === 'Busy')!;
    expect(imported.state).toBe('after');
    const again = await pullInto(channels, imported, ['x3', 'x1'], { now: later, thread: 'shared' });
    expect(again).toMatchObject({ id: lastIdOf('pull') + 2, resourcesStored: 1, duplicates: 1 });
    const shared = (await channels.listThreads(tenantAccountId, imported.id)).find((t) => t.threadKey === 'shared')!;
    expect(shared).toMatchObject({ id: 1101, resourceCount: 3 });
    const inShared = await channels.listResources(tenantAccountId, imported.id, shared.id);
    expect(inShared.map((resource) => [resource.externalId, resource.id])).toEqual([
      ['x1', 1101],
      ['x2', 1102],
      ['x3', lastIdOf('resource') + 3],
    ]);
  });
});
