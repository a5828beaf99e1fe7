import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { keyIdOf } from '../../src/store/encryption/value-cipher.js';
import type { Store } from '../../src/store/store.js';
import { keyPair, openEncrypted, storedInstanceValues, testKey } from '../helpers/encrypted-stores.js';
import { startFakeIntegration } from '../helpers/fake-integration.js';
import { opaqueTexts } from '../helpers/opaque-texts.js';
import { runCli } from '../helpers/processes.js';
import { call, createTenant, startServer, tempDir, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const api = '/api/switchboard/v1';
const count = 1200;
const texts = Object.values(opaqueTexts);

describe.each(storeKinds)('switchboard keys rotate on $name', (kind) => {
  const [k1, k2] = [testKey('k1'), testKey('k2')];
  const dir = tempDir();
  let opened: Awaited<ReturnType<typeof openEncrypted>>;
  let rotated: Store;
  let server: TestServer;
  let tenant: Tenant;
  let fake: Awaited<ReturnType<typeof startFakeIntegration>>;
  /** What every instance must hold afterwards: its values as last written. */
  const expected = new Map<number, { metadata: string; state: string }>();
  const env = () => ({ SWITCHBOARD_ENCRYPTION_KEYS: `${keyPair(k2)},${keyPair(k1)}`, SWITCHBOARD_DATA_DIR: dir.path });
  const admin = (method: string, path: string, body?: unknown) =>
    call(server.baseUrl, method, `${api}${path}`, { auth: tenant.adminAuth, body });

  beforeAll(async () => {
    opened = await openEncrypted(kind, [k1]);
    tenant = await createTenant(opened.store, 'acme', []);
    fake = await startFakeIntegration();
    const integration = await opened.store.channels.createIntegration({
      accountId: tenant.accountId,
      remoteId: 'com.example.fake',
      name: 'Fake',
      manifestUrl: fake.manifestUrl,
      manifestJson: JSON.stringify({ name: 'Fake', id: 'com.example.fake', urls: {} }),
      nowMs: 1,
    });
    for (let i = 0; i < count; i++) {
      const [metadata, state] = [texts[i % texts.length]!, texts[(i + 3) % texts.length]!];
      const instance = await opened.store.channels.createInstance({
        accountId: tenant.accountId,
        integrationId: integration.id,
        name: `i${i}`,
        metadata,
        state,
        instancePushId: `push-${i}`,
        pushTokenHash: `hash-${i}`,
        nowMs: 1,
      });
      expected.set(instance.id, { metadata, state });
    }
    // A node already on the new ring (new key first) serves while the rotation runs.
    rotated = await opened.reopen([k2, k1]);
    const settings = loadSettings({});
    server = await startServer(rotated, { settings: { pull: { ...settings.pull, scheduler: false } } });
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await fake.close();
    await opened.cleanup();
    dir.remove();
  });

  it('re-encrypts every value under the new key while a server reads and writes', async () => {
    const ids = [...expected.keys()];
    let stop = false;
    let reads = 0;
    const traffic = (async () => {
      for (let n = 0; !stop; n++) {
        const id = ids[(n * 97) % ids.length]!;
        const shown = await admin('GET', `/instances/${id}?include=metadata`);
        expect(shown.status).toBe(200);
        expect(shown.json.instance.metadata).toBe(expected.get(id)!.metadata);
        reads += 1;
        if (n % 5 === 0) {
          const metadata = `written during rotation ${n}`;
          const patched = await admin('PATCH', `/instances/${id}`, { metadata });
          expect(patched.status).toBe(200);
          expected.set(id, { ...expected.get(id)!, metadata });
        }
      }
    })();
    const rotation = await runCli(['keys', 'rotate', '--batch-size', '100', '--database', opened.url], env());
    stop = true;
    await traffic;
    expect(rotation.stderr).toBe('');
    expect(rotation.code).toBe(0);
    expect(rotation.stdout).toMatch(new RegExp(`Rotated to key "k2": re-encrypted \\d+ of ${count} instances`));
    expect(reads).toBeGreaterThan(0);

    const stored = await storedInstanceValues(opened.url);
    expect(stored).toHaveLength(count);
    for (const row of stored) {
      expect([keyIdOf(row.metadata), keyIdOf(row.state)]).toEqual(['k2', 'k2']);
    }
    // Every value, byte for byte, read by a node that no longer has the old key.
    const newOnly = await opened.reopen([k2]);
    for (const [id, values] of expected) {
      const instance = await newOnly.channels.getInstance(tenant.accountId, id);
      expect({ metadata: instance!.metadata, state: instance!.state }).toEqual(values);
    }
  }, 120_000);

  it('finds nothing left to do on a second run', async () => {
    const again = await runCli(['keys', 'rotate', '--database', opened.url], env());
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`re-encrypted 0 of ${count} instances`));
  });

  it('refuses to run without a key, and names a key id the ring lacks', async () => {
    const none = await runCli(['keys', 'rotate', '--database', opened.url], {
      SWITCHBOARD_DATA_DIR: dir.path,
      SWITCHBOARD_MODE: 'production',
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/No encryption key to rotate to: set SWITCHBOARD_ENCRYPTION_KEYS/);
    const k3 = testKey('k3');
    const missing = await runCli(['keys', 'rotate', '--database', opened.url], {
      SWITCHBOARD_ENCRYPTION_KEYS: keyPair(k3),
      SWITCHBOARD_DATA_DIR: dir.path,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/encrypted under key "k2", which is not in the key ring/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
