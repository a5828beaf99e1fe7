import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValueCipher } from '../../../src/store/encryption/value-cipher.js';
import { openStore } from '../../../src/store/open-store.js';
import { testKey } from '../../helpers/encrypted-stores.js';
import { createTenant, tempDir } from '../../helpers/server.js';
import { secrets } from './zis-registry-fixtures.js';
import { seedRegistry } from './zis-registry-seed.js';

// Was the writer-thread test: `thread` is retired, and `in-thread` is the mode that, like it,
// never shows a write before it is on disk (the default, pipelined, runs in every other test).
describe('the ZIS registry with SQLite writes in-thread', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('runs every registry write: rows, versions, a taken name, updates and deletes, secrets encrypted', async () => {
    const store = await openStore(`sqlite:${join(dir.path, 'writer.db')}`, {
      writer: 'in-thread',
      cipher: new ValueCipher([testKey('k1')]),
    });
    try {
      await store.migrate();
      const acme = await createTenant(store, 'acme', ['zap']);
      await seedRegistry(store, acme);
      const key = { accountId: acme.accountId, integration: 'zap' };
      expect((await store.zisRegistry.listBundleVersions(key, 'example bundle')).map((b) => b.version)).toEqual([2, 1]);
      const taken = await store.zisRegistry.createConnection({
        ...key,
        connectionType: 'api_key',
        name: 'c_bearer_token',
        allowedDomain: 'x.example',
        label: 'X',
        secret: 's',
        nowSeconds: 1,
      });
      expect(taken).toBe('exists');
      const updated = await store.zisRegistry.updateConnection(key, 'bearer_token', 'c_bearer_token', {
        secret: 'new-bearer',
        nowSeconds: 2,
      });
      expect(updated?.secret).toBe('new-bearer');
      expect(await store.zisRegistry.uninstallJobSpec(key, 'zis:zap:job_spec:my_job_spec')).toBe(true);
      const [client] = await store.zisRegistry.listOAuthClients(key);
      expect(client!.clientSecret).toBe(secrets.clientSecret);
      expect(await store.zisRegistry.deleteOAuthClient(key, client!.uuid)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
