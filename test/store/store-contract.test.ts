import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseTooNewError } from '../../src/store/migration-files.js';
import { openStore } from '../../src/store/open-store.js';
import { ConfigRefusedError } from '../../src/store/config-edit.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import type { IntegrationKey, Store } from '../../src/store/store.js';
import { execSql } from '../helpers/raw-sql.js';
import { storeProfiles, type OpenedStore } from '../helpers/stores.js';
import { testActor, deletion } from '../helpers/actors.js';

const now = 1_700_000_000;

/** The storage contract: every store kind passes the same tests. */
describe.each(storeProfiles)('Store contract on $name', (kind) => {
  let opened: OpenedStore;
  let store: Store;
  const seconds: Store[] = [];

  beforeAll(async () => {
    opened = await kind.open();
    store = opened.store;
  });
  afterAll(async () => {
    for (const other of seconds) await other.close();
    await opened.cleanup();
  });

  describe('migrations', () => {
    it('is a no-op the second time', async () => {
      const again = await store.migrate();
      expect(again.from).toBe(again.to);
    });

    it('lets two instances migrate at once', async () => {
      const [a, b] = [await openStore(opened.url), await openStore(opened.url)];
      seconds.push(a, b);
      const reports = await Promise.all([a.migrate(), b.migrate()]);
      expect(reports.every((r) => r.to === reports[0]!.to)).toBe(true);
    });

    it('refuses a database migrated by a newer version', async () => {
      await execSql(opened.url, `INSERT INTO schema_migrations VALUES (9999, '9999_future', 0)`);
      const newer = await openStore(opened.url);
      seconds.push(newer);
      await expect(newer.migrate()).rejects.toBeInstanceOf(DatabaseTooNewError);
      await execSql(opened.url, `DELETE FROM schema_migrations WHERE version = 9999`);
    });
  });

  describe('accounts and credentials', () => {
    it('creates accounts with a chosen id, then the next id', async () => {
      expect(await store.isEmpty()).toBe(true);
      const first = await store.createAccount({
        id: 1000,
        subdomain: 'acme',
        adminEmail: 'a@acme.test',
        adminTokenHash: 'h-acme',
        nowSeconds: now,
      });
      expect(first).toEqual({ id: 1000, subdomain: 'acme', createdAt: now });
      const second = await store.createAccount({
        subdomain: 'beta',
        adminEmail: 'b@beta.test',
        adminTokenHash: 'h-beta',
        nowSeconds: now,
      });
      expect(second).toEqual({ id: 1001, subdomain: 'beta', createdAt: now });
      // A chosen id below the sequence does not move it back.
      const third = await store.createAccount({
        id: 5,
        subdomain: 'low',
        adminEmail: 'l@x',
        adminTokenHash: 'h-low',
        nowSeconds: now,
      });
      expect(third).toMatchObject({ id: 5 });
      const fourth = await store.createAccount({
        subdomain: 'next',
        adminEmail: 'n@x',
        adminTokenHash: 'h-next',
        nowSeconds: now,
      });
      expect(fourth).toMatchObject({ id: 1002 });
      expect(await store.isEmpty()).toBe(false);
    });

    it('answers exists for a taken id, subdomain or token, and writes nothing', async () => {
      const base = { adminEmail: 'x@x', nowSeconds: now };
      expect(await store.createAccount({ ...base, id: 1000, subdomain: 'other', adminTokenHash: 'h-1' })).toBe(
        'exists',
      );
      expect(await store.createAccount({ ...base, subdomain: 'acme', adminTokenHash: 'h-2' })).toBe('exists');
      expect(await store.createAccount({ ...base, subdomain: 'gamma', adminTokenHash: 'h-acme' })).toBe('exists');
      expect(await store.findAccountBySubdomain('other')).toBeUndefined();
      expect(await store.findAccountBySubdomain('gamma')).toBeUndefined();
    });

    it('finds accounts and admins', async () => {
      expect(await store.findAccountById(1000)).toEqual({ id: 1000, subdomain: 'acme', createdAt: now });
      expect(await store.findAccountBySubdomain('beta')).toMatchObject({ id: 1001 });
      expect(await store.findAccountById(424242)).toBeUndefined();
      await store.createAdminToken({
        accountId: 1000,
        email: 'second@acme.test',
        tokenHash: 'h-acme-2',
        nowSeconds: now,
      });
      expect(await store.findAdminByTokenHash('h-acme')).toEqual({
        account: { id: 1000, subdomain: 'acme', createdAt: now },
        email: 'a@acme.test',
      });
      expect(await store.findAdminByTokenHash('h-acme-2')).toMatchObject({ email: 'second@acme.test' });
      expect(await store.findAdminByTokenHash('nope')).toBeUndefined();
    });

    it('registers integrations and access tokens', async () => {
      const input = {
        accountId: 1000,
        name: 'crm',
        clientIdentifier: 'cid-crm',
        clientSecretHash: 's',
        nowSeconds: now,
      };
      const integration = await store.createIntegration(input);
      expect(integration).toEqual({
        id: expect.any(Number),
        accountId: 1000,
        name: 'crm',
        clientIdentifier: 'cid-crm',
        clientSecretHash: 's',
        createdAt: now,
      });
      expect(await store.createIntegration({ ...input, clientIdentifier: 'cid-other' })).toBe('exists');
      expect(await store.createIntegration({ ...input, name: 'other' })).toBe('exists');
      expect(await store.findIntegration(1000, 'crm')).toEqual(integration);
      expect(await store.findIntegration(1001, 'crm')).toBeUndefined();
      expect(await store.findIntegrationByClientIdentifier('cid-crm')).toEqual(integration);
      expect(await store.findIntegrationByClientIdentifier('nope')).toBeUndefined();

      const { id } = await store.createAccessToken({
        tokenHash: 't1',
        accountId: 1000,
        integration: 'crm',
        nowSeconds: now,
      });
      expect(await store.findAccessToken('t1')).toEqual({
        id,
        scopes: ['read', 'write'],
        usedAt: null,
        expiresAt: null,
        accountId: 1000,
        integration: 'crm',
        createdAt: now,
      });
      expect(await store.findAccessToken('t2')).toBeUndefined();
    });

    it("lists, finds and revokes an account's access tokens, with their scopes, prefix and last use", async () => {
      const crm = (await store.findIntegration(1000, 'crm'))!;
      const readOnly = await store.createAccessToken({
        tokenHash: 't-read',
        accountId: 1000,
        integration: 'crm',
        scopes: ['read'],
        tokenPrefix: 'sbzt_12345',
        nowSeconds: now + 1,
      });
      // Scopes are kept once each, in a fixed order.
      const both = await store.createAccessToken({
        tokenHash: 't-both',
        accountId: 1000,
        integration: 'crm',
        scopes: ['write', 'read', 'write'],
        nowSeconds: now + 2,
      });
      expect(readOnly.id).toBeGreaterThan(0);
      expect(both.id).toBeGreaterThan(readOnly.id);
      expect((await store.findAccessToken('t-both'))!.scopes).toEqual(['read', 'write']);
      expect(await store.findAccessTokenById(1000, readOnly.id)).toEqual({
        id: readOnly.id,
        scopes: ['read'],
        usedAt: null,
        expiresAt: null,
        accountId: 1000,
        integration: 'crm',
        createdAt: now + 1,
        clientId: crm.id,
        tokenPrefix: 'sbzt_12345',
      });
      expect(await store.findAccessTokenById(1001, readOnly.id)).toBeUndefined();

      const all = await store.listAccessTokens(1000, { afterId: 0, limit: 100 });
      expect(all.map((token) => token.id)).toEqual([...all.map((token) => token.id)].sort((a, b) => a - b));
      expect(all.slice(-2).map((token) => [token.id, token.tokenPrefix, token.clientId])).toEqual([
        [readOnly.id, 'sbzt_12345', crm.id],
        [both.id, null, crm.id],
      ]);
      expect(JSON.stringify(all)).not.toMatch(/t-read|t-both/);
      const page = await store.listAccessTokens(1000, { afterId: all[0]!.id, limit: 1 });
      expect(page.map((token) => token.id)).toEqual([all[1]!.id]);
      expect(await store.listAccessTokens(1001, { afterId: 0, limit: 100 })).toEqual([]);

      // Last use only moves forward.
      await store.recordAccessTokenUse(readOnly.id, now + 60);
      await store.recordAccessTokenUse(readOnly.id, now + 30);
      expect((await store.findAccessToken('t-read'))!.usedAt).toBe(now + 60);

      expect(await store.deleteAccessToken(1001, both.id)).toBe(false);
      expect(await store.findAccessToken('t-both')).toBeDefined();
      expect(await store.deleteAccessToken(1000, both.id)).toBe(true);
      expect(await store.findAccessToken('t-both')).toBeUndefined();
      expect(await store.findAccessTokenById(1000, both.id)).toBeUndefined();
      expect(await store.deleteAccessToken(1000, both.id)).toBe(false);
      await store.recordAccessTokenUse(both.id, now + 90); // a revoked token: nothing to record
    });

    it("lists an account's integrations, finds one by id, and rotates its client secret", async () => {
      const crm = (await store.findIntegration(1000, 'crm'))!;
      const other = await store.createIntegration({
        accountId: 1000,
        name: 'zz_other',
        clientIdentifier: 'cid-zz',
        clientSecretHash: 'zz',
        nowSeconds: now,
      });
      expect((await store.listIntegrations(1000)).map((i) => i.name)).toEqual(['crm', 'zz_other']);
      expect(await store.listIntegrations(424242)).toEqual([]);
      expect(await store.findIntegrationById(1000, crm.id)).toEqual(crm);
      expect(await store.findIntegrationById(1001, crm.id)).toBeUndefined();
      expect(await store.findIntegrationById(1000, 424242)).toBeUndefined();

      expect(await store.rotateClientSecret(1001, crm.id, 'stolen')).toBeUndefined();
      expect((await store.findIntegration(1000, 'crm'))!.clientSecretHash).toBe('s');
      expect(await store.rotateClientSecret(1000, crm.id, 's2')).toEqual({ ...crm, clientSecretHash: 's2' });
      expect((await store.findIntegrationByClientIdentifier('cid-crm'))!.clientSecretHash).toBe('s2');
      expect(await store.findIntegrationById(1000, (other as { id: number }).id)).toMatchObject({
        clientSecretHash: 'zz',
      });
      // Tokens already issued stay valid.
      expect(await store.findAccessToken('t1')).toBeDefined();
      await store.rotateClientSecret(1000, crm.id, 's');
    });

    it('refuses a token for an unregistered integration, and not as "unavailable"', async () => {
      const error = await store
        .createAccessToken({ tokenHash: 't9', accountId: 1000, integration: 'unknown', nowSeconds: now })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(StoreUnavailableError);
      expect(await store.findAccessToken('t9')).toBeUndefined();
    });
  });

  describe('configs', () => {
    const key: IntegrationKey = { accountId: 1000, integration: 'crm' };
    const ids: Record<string, number> = {};
    const scopes = ['foo', 'foo:1', 'foobar', 'FOO', 'a_b', 'axb', 'x%y', 'xzy', 'b\\c', 'bxc'];

    it('creates configs, and answers exists for a taken scope', async () => {
      for (const scope of scopes) {
        const created = await store.createConfig(key, {
          scope,
          configJson: `{"s":${JSON.stringify(scope)}}`,
          nowSeconds: now,
          actor: testActor,
        });
        if (created === 'exists') throw new Error(`unexpected exists for ${scope}`);
        expect(created).toMatchObject({ ...key, scope, version: 1, createdAt: now, updatedAt: now });
        expect(typeof created.id).toBe('number');
        ids[scope] = created.id;
      }
      expect(await store.createConfig(key, { scope: 'foo', configJson: '{}', nowSeconds: now, actor: testActor })).toBe(
        'exists',
      );
      // The same scope under another integration is another config.
      expect(
        await store.createConfig(
          { accountId: 1000, integration: 'other' },
          { scope: 'foo', configJson: '{}', nowSeconds: now, actor: testActor },
        ),
      ).not.toBe('exists');
    });

    it('gets a config exactly as stored', async () => {
      expect(await store.getConfig(key, 'foo')).toEqual({
        id: ids.foo,
        ...key,
        scope: 'foo',
        configJson: '{"s":"foo"}',
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
      expect(await store.getConfig(key, 'Foo')).toBeUndefined();
    });

    const list = async (pattern: string[], afterId = 0, limit = 100) =>
      (await store.listConfigs(key, { pattern, afterId, limit })).map((c) => c.scope);

    it('lists by exact scope, prefix and infix, with literal % _ and \\', async () => {
      expect(await list(['foo'])).toEqual(['foo']);
      expect(await list(['x%y'])).toEqual(['x%y']);
      expect(await list(['foo', ''])).toEqual(['foo', 'foo:1', 'foobar']);
      expect(await list(['', 'a_b', ''])).toEqual(['a_b']);
      expect(await list(['', '%', ''])).toEqual(['x%y']);
      expect(await list(['b\\', ''])).toEqual(['b\\c']);
      expect(await list(['f', 'o', '1'])).toEqual(['foo:1']);
      expect(await list(['nothing', ''])).toEqual([]);
      expect(await list(['', ''])).toEqual(scopes);
      // PostgreSQL text cannot hold U+0000; such a pattern matches nothing on either store.
      expect(await list(['a\u0000b'])).toEqual([]);
      expect(await list(['', '\u0000'])).toEqual([]);
      expect(await store.getConfig(key, 'a\u0000')).toBeUndefined();
      expect(await store.deleteConfig(key, 'a\u0000', undefined, deletion)).toEqual({ kind: 'not_found' });
    });

    it('pages by ascending id after a cursor', async () => {
      const first = await store.listConfigs(key, { pattern: ['', ''], afterId: 0, limit: 3 });
      expect(first.map((c) => c.scope)).toEqual(scopes.slice(0, 3));
      expect(await list(['', ''], first.at(-1)!.id, 3)).toEqual(scopes.slice(3, 6));
      expect(await list(['foo', ''], ids.foo!, 1)).toEqual(['foo:1']);
    });

    it('updates with a merge patch, bumping version and updatedAt', async () => {
      const outcome = await store.updateConfig(key, 'foo', {
        edit: { kind: 'merge', patch: { n: 1 }, maxBytes: 1000 },
        precondition: { ifMatch: `"${ids.foo}-1"` },
        nowSeconds: now + 10,
        operation: 'merge',
        actor: testActor,
      });
      expect(outcome).toEqual({
        kind: 'ok',
        config: {
          id: ids.foo,
          ...key,
          scope: 'foo',
          configJson: '{"s":"foo","n":1}',
          version: 2,
          createdAt: now,
          updatedAt: now + 10,
        },
      });
    });

    it('refuses an update on a failed precondition or a missing config', async () => {
      const edit = { kind: 'replace', configJson: '{"never":true}' } as const;
      expect(
        await store.updateConfig(key, 'foo', {
          edit,
          precondition: { ifMatch: `"${ids.foo}-1"` },
          nowSeconds: now,
          operation: 'merge',
          actor: testActor,
        }),
      ).toEqual({
        kind: 'precondition_failed',
      });
      expect(
        await store.updateConfig(key, 'missing', { edit, nowSeconds: now, operation: 'merge', actor: testActor }),
      ).toEqual({ kind: 'not_found' });
      expect((await store.getConfig(key, 'foo'))?.version).toBe(2);
    });

    it('refuses a merge whose result is too large or too deep, and writes nothing', async () => {
      const big = store.updateConfig(key, 'foo', {
        edit: { kind: 'merge', patch: { pad: 'x'.repeat(100) }, maxBytes: 50 },
        nowSeconds: now,
        operation: 'merge',
        actor: testActor,
      });
      await expect(big).rejects.toThrow(ConfigRefusedError);
      await expect(big).rejects.toThrow(/bytes as JSON; the limit is 50 bytes/);
      let deep: Record<string, unknown> = {};
      for (let i = 0; i < 70; i++) deep = { d: deep };
      const tooDeep = store.updateConfig(key, 'foo', {
        edit: { kind: 'merge', patch: deep, maxBytes: 1e6 },
        nowSeconds: now,
        operation: 'merge',
        actor: testActor,
      });
      await expect(tooDeep).rejects.toThrow(/nested more than 64 levels/);
      expect(await store.getConfig(key, 'foo')).toMatchObject({ version: 2, configJson: '{"s":"foo","n":1}' });
    });

    it('deletes, checking the precondition', async () => {
      expect(await store.deleteConfig(key, 'axb', { ifMatch: '"1-99"' }, deletion)).toEqual({
        kind: 'precondition_failed',
      });
      expect(await store.deleteConfig(key, 'axb', { ifMatch: `"7-7", "${ids.axb}-1"` }, deletion)).toEqual({
        kind: 'ok',
        config: undefined,
      });
      expect(await store.getConfig(key, 'axb')).toBeUndefined();
      expect(await store.deleteConfig(key, 'axb', undefined, deletion)).toEqual({ kind: 'not_found' });
    });

    it('never reuses a deleted config id', async () => {
      const again = await store.createConfig(key, {
        scope: 'axb',
        configJson: '{}',
        nowSeconds: now,
        actor: testActor,
      });
      expect(again).not.toBe('exists');
      expect((again as { id: number }).id).toBeGreaterThan(Math.max(...Object.values(ids)));
    });

    it('loses no key when 50 updates from two store instances race on one config', async () => {
      // A second node on the same database.
      const other = await openStore(opened.url);
      await other.migrate();
      seconds.push(other);
      await store.createConfig(key, { scope: 'race', configJson: '{}', nowSeconds: now, actor: testActor });
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 ? store : other).updateConfig(key, 'race', {
            edit: { kind: 'merge', patch: { [`k${i}`]: i }, maxBytes: 10_000 },
            nowSeconds: now,
            operation: 'merge',
            actor: testActor,
          }),
        ),
      );
      expect(outcomes.every((o) => o.kind === 'ok')).toBe(true);
      const config = await store.getConfig(key, 'race');
      expect(Object.keys(JSON.parse(config!.configJson))).toHaveLength(50);
      expect(config!.version).toBe(51);
    });
  });
});
