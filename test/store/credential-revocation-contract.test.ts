import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/security/secrets.js';
import { createTenant, type Tenant } from '../helpers/server.js';
import { storeProfiles, type OpenedStore } from '../helpers/stores.js';

describe.each(storeProfiles)('credential revocation on $name', (kind) => {
  let opened: OpenedStore;
  let acme: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    opened = await kind.open();
    acme = await createTenant(opened.store, 'acme', ['sync']);
    other = await createTenant(opened.store, 'other', []);
  });
  afterAll(() => opened?.cleanup());

  it('moves the version when an access token is deleted, and not when none is', async () => {
    const { store } = opened;
    const before = await store.credentialRevocationVersion();
    const [token] = await store.listAccessTokens(acme.accountId, { afterId: 0, limit: 1 });
    expect(await store.deleteAccessToken(other.accountId, token!.id)).toBe(false);
    expect(await store.credentialRevocationVersion()).toBe(before);
    expect(await store.deleteAccessToken(acme.accountId, token!.id)).toBe(true);
    expect(await store.credentialRevocationVersion()).toBe(before + 1);
  });

  it('lists admin tokens without secrets, and deletes one only of its own account', async () => {
    const { store } = opened;
    await store.createAdminToken({
      accountId: acme.accountId,
      email: 'ops@acme.example',
      tokenHash: hashSecret('second'),
      nowSeconds: 1_700_000_000,
    });
    const tokens = await store.listAdminTokens(acme.accountId);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toEqual({
      id: tokens[1]!.id,
      accountId: acme.accountId,
      email: 'ops@acme.example',
      createdAt: 1_700_000_000,
    });
    const before = await store.credentialRevocationVersion();
    expect(await store.deleteAdminToken(other.accountId, tokens[1]!.id, { keepLast: true })).toBe('not_found');
    expect(await store.deleteAdminToken(acme.accountId, 9_999_999, { keepLast: true })).toBe('not_found');
    expect(await store.credentialRevocationVersion()).toBe(before);
    expect(await store.deleteAdminToken(acme.accountId, tokens[1]!.id, { keepLast: true })).toBe('deleted');
    expect(await store.credentialRevocationVersion()).toBe(before + 1);
    expect(await store.findAdminByTokenHash(hashSecret('second'))).toBeUndefined();
  });

  it("keeps an account's last admin token when asked to, and deletes it when not", async () => {
    const { store } = opened;
    const [last] = await store.listAdminTokens(other.accountId);
    const before = await store.credentialRevocationVersion();
    expect(await store.deleteAdminToken(other.accountId, last!.id, { keepLast: true })).toBe('last');
    expect(await store.listAdminTokens(other.accountId)).toHaveLength(1);
    expect(await store.credentialRevocationVersion()).toBe(before);
    expect(await store.deleteAdminToken(other.accountId, last!.id, { keepLast: false })).toBe('deleted');
    expect(await store.listAdminTokens(other.accountId)).toEqual([]);
  });

  it('still exports a backup once the version has moved', async () => {
    const records = [];
    for await (const record of opened.store.exportRecords()) records.push(record);
    expect(records.some((record) => record.type === 'admin_token')).toBe(true);
  });
});
