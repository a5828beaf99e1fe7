import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../helpers/server.js';
import { storeProfiles, type OpenedStore } from '../../helpers/stores.js';

describe.each(storeProfiles)('the ZIS registry store on $name', (kind) => {
  let opened: OpenedStore;
  let key: { accountId: number; integration: string };

  beforeAll(async () => {
    opened = await kind.open();
    const acme = await createTenant(opened.store, 'acme', ['zap']);
    key = { accountId: acme.accountId, integration: 'zap' };
  });
  afterAll(async () => opened.cleanup());

  const upload = (name: string, n: number) =>
    opened.store.zisRegistry.saveBundle({
      ...key,
      name,
      uuid: `uuid-${name}-${n}`,
      description: `upload ${n}`,
      templateVersion: '2019-10-14',
      resourcesJson: JSON.stringify({ n }),
      nowSeconds: 1_700_000_000 + n,
    });

  it('numbers uploads of one name at once 1…n, with the first upload’s uuid', async () => {
    const saved = await Promise.all(Array.from({ length: 12 }, (_, n) => upload('busy', n)));
    expect(saved.map((b) => b.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, n) => n + 1));
    expect(new Set(saved.map((b) => b.uuid)).size).toBe(1);
    const [latest] = await opened.store.zisRegistry.listLatestBundles(key, { afterName: '', limit: 10 });
    expect(latest!.version).toBe(12);
  });

  it('lists the newest of each name by name, paged after a name', async () => {
    await upload('alpha', 1);
    await upload('zulu', 1);
    await upload('alpha', 2);
    const page = await opened.store.zisRegistry.listLatestBundles(key, { afterName: '', limit: 2 });
    expect(page.map((b) => [b.name, b.version])).toEqual([
      ['alpha', 2],
      ['busy', 12],
    ]);
    const next = await opened.store.zisRegistry.listLatestBundles(key, { afterName: 'busy', limit: 2 });
    expect(next.map((b) => b.name)).toEqual(['zulu']);
    const other = await opened.store.zisRegistry.listLatestBundles(
      { ...key, accountId: key.accountId + 1000 },
      { afterName: '', limit: 10 },
    );
    expect(other).toEqual([]);
  });

  it('keeps the first install of a job spec when it is installed again', async () => {
    const first = await opened.store.zisRegistry.installJobSpec(key, 'zis:zap:job_spec:j', 10);
    const again = await opened.store.zisRegistry.installJobSpec(key, 'zis:zap:job_spec:j', 20);
    expect(again).toEqual(first);
    expect(await opened.store.zisRegistry.uninstallJobSpec(key, 'zis:zap:job_spec:j')).toBe(true);
    expect(await opened.store.zisRegistry.uninstallJobSpec(key, 'zis:zap:job_spec:j')).toBe(false);
  });
});
