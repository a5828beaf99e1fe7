import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyOf } from './keys.js';
import { countRows } from '../../helpers/raw-sql.js';
import { openEncrypted, testKey } from '../../helpers/encrypted-stores.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../../helpers/server.js';
import { storeKinds } from '../../helpers/stores.js';
import { exampleBundle, secrets } from './zis-registry-fixtures.js';

const registry = '/api/services/zis/registry';
const connections = (integration: string) => `/api/services/zis/integrations/${integration}/connections`;
const clients = (integration: string) => `/api/services/zis/connections/oauth/clients/${integration}`;

describe.each(storeKinds)('ZIS registry routes on $name', (kind) => {
  let opened: Awaited<ReturnType<typeof openEncrypted>>;
  let server: TestServer;
  let acme: Tenant;
  let globex: Tenant;
  /** Every answer's text, to check that no secret was ever returned. */
  const answers: string[] = [];
  const api = async (method: string, path: string, options: Parameters<typeof call>[3] = {}) => {
    const answer = await call(server.baseUrl, method, path, options);
    answers.push(answer.text);
    return answer;
  };
  const acmeToken = () => ({ token: acme.tokens.zap! });

  beforeAll(async () => {
    opened = await openEncrypted(kind, [testKey('k1')]);
    server = await startServer(opened.store);
    acme = await createTenant(opened.store, 'acme', ['zap', 'other']);
    // The same integration name on another account: none of acme's rows may show through.
    globex = await createTenant(opened.store, 'globex', ['zap']);
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  describe('bundles', () => {
    it('uploads with admin basic auth (200, empty), lists the newest per name, keeps older versions', async () => {
      const first = await api('POST', `${registry}/zap/bundles`, { auth: acme.adminAuth, body: exampleBundle('zap') });
      expect(first.status).toBe(200);
      expect(first.text).toBe('');
      const again = await api('POST', `${registry}/zap/bundles`, {
        ...acmeToken(),
        body: exampleBundle('zap', 'example bundle', 'Hello again'),
      });
      expect(again.status).toBe(200);
      await api('POST', `${registry}/zap/bundles`, { auth: acme.adminAuth, body: exampleBundle('zap', 'second') });

      const list = await api('GET', `${registry}/zap/bundles`, { auth: acme.adminAuth });
      expect(list.status).toBe(200);
      expect(list.json.bundles.map((b: { name: string }) => b.name)).toEqual(['example bundle', 'second']);
      const [updated] = list.json.bundles;
      expect(updated).toMatchObject({
        name: 'example bundle',
        integration: 'zap',
        zendesk_account_id: acme.accountId,
        zis_template_version: '2019-10-14',
      });
      expect(updated.resources.example_flow.properties.definition.States.HelloWorld.Result).toBe('Hello again');
      expect(list.json.meta).toEqual({ has_more: false, after: null, before: null });

      const paged = await api('GET', `${registry}/zap/bundles?page[size]=1`, acmeToken());
      expect(paged.json.bundles).toHaveLength(1);
      expect(paged.json.meta).toMatchObject({ has_more: true, after: 'example bundle' });
      const next = await api('GET', `${registry}/zap/bundles?page[size]=1&page[after]=example%20bundle`, acmeToken());
      expect(next.json.bundles.map((b: { name: string }) => b.name)).toEqual(['second']);

      const versions = await api('GET', '/api/switchboard/v1/integrations/zap/bundles/example%20bundle/versions', {
        auth: acme.adminAuth,
      });
      expect(versions.status).toBe(200);
      expect(versions.json.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect(versions.json.versions[1].resources.example_flow.properties.definition.States.HelloWorld.Result).toBe(
        'Hello World!',
      );
      expect(new Set(versions.json.versions.map((v: { uuid: string }) => v.uuid)).size).toBe(1);
    });

    it.each([
      [{ ...exampleBundle('zap'), zis_template_version: '2020-01-01' }, 'zis_template_version'],
      [{ ...exampleBundle('zap'), name: undefined }, '"name"'],
      [{ ...exampleBundle('zap'), resources: {} }, '"resources"'],
      [{ ...exampleBundle('zap'), resources: { x: { type: 'ZIS::Nope', properties: {} } } }, 'resources.x.type'],
      [
        { ...exampleBundle('zap'), resources: { j: { type: 'ZIS::JobSpec', properties: { name: 'j' } } } },
        'resources.j.properties.event_source',
      ],
      [exampleBundle('someone_else'), 'flow_name'],
    ])('refuses an invalid bundle (422 naming %#) and stores nothing', async (body, named) => {
      const before = await countRows(opened.url, 'zis_bundles', 'true');
      const refused = await api('POST', `${registry}/zap/bundles`, { auth: acme.adminAuth, body });
      expect(refused.status).toBe(422);
      expect(refused.json.errors[0].status).toBe('422');
      expect(refused.json.errors[0].detail).toContain(named);
      expect(await countRows(opened.url, 'zis_bundles', 'true')).toBe(before);
    });

    it("answers 404 for another account's integration and 403 for another integration's token", async () => {
      const other = await api('GET', `${registry}/unregistered/bundles`, { auth: globex.adminAuth });
      expect(other.status).toBe(404);
      const globexList = await api('GET', `${registry}/zap/bundles`, { auth: globex.adminAuth });
      expect(globexList.status).toBe(200);
      expect(globexList.json.bundles).toEqual([]);
      const versions = await api('GET', '/api/switchboard/v1/integrations/zap/bundles/second/versions', {
        token: globex.tokens.zap!,
      });
      expect(versions.status).toBe(404);
      const wrongToken = await api('POST', `${registry}/zap/bundles`, {
        token: acme.tokens.other!,
        body: exampleBundle('zap'),
      });
      expect(wrongToken.status).toBe(403);
    });
  });

  describe('job specs', () => {
    const install = (name: string) => `${registry}/job_specs/install?job_spec_name=${encodeURIComponent(name)}`;
    const state = async (tenant: Tenant) =>
      (await api('GET', '/api/switchboard/v1/integrations/zap/job_specs', { auth: tenant.adminAuth })).json.job_specs;

    it('installs and uninstalls a job spec an uploaded bundle declares; the state reads back', async () => {
      const installed = await api('POST', install('zis:zap:job_spec:my_job_spec'), { auth: acme.adminAuth });
      expect(installed.status).toBe(200);
      expect(installed.text).toBe('');
      expect(await state(acme)).toContainEqual(
        expect.objectContaining({
          name: 'zis:zap:job_spec:my_job_spec',
          installed: true,
          flow_name: 'zis:zap:flow:my_flow',
        }),
      );
      // Again: no change. With a ZIS token too.
      expect((await api('POST', install('zis:zap:job_spec:my_job_spec'), acmeToken())).status).toBe(200);
      expect((await api('DELETE', install('zis:zap:job_spec:my_job_spec'), acmeToken())).status).toBe(200);
      expect((await state(acme)).every((spec: { installed: boolean }) => !spec.installed)).toBe(true);
      await api('POST', install('zis:zap:job_spec:my_job_spec'), acmeToken());
    });

    it('refuses a malformed name (400), an undeclared job spec (404), another account (404)', async () => {
      const malformed = await api('POST', install('my_job_spec'), { auth: acme.adminAuth });
      expect(malformed.status).toBe(400);
      expect(malformed.json.errors[0].detail).toContain('zis:{integration}:job_spec:{name}');
      const missing = await api('POST', `${registry}/job_specs/install`, { auth: acme.adminAuth });
      expect(missing.status).toBe(400);
      expect(missing.json.errors[0].detail).toContain('job_spec_name');
      const undeclared = await api('POST', install('zis:zap:job_spec:nope'), { auth: acme.adminAuth });
      expect(undeclared.status).toBe(404);
      expect(undeclared.json.errors[0].detail).toContain('nope');
      // globex has an integration "zap" but no bundle: acme's job spec is not its.
      const other = await api('POST', install('zis:zap:job_spec:my_job_spec'), { auth: globex.adminAuth });
      expect(other.status).toBe(404);
      expect(await state(globex)).toEqual([]);
    });
  });

  describe('connections', () => {
    const kinds = [
      ['bearer_token', { token: secrets.bearer }, 'token', { token: 'changed-bearer' }],
      ['basic_auth', { username: 'me@example.com', password: secrets.password }, 'password', { username: 'you' }],
      ['api_key', { header_name: 'X-Api-Key', api_key: secrets.apiKey }, 'api_key', { header_name: 'X-Key' }],
    ] as const;

    it.each(kinds)(
      'creates, shows, updates and deletes a %s connection, never returning its secret',
      async (type, fields, secret, change) => {
        const created = await api('POST', `${connections('zap')}/${type}`, {
          ...acmeToken(),
          body: { name: `my_${type}`, allowed_domain: 'api.example.com', ...fields },
        });
        expect(created.status).toBe(201);
        expect(created.json[type]).toMatchObject({
          name: `my_${type}`,
          allowed_domain: 'api.example.com',
          [secret]: '*****',
        });
        expect(created.json[type].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

        const shown = await api('GET', `${connections('zap')}/${type}/my_${type}`, acmeToken());
        expect(shown.status).toBe(200);
        expect(shown.json[type][secret]).toBe('*****');

        const updated = await api('PATCH', `${connections('zap')}/${type}/my_${type}`, {
          ...acmeToken(),
          body: { ...change, allowed_domain: '*.example.org' },
        });
        expect(updated.status).toBe(200);
        expect(updated.json[type].allowed_domain).toBe('*.example.org');

        const duplicate = await api('POST', `${connections('zap')}/${type}`, {
          ...acmeToken(),
          body: { name: `my_${type}`, allowed_domain: 'api.example.com', ...fields },
        });
        expect(duplicate.status).toBe(409);
        expect(duplicate.json.errors[0].detail).toContain(`my_${type}`);

        // Another account's token for an integration of the same name: 404.
        const foreign = await api('GET', `${connections('zap')}/${type}/my_${type}`, { token: globex.tokens.zap! });
        expect(foreign.status).toBe(404);
        expect(
          (await api('DELETE', `${connections('zap')}/${type}/my_${type}`, { token: globex.tokens.zap! })).status,
        ).toBe(404);

        const all = await api('GET', `${connections('zap')}/all`, acmeToken());
        expect(all.json[type].map((c: { name: string }) => c.name)).toEqual([`my_${type}`]);
        expect(all.json.oauth).toEqual([]);

        expect((await api('DELETE', `${connections('zap')}/${type}/my_${type}`, acmeToken())).status).toBe(204);
        expect((await api('GET', `${connections('zap')}/${type}/my_${type}`, acmeToken())).status).toBe(404);
        // Kept for the encryption checks below.
        await api('POST', `${connections('zap')}/${type}`, {
          ...acmeToken(),
          body: { name: `kept_${type}`, allowed_domain: 'api.example.com', ...fields },
        });
      },
    );

    it.each([
      [{ name: 'x', allowed_domain: 'api.example.com' }, 'token'],
      [{ name: 'bad name!', allowed_domain: 'api.example.com', token: 't' }, 'name'],
      [{ name: 'x', allowed_domain: 'https://api.example.com/', token: 't' }, 'allowed_domain'],
      [{ name: 'x', allowed_domain: 'api.example.com', token: 'a\u0000b' }, 'NUL'],
    ])('refuses a bad body with 422 naming the field (%#) and stores nothing', async (body, named) => {
      const before = await countRows(opened.url, 'zis_connections', 'true');
      const refused = await api('POST', `${connections('zap')}/bearer_token`, { ...acmeToken(), body });
      expect(refused.status).toBe(422);
      expect(refused.json.errors[0].detail).toContain(named);
      expect(await countRows(opened.url, 'zis_connections', 'true')).toBe(before);
    });

    it('takes a ZIS token of the integration only: admin credentials 403, another integration 403', async () => {
      const admin = await api('GET', `${connections('zap')}/all`, { auth: acme.adminAuth });
      expect(admin.status).toBe(403);
      expect(admin.json.errors[0].detail).toContain('ZIS OAuth access token');
      expect((await api('GET', `${connections('zap')}/all`, { token: acme.tokens.other! })).status).toBe(403);
      expect((await api('GET', `${connections('zap')}/all`)).status).toBe(401);
    });
  });

  describe('ZIS OAuth clients', () => {
    it('creates, lists, shows, updates and deletes, never returning the client secret', async () => {
      const created = await api('POST', clients('zap'), {
        ...acmeToken(),
        body: {
          name: 'slack',
          client_id: 'slack-client',
          client_secret: secrets.clientSecret,
          auth_url: 'https://{{subdomain}}.slack.example/oauth/authorize',
          token_url: 'https://slack.example/api/oauth.access',
          default_scopes: 'read write',
        },
      });
      expect(created.status).toBe(201);
      const client = created.json.oauth_client;
      expect(client).toMatchObject({
        name: 'slack',
        client_id: 'slack-client',
        client_secret: '*****',
        grant_type: 'authorization_code',
      });
      const list = await api('GET', clients('zap'), acmeToken());
      expect(list.json.oauth_clients.map((c: { uuid: string }) => c.uuid)).toEqual([client.uuid]);
      const updated = await api('PATCH', `${clients('zap')}/${client.uuid}`, {
        ...acmeToken(),
        body: { default_scopes: 'read', grant_type: 'client_credentials' },
      });
      expect(updated.status).toBe(200);
      expect(updated.json.oauth_client).toMatchObject({ default_scopes: 'read', grant_type: 'client_credentials' });
      expect((await api('GET', `${clients('zap')}/${client.uuid}`, { token: globex.tokens.zap! })).status).toBe(404);
      expect((await api('GET', clients('zap'), { token: globex.tokens.zap! })).json.oauth_clients).toEqual([]);
      expect((await api('DELETE', `${clients('zap')}/${client.uuid}`, acmeToken())).status).toBe(204);
      expect((await api('GET', `${clients('zap')}/${client.uuid}`, acmeToken())).status).toBe(404);
      await api('POST', clients('zap'), {
        ...acmeToken(),
        body: { client_id: 'kept', client_secret: secrets.clientSecret, token_url: 'https://slack.example/token' },
      });
    });

    it.each([
      [{ client_id: 'c', client_secret: 's' }, 'token_url'],
      [{ client_id: 'c', client_secret: 's', token_url: 'ftp://x' }, 'token_url'],
      [{ client_id: 'c', client_secret: 's', token_url: 'https://x', grant_type: 'password' }, 'grant_type'],
    ])('refuses a bad body with 422 naming the field (%#)', async (body, named) => {
      const refused = await api('POST', clients('zap'), { ...acmeToken(), body });
      expect(refused.status).toBe(422);
      expect(refused.json.errors[0].detail).toContain(named);
    });
  });

  describe('secrets', () => {
    it('were never returned in any answer', () => {
      const all = answers.join('\n');
      for (const secret of Object.values(secrets)) expect(all).not.toContain(secret);
    });

    it('are stored only as ciphertext: raw SQL finds no plaintext', async () => {
      expect(await countRows(opened.url, 'zis_connections', 'true')).toBe(3);
      expect(await countRows(opened.url, 'zis_connections', "secret LIKE 'enc:v1:k1:%'")).toBe(3);
      expect(await countRows(opened.url, 'zis_oauth_clients', "client_secret LIKE 'enc:v1:k1:%'")).toBe(1);
      for (const secret of Object.values(secrets)) {
        expect(await countRows(opened.url, 'zis_connections', `secret LIKE '%${secret}%'`)).toBe(0);
        expect(await countRows(opened.url, 'zis_oauth_clients', `client_secret LIKE '%${secret}%'`)).toBe(0);
      }
      // Behind the store's wrapper they read back as written.
      const stored = await opened.store.zisRegistry.listConnections(keyOf(acme, 'zap'));
      expect(stored.map((c) => c.secret).sort()).toEqual([secrets.apiKey, secrets.password, secrets.bearer].sort());
    });
  });
});
