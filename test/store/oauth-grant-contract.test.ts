import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/security/secrets.js';
import { createTenant, type Tenant } from '../helpers/server.js';
import { storeProfiles, type OpenedStore } from '../helpers/stores.js';

// The authorization-code grant's storage: OAuth client fields, one-use codes and refresh
// tokens taken atomically, expired ones pruned as new ones are written.

describe.each(storeProfiles)('OAuth grants on $name', (kind) => {
  let opened: OpenedStore;
  let acme: Tenant;
  let other: Tenant;
  let clientId: number;
  const now = 1_800_000_000;

  beforeAll(async () => {
    opened = await kind.open();
    acme = await createTenant(opened.store, 'acme', ['crm']);
    other = await createTenant(opened.store, 'other', ['crm']);
    clientId = (await opened.store.findIntegration(acme.accountId, 'crm'))!.id;
  });
  afterAll(() => opened?.cleanup());

  it('shows and updates a client of its own account only', async () => {
    const { store } = opened;
    const fresh = await store.grants.findOAuthClient(acme.accountId, clientId);
    expect(fresh).toMatchObject({ description: '', redirectUris: [] });
    expect(fresh!.updatedAt).toBe(fresh!.integration.createdAt);
    expect(await store.grants.updateOAuthClient(other.accountId, clientId, { description: 'x', nowSeconds: now })).toBe(
      undefined,
    );
    const updated = await store.grants.updateOAuthClient(acme.accountId, clientId, {
      redirectUris: ['https://app.example/callback'],
      nowSeconds: now,
    });
    expect(updated).toMatchObject({ description: '', redirectUris: ['https://app.example/callback'], updatedAt: now });
    const described = await store.grants.updateOAuthClient(acme.accountId, clientId, {
      description: 'CRM',
      nowSeconds: now,
    });
    expect(described!.redirectUris).toEqual(['https://app.example/callback']);
    expect((await store.grants.listOAuthClients(acme.accountId)).map((c) => c.description)).toEqual(['CRM']);
    expect(await store.grants.findOAuthClient(other.accountId, clientId)).toBeUndefined();
  });

  it('takes a code once, only for its client, and prunes expired codes', async () => {
    const { store } = opened;
    const code = {
      codeHash: hashSecret('code-1'),
      accountId: acme.accountId,
      integration: 'crm',
      scopes: ['read'] as const,
      redirectUri: 'https://app.example/callback',
      codeChallenge: null,
      adminEmail: acme.adminEmail,
      createdAt: now,
      expiresAt: now + 300,
    };
    await store.grants.createAuthorizationCode(code);
    expect(
      await store.grants.takeAuthorizationCode(code.codeHash, { accountId: other.accountId, integration: 'crm' }),
    ).toBe(undefined);
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        store.grants.takeAuthorizationCode(code.codeHash, { accountId: acme.accountId, integration: 'crm' }),
      ),
    );
    const taken = results.filter((result) => result !== undefined);
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatchObject({ scopes: ['read'], redirectUri: code.redirectUri, expiresAt: now + 300 });

    await store.grants.createAuthorizationCode({ ...code, codeHash: hashSecret('old'), expiresAt: now + 10 });
    await store.grants.createAuthorizationCode({
      ...code,
      codeHash: hashSecret('new'),
      createdAt: now + 20,
      expiresAt: now + 320,
    });
    const key = { accountId: acme.accountId, integration: 'crm' };
    expect(await store.grants.takeAuthorizationCode(hashSecret('old'), key)).toBeUndefined();
    expect(await store.grants.takeAuthorizationCode(hashSecret('new'), key)).toBeDefined();
  });

  it('takes a refresh token once, and prunes expired refresh and access tokens', async () => {
    const { store } = opened;
    const key = { accountId: acme.accountId, integration: 'crm' };
    const refresh = {
      tokenHash: hashSecret('refresh-1'),
      ...key,
      scopes: ['read', 'write'] as const,
      publicClient: true,
      createdAt: now,
      expiresAt: now + 100,
      accessTokenId: 999_999,
    };
    await store.grants.createRefreshToken(refresh);
    await store.createAccessToken({ tokenHash: hashSecret('short'), ...key, nowSeconds: now, expiresAt: now + 50 });
    expect((await store.findAccessToken(hashSecret('short')))!.expiresAt).toBe(now + 50);
    const taken = await store.grants.takeRefreshToken(refresh.tokenHash, key);
    expect(taken).toMatchObject({ scopes: ['read', 'write'], publicClient: true, expiresAt: now + 100 });
    expect(await store.grants.takeRefreshToken(refresh.tokenHash, key)).toBeUndefined();

    await store.grants.createRefreshToken({ ...refresh, tokenHash: hashSecret('refresh-2'), publicClient: false });
    await store.grants.createRefreshToken({ ...refresh, tokenHash: hashSecret('refresh-3'), createdAt: now + 200 });
    expect(await store.grants.takeRefreshToken(hashSecret('refresh-2'), key)).toBeUndefined();
    expect(await store.findAccessToken(hashSecret('short'))).toBeUndefined();
    expect((await store.grants.takeRefreshToken(hashSecret('refresh-3'), key))!.publicClient).toBe(true);
  });

  it('revokes the refresh token issued beside an access token when that token is revoked', async () => {
    const { store } = opened;
    const key = { accountId: acme.accountId, integration: 'crm' };
    const access = await store.createAccessToken({
      tokenHash: hashSecret('pair'),
      ...key,
      nowSeconds: now,
      expiresAt: now + 3600,
    });
    const refresh = {
      tokenHash: hashSecret('pair-refresh'),
      ...key,
      scopes: ['read'] as const,
      publicClient: false,
      createdAt: now,
      expiresAt: now + 86_400,
      accessTokenId: access.id,
    };
    await store.grants.createRefreshToken(refresh);
    await store.grants.createRefreshToken({
      ...refresh,
      tokenHash: hashSecret('other-refresh'),
      accessTokenId: access.id + 1,
    });
    expect(await store.deleteAccessToken(acme.accountId, access.id)).toBe(true);
    expect(await store.grants.takeRefreshToken(refresh.tokenHash, key)).toBeUndefined();
    expect(await store.grants.takeRefreshToken(hashSecret('other-refresh'), key)).toBeDefined();
  });

  it('leaves expiring access tokens out of a backup, so none is restored as never expiring', async () => {
    const { store } = opened;
    const key = { accountId: acme.accountId, integration: 'crm' };
    const lasting = await store.createAccessToken({ tokenHash: hashSecret('lasting'), ...key, nowSeconds: now });
    const expiring = await store.createAccessToken({
      tokenHash: hashSecret('expiring'),
      ...key,
      nowSeconds: now,
      expiresAt: now + 3600,
    });
    const exported: number[] = [];
    for await (const record of store.exportRecords()) {
      if (record.type === 'access_token') exported.push(record.id);
    }
    expect(exported).toContain(lasting.id);
    expect(exported).not.toContain(expiring.id);
  });
});
