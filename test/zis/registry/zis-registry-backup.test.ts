import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBackup } from '../../../src/backup/export-backup.js';
import { importBackup } from '../../../src/backup/import-backup.js';
import { systemClock } from '../../../src/clock.js';
import { ValueCipher } from '../../../src/store/encryption/value-cipher.js';
import type { Store } from '../../../src/store/store.js';
import { openEncrypted, testKey } from '../../helpers/encrypted-stores.js';
import { createTenant } from '../../helpers/server.js';
import { storeKinds } from '../../helpers/stores.js';
import { secrets } from './zis-registry-fixtures.js';
import { seedRegistry } from './zis-registry-seed.js';

async function backupOf(store: Store, decryptWith?: ValueCipher): Promise<string> {
  const output = new PassThrough();
  const chunks: string[] = [];
  output.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const schemaVersion = (await store.migrate()).to;
  await exportBackup(store, output, { schemaVersion, clock: systemClock, decryptWith });
  return chunks.join('');
}

const body = (text: string) => text.slice(text.indexOf('\n'));

describe.each(storeKinds)('ZIS registry in backups, from $name', (kind) => {
  const k1 = testKey('k1');
  const target = storeKinds.find((other) => other !== kind) ?? kind;
  let source: Awaited<ReturnType<typeof openEncrypted>>;
  let restored: Awaited<ReturnType<typeof openEncrypted>>;
  let backup: string;

  beforeAll(async () => {
    source = await openEncrypted(kind, [k1]);
    const acme = await createTenant(source.store, 'acme', ['zap']);
    await seedRegistry(source.store, acme);
    backup = await backupOf(source.store);
    restored = await openEncrypted(target, [k1]);
    const schemaVersion = (await restored.store.migrate()).to;
    await importBackup(restored.store, Readable.from([backup]), { schemaVersion, cipher: new ValueCipher([k1]) });
  });
  afterAll(async () => {
    await source.cleanup();
    await restored.cleanup();
  });

  it('holds every registry row, secrets only as ciphertext', () => {
    const types = body(backup)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).type as string);
    expect(types.filter((type) => type === 'zis_bundle')).toHaveLength(2);
    expect(types.filter((type) => type === 'zis_job_spec_install')).toHaveLength(1);
    expect(types.filter((type) => type === 'zis_connection')).toHaveLength(3);
    expect(types.filter((type) => type === 'zis_oauth_client')).toHaveLength(1);
    expect(JSON.parse(backup.trimEnd().split('\n')[0]!).format).toBe(5);
    for (const secret of Object.values(secrets)) expect(backup).not.toContain(secret);
    expect(backup.match(/enc:v1:k1:/g)).toHaveLength(4);
  });

  it(`restores into ${target.name} as it was: secrets decrypt, versions and installs kept, same backup again`, async () => {
    const key = { accountId: (await restored.store.findAccountBySubdomain('acme'))!.id, integration: 'zap' };
    const connections = await restored.store.zisRegistry.listConnections(key);
    expect(connections.map((c) => c.secret).sort()).toEqual([secrets.apiKey, secrets.bearer, secrets.password].sort());
    const [client] = await restored.store.zisRegistry.listOAuthClients(key);
    expect(client!.clientSecret).toBe(secrets.clientSecret);
    expect((await restored.store.zisRegistry.listBundleVersions(key, 'example bundle')).map((b) => b.version)).toEqual([
      2, 1,
    ]);
    expect((await restored.store.zisRegistry.listJobSpecInstalls(key)).map((i) => i.jobSpecName)).toEqual([
      'zis:zap:job_spec:my_job_spec',
    ]);
    expect(body(await backupOf(restored.store))).toBe(body(backup));
    // Ids continue past the imported ones.
    const next = await restored.store.zisRegistry.createConnection({
      ...key,
      connectionType: 'bearer_token',
      name: 'after_import',
      allowedDomain: 'api.example.com',
      label: null,
      secret: 's',
      nowSeconds: 1,
    });
    expect(next !== 'exists' && next.id).toBeGreaterThan(Math.max(...connections.map((c) => c.id)));
  });

  it('writes the secrets as plaintext only with --decrypt', async () => {
    const decrypted = await backupOf(source.store, new ValueCipher([k1]));
    for (const secret of Object.values(secrets)) expect(decrypted).toContain(secret);
  });
});
