import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/accounts/provision.js';
import type { BackupRecord } from '../../src/backup/backup-record.js';
import { systemClock } from '../../src/clock.js';
import { call, createTenant, openTempSqlite, startServer, tempDir } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';
import { exportWithCli, importWithCli, recordsOf } from './backup-fixture.js';

const dir = tempDir();
const file = join(dir.path, 'backup.jsonl');
let exported: BackupRecord[];
const lastIdOf = (type: string) =>
  exported.find(
    (record): record is Extract<BackupRecord, { type: 'sequence' }> =>
      record.type === 'sequence' && record.recordType === type,
  )!.lastId;

// 2,500 configs: several export batches and insert batches. The highest account id was
// chosen (700), and the highest config id was deleted: the target must hand out neither.
beforeAll(async () => {
  const source = await openTempSqlite();
  try {
    const tenant = await createTenant(source.store, 'acme', ['sync']);
    const chosen = await createAccount(source.store, systemClock, { subdomain: 'chosen', id: 700 });
    expect(chosen).not.toBe('exists');
    const key = { accountId: tenant.accountId, integration: 'sync' };
    await Promise.all(
      Array.from({ length: 2500 }, (_, i) =>
        source.store.createConfig(key, { scope: `s${i}`, configJson: `{"i":${i}}`, now: 1_700_000_000 + i }),
      ),
    );
    await source.store.deleteConfig(key, 's1000');
    await source.store.deleteConfig(key, 's2499');
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
    expect(exported.filter((record) => record.type === 'config')).toHaveLength(2498);
    expect(lastIdOf('config')).toBe(2500);
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
});
