import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValueCipher, keyIdOf } from '../../src/store/encryption/value-cipher.js';
import { openStore } from '../../src/store/open-store.js';
import { keyPair, openEncrypted, storedInstanceValues, testKey } from '../helpers/encrypted-stores.js';
import { opaqueTexts } from '../helpers/opaque-texts.js';
import { runCli } from '../helpers/processes.js';
import { createTenant, tempDir } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const marker = 'backup-marker-51c0de';

describe.each(storeKinds)('backups of encrypted instances on $name', (kind) => {
  const [k1, k2] = [testKey('k1'), testKey('k2')];
  const dir = tempDir();
  const encryptedFile = join(dir.path, 'encrypted.jsonl');
  const plainFile = join(dir.path, 'plain.jsonl');
  const expected = new Map<number, { metadata: string; state: string }>();
  let source: Awaited<ReturnType<typeof openEncrypted>>;
  const targets: OpenedStore[] = [];
  const env = (...keys: (typeof k1)[]) => ({
    SWITCHBOARD_ENCRYPTION_KEYS: keys.map(keyPair).join(','),
    SWITCHBOARD_DATA_DIR: dir.path,
  });
  const emptyTarget = async () => {
    const target = await kind.open();
    targets.push(target);
    return target;
  };
  /** Every imported instance, read with `ring`, must hold what the source held. */
  const expectSameValues = async (url: string, ring: (typeof k1)[]) => {
    const store = await openStore(url, { cipher: new ValueCipher(ring) });
    try {
      await store.migrate();
      const account = await store.findAccountBySubdomain('acme');
      const instances = await store.channels.listInstances(account!.id);
      expect(instances).toHaveLength(expected.size);
      for (const instance of instances) {
        expect({ metadata: instance.metadata, state: instance.state }).toEqual(expected.get(instance.id));
      }
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    source = await openEncrypted(kind, [k1]);
    const tenant = await createTenant(source.store, 'acme', []);
    const integration = await source.store.channels.createIntegration({
      accountId: tenant.accountId,
      remoteId: 'com.example.fake',
      name: 'Fake',
      manifestUrl: 'https://example.com/manifest.json',
      manifestJson: JSON.stringify({ name: 'Fake', id: 'com.example.fake', urls: {} }),
      nowMs: 1,
    });
    for (const [name, value] of Object.entries(opaqueTexts)) {
      const metadata = value.length < 4000 ? `${marker} ${value}` : value;
      const instance = await source.store.channels.createInstance({
        accountId: tenant.accountId,
        integrationId: integration.id,
        name,
        metadata,
        state: value,
        instancePushId: `push-${name}`,
        pushTokenHash: createHash('sha256').update(name).digest('hex'),
        nowMs: 1,
      });
      expected.set(instance.id, { metadata, state: value });
    }
  });
  afterAll(async () => {
    for (const target of targets) await target.cleanup();
    await source.cleanup();
    dir.remove();
  });

  it('exports ciphertext with key ids by default, and plaintext only with --decrypt', async () => {
    const exported = await runCli(['export', '--output', encryptedFile, '--database', source.url], env(k1));
    expect(exported.code).toBe(0);
    const text = readFileSync(encryptedFile, 'utf8');
    expect(text).not.toContain(marker);
    expect(text).toContain('enc:v1:k1:');

    const decrypted = await runCli(['export', '--decrypt', '--output', plainFile, '--database', source.url], env(k1));
    expect(decrypted.code).toBe(0);
    expect(decrypted.stderr).toContain('metadata and state decrypted');
    const instances = readFileSync(plainFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"type":"instance"'))
      .map((line) => JSON.parse(line));
    expect(instances).toHaveLength(expected.size);
    expect(instances.every((record) => keyIdOf(record.metadata) === undefined)).toBe(true);

    const keyless = await runCli(
      ['export', '--decrypt', '--output', join(dir.path, 'x.jsonl'), '--database', source.url],
      env(k2),
    );
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toMatch(/encrypted under key "k1", which is not in the key ring/);
  });

  it('refuses an encrypted backup whose key the ring lacks, naming the key id, importing nothing', async () => {
    const target = await emptyTarget();
    const refused = await runCli(['import', '--input', encryptedFile, '--database', target.url], env(k2));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/nothing was imported: .*"k1", which is not in the key ring/);
    expect(await target.store.isEmpty()).toBe(true);
  });

  it('imports the encrypted backup as it is, byte for byte, with the old key in the ring', async () => {
    const target = await emptyTarget();
    const imported = await runCli(['import', '--input', encryptedFile, '--database', target.url], env(k2, k1));
    expect(imported.stderr).not.toMatch(/failed/);
    expect(imported.code).toBe(0);
    expect(await storedInstanceValues(target.url)).toEqual(await storedInstanceValues(source.url));
    await expectSameValues(target.url, [k2, k1]);
  });

  it('imports a --decrypt backup as it is, and keys rotate encrypts it under the current key', async () => {
    const target = await emptyTarget();
    const imported = await runCli(['import', '--input', plainFile, '--database', target.url], env(k2));
    expect(imported.stderr).not.toMatch(/failed/);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain(`${expected.size * 2} instance values were imported as plaintext`);
    const rotated = await runCli(['keys', 'rotate', '--database', target.url], env(k2));
    expect(rotated.code).toBe(0);
    for (const row of await storedInstanceValues(target.url)) {
      expect([keyIdOf(row.metadata), keyIdOf(row.state)]).toEqual(['k2', 'k2']);
    }
    await expectSameValues(target.url, [k2]);
  });
});
