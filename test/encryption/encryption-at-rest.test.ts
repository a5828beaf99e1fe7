import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { keyIdOf } from '../../src/store/encryption/value-cipher.js';
import { openEncrypted, sqliteFileBytes, storedInstanceValues, testKey } from '../helpers/encrypted-stores.js';
import { resource, startFakeIntegration } from '../helpers/fake-integration.js';
import { opaqueTexts } from '../helpers/opaque-texts.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds } from '../helpers/stores.js';

const api = '/api/switchboard/v1';
// Long enough that a fragment of ciphertext cannot hold it by chance.
const marker = 'plaintext-marker-7f3a9c';
/** The value behind a marker, when the 5000-character limit leaves room for one. */
const marked = (field: string, value: string) =>
  [...value].length + 40 <= 5000 ? `${marker} ${field} ${value}` : value;

describe.each(storeKinds)('encryption at rest on $name', (kind) => {
  const k1 = testKey('k1');
  let opened: Awaited<ReturnType<typeof openEncrypted>>;
  let server: TestServer;
  let tenant: Tenant;
  let fake: Awaited<ReturnType<typeof startFakeIntegration>>;
  let integrationId: number;
  const ids = new Map<string, number>();
  const admin = (method: string, path: string, body?: unknown, at = server) =>
    call(at.baseUrl, method, `${api}${path}`, { auth: tenant.adminAuth, body });
  const settings = loadSettings({});
  const quiet = { settings: { pull: { ...settings.pull, scheduler: false, timeoutMs: 2000 } } };

  beforeAll(async () => {
    opened = await openEncrypted(kind, [k1]);
    server = await startServer(opened.store, quiet);
    tenant = await createTenant(opened.store, 'acme', []);
    fake = await startFakeIntegration();
    integrationId = (await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl })).json.integration
      .id;
    for (const [name, value] of Object.entries(opaqueTexts)) {
      const created = await admin('POST', '/instances', {
        integration_id: integrationId,
        name,
        metadata: marked('metadata', value),
        state: marked('state', value),
      });
      expect(created.status).toBe(201);
      ids.set(name, created.json.instance.id);
    }
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
    await opened.cleanup();
  });

  it('returns every opaque text byte for byte through the API', async () => {
    for (const [name, value] of Object.entries(opaqueTexts)) {
      const shown = await admin('GET', `/instances/${ids.get(name)}?include=metadata`);
      expect(shown.json.instance.metadata).toBe(marked('metadata', value));
      expect(shown.json.instance.state).toBe(marked('state', value));
    }
  });

  it('sends the plaintext to the integration, and stores what the pull answers encrypted', async () => {
    const id = ids.get('json')!;
    fake.answerPulls(() => ({
      body: {
        external_resources: [resource('r1')],
        state: `${marker} pulled ${opaqueTexts.emoji}`,
        metadata: `${marker} m2`,
      },
    }));
    const pulled = await admin('POST', `/instances/${id}/pull`);
    expect(pulled.status).toBe(200);
    expect(fake.pulls.at(-1)!.fields.metadata).toBe(marked('metadata', opaqueTexts.json!));
    const shown = await admin('GET', `/instances/${id}?include=metadata`);
    expect(shown.json.instance.state).toBe(`${marker} pulled ${opaqueTexts.emoji}`);
    expect(shown.json.instance.metadata).toBe(`${marker} m2`);
    const patched = await admin('PATCH', `/instances/${id}`, { metadata: `${marker} patched`, state: opaqueTexts.xml });
    expect(patched.status).toBe(200);
    expect((await admin('GET', `/instances/${id}?include=metadata`)).json.instance.metadata).toBe(`${marker} patched`);
  });

  it('keeps the state and its version when a pull answers the state it was sent', async () => {
    const id = ids.get('emoji')!;
    const before = (await opened.store.channels.getInstance(tenant.accountId, id))!;
    fake.answerPulls((pull) => ({ body: { external_resources: [], state: pull.fields.state } }));
    expect((await admin('POST', `/instances/${id}/pull`)).status).toBe(200);
    expect(fake.pulls.at(-1)!.fields.state).toBe(marked('state', opaqueTexts.emoji!));
    const after = (await opened.store.channels.getInstance(tenant.accountId, id))!;
    // Without encryption the same state was never a change; sealed under a fresh IV it
    // differed from the stored ciphertext, so every such pull rewrote it and moved its version.
    expect(after.stateVersion).toBe(before.stateVersion);
    expect(after.state).toBe(before.state);
  });

  it('keeps the state version when an admin sets the state the instance already holds', async () => {
    const id = ids.get('xml')!;
    const before = (await opened.store.channels.getInstance(tenant.accountId, id))!;
    const same = await admin('PATCH', `/instances/${id}`, { name: 'renamed', state: before.state });
    expect(same.status).toBe(200);
    const after = (await opened.store.channels.getInstance(tenant.accountId, id))!;
    // Sealed again under a fresh IV, the same state differed from the stored ciphertext and
    // moved the version, which takes a pull under way its right to store its state.
    expect(after).toMatchObject({ name: 'renamed', state: before.state, stateVersion: before.stateVersion });
    expect((await admin('PATCH', `/instances/${id}`, { state: `${before.state} new` })).status).toBe(200);
    const changed = (await opened.store.channels.getInstance(tenant.accountId, id))!;
    expect(changed).toMatchObject({ state: `${before.state} new`, stateVersion: before.stateVersion + 1 });
  });

  it('keeps the state version when the admin UI returns the state it was handed', async () => {
    const id = ids.get('base64')!;
    const before = (await opened.store.channels.getInstance(tenant.accountId, id))!;
    const handoff = await fetch(`${server.baseUrl}/console/instances/${id}/admin_ui`, {
      method: 'POST',
      headers: { authorization: tenant.adminAuth },
    });
    expect(handoff.status).toBe(200);
    const returnUrl = /name="return_url" value="([^"]+)"/.exec(await handoff.text())![1]!;
    const form = new URLSearchParams({ name: 'edited', metadata: before.metadata, state: before.state });
    const returned = await fetch(returnUrl, { method: 'POST', body: form });
    expect(returned.status).toBeLessThan(400);
    const after = (await opened.store.channels.getInstance(tenant.accountId, id))!;
    expect(after).toMatchObject({ name: 'edited', state: before.state, stateVersion: before.stateVersion });
  });

  it('leaves no plaintext metadata or state in the database', async () => {
    const rows = await storedInstanceValues(opened.url);
    expect(rows).toHaveLength(Object.keys(opaqueTexts).length);
    for (const row of rows) {
      expect(keyIdOf(row.metadata)).toBe('k1');
      expect(keyIdOf(row.state)).toBe('k1');
      expect(row.metadata + row.state).not.toContain(marker);
    }
    if (kind.name === 'sqlite') {
      const bytes = sqliteFileBytes(opened.url);
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.includes(Buffer.from(marker))).toBe(false);
      expect(bytes.includes(Buffer.from('instagram_username'))).toBe(false);
    }
  });

  it('answers a clear 500 without a stack when the key is missing or wrong', async () => {
    const id = ids.get('yaml')!;
    for (const ring of [[testKey('k2')], [{ id: 'k1', key: testKey('x').key }]]) {
      const other = await startServer(await opened.reopen(ring), quiet);
      try {
        const answer = await admin('GET', `/instances/${id}?include=metadata`, undefined, other);
        expect(answer.status).toBe(500);
        expect(answer.json.errors[0].detail).toMatch(/encryption keys do not match the database/);
        expect(answer.text).not.toMatch(/at |\.ts:|enc:v1|k1/);
        expect(answer.text).not.toContain(marker);
        // Writing stays possible, and what it writes is under the node's own key.
        const created = await admin(
          'POST',
          '/instances',
          { integration_id: integrationId, name: 'other', metadata: 'm', state: 's' },
          other,
        );
        expect(created.status).toBe(201);
        expect((await admin('DELETE', `/instances/${created.json.instance.id}`, undefined, other)).status).toBe(204);
      } finally {
        await other.close();
      }
    }
  });
});
