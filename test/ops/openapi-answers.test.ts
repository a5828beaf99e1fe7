import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/security/secrets.js';
import { loadSettings } from '../../src/settings.js';
import { channelbackManifest, startChannelbackIntegration } from '../helpers/channelback-integration.js';
import { resource } from '../helpers/fake-integration.js';
import { answerProblems, templateOf, type OpenApiDocument } from '../helpers/openapi.js';
import { createTenant, openTempSqlite, startServer, type Tenant, type TestServer } from '../helpers/server.js';

/**
 * Every documented operation, called for real: each answer's status must be documented for
 * it and its body must match that status's schema. The tour ends by checking that every
 * operation in the document answered its documented success at least once, so a new
 * route whose success is not exercised here fails until a call is added below.
 */
describe('real answers against the OpenAPI document', () => {
  let server: TestServer;
  let cleanup: () => Promise<void>;
  let integration: Awaited<ReturnType<typeof startChannelbackIntegration>>;
  let tenant: Tenant;
  let store: Awaited<ReturnType<typeof openTempSqlite>>['store'];
  let doc: OpenApiDocument;
  const problems: string[] = [];
  const answered = new Set<string>();

  /** One call, checked against the document; answers the parsed body. */
  const check = async (
    method: string,
    path: string,
    options: { auth?: string; body?: unknown; form?: string; headers?: Record<string, string>; expect?: number } = {},
  ) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth) headers.authorization = options.auth;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    if (options.form !== undefined) {
      body = options.form;
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const response = await fetch(server.baseUrl + path, { method, headers, body, redirect: 'manual' });
    const text = await response.text();
    const contentType = response.headers.get('content-type');
    problems.push(...answerProblems(doc, method, path, { status: response.status, text, contentType }));
    answered.add(`${method} ${templateOf(doc, method, path)} ${response.status}`);
    expect(response.status, `${method} ${path}: ${text.slice(0, 300)}`).toBe(options.expect ?? response.status);
    return (contentType?.includes('json') && text ? JSON.parse(text) : text) as any;
  };

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    store = opened.store;
    const settings = loadSettings({});
    server = await startServer(opened.store, { settings: { pull: { ...settings.pull, scheduler: false } } });
    tenant = await createTenant(opened.store, 'acme', []);
    // A second admin token, so that one can be revoked (the last one cannot: 409).
    await opened.store.createAdminToken({
      accountId: tenant.accountId,
      email: 'ops@acme.example',
      tokenHash: hashSecret('sbat_second'),
      nowSeconds: 1_700_000_000,
    });
    integration = await startChannelbackIntegration(channelbackManifest());
    integration.answerPulls(() => ({ body: { external_resources: [resource('m1'), resource('m2')] } }));
    doc = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await server.close();
    await integration.close();
    await cleanup();
  });

  it('answers operations as documented: operations and the ZIS API', async () => {
    await check('GET', '/healthz', { expect: 200 });
    await check('GET', '/readyz', { expect: 200 });
    await check('GET', '/metrics', { expect: 200 });
    await check('GET', '/openapi.json', { expect: 200 });
    await check('GET', '/docs', { expect: 200 });
    await check('GET', '/', { expect: 200 });
    await check('GET', '/', { headers: { accept: 'text/html' }, expect: 303 });

    const admin = { auth: tenant.adminAuth };
    const registered = await check('POST', '/api/services/zis/registry/my_app', { ...admin, expect: 200 });
    await check('POST', '/api/services/zis/registry/my_app', { ...admin, expect: 422 });
    await check('GET', '/api/services/zis/registry/integrations', { ...admin, expect: 200 });
    const clientId = registered.zendesk_oauth_client.id;
    const created = await check('POST', '/api/v2/oauth/tokens.json', {
      ...admin,
      body: { token: { client_id: clientId, scopes: ['read', 'write'] } },
      expect: 201,
    });
    const bearer = { auth: `Bearer ${created.token.full_token}` };
    await check('GET', '/api/v2/oauth/tokens.json', { ...admin, expect: 200 });
    await check('GET', `/api/v2/oauth/tokens/${created.token.id}.json`, { ...admin, expect: 200 });
    await check('GET', '/oauth/authorizations/new?response_type=code&client_id=x', { expect: 302 });
    await check('GET', '/api/v2/oauth/clients.json', { ...admin, expect: 200 });
    await check('GET', `/api/v2/oauth/clients/${clientId}.json`, { ...admin, expect: 200 });
    await check('PUT', `/api/v2/oauth/clients/${clientId}.json`, {
      ...admin,
      body: { client: { redirect_uri: ['https://app.example/callback'] } },
      expect: 200,
    });
    const { client } = await check('PUT', `/api/v2/oauth/clients/${clientId}/generate_secret.json`, {
      ...admin,
      expect: 200,
    });
    await check('POST', '/oauth/tokens', {
      form: `grant_type=client_credentials&client_id=${client.identifier}&client_secret=${client.secret}`,
      expect: 200,
    });
    await check('POST', '/oauth/tokens', { form: 'grant_type=client_credentials', expect: 400 });

    const configs = '/api/services/zis/integrations/my_app/configs';
    await check('GET', `${configs}?filter[scope]=*`, { ...bearer, expect: 404 });
    await check('POST', configs, { ...bearer, body: { scope: 'a', config: { on: true } }, expect: 201 });
    await check('GET', `${configs}?filter[scope]=*`, { ...bearer, expect: 200 });
    const etag = (await fetch(`${server.baseUrl}${configs}/a`, { headers: { authorization: bearer.auth } })).headers;
    await check('GET', `${configs}/a`, { ...bearer, expect: 200 });
    await check('GET', `${configs}/a`, { ...bearer, headers: { 'if-none-match': etag.get('etag')! }, expect: 304 });
    await check('PATCH', `${configs}/a`, { ...bearer, body: { config: { more: 1 } }, expect: 200 });
    await check('PUT', `${configs}/a`, {
      ...bearer,
      body: { config: { on: false } },
      headers: { 'if-match': '"1-1"' },
    });
    await check('PUT', `${configs}/a`, { ...bearer, body: { config: { on: false } }, expect: 200 });
    await check('DELETE', `${configs}/a`, { ...bearer, expect: 204 });
    await check('GET', `${configs}/a`, { ...bearer, expect: 404 });
    await check('GET', `${configs}/a`, { auth: 'Bearer nope', expect: 401 });

    // Config history: revisions newest first, so the last is the create, the first the delete.
    const history = '/api/switchboard/v1/integrations/my_app/configs/a';
    const { revisions } = await check('GET', `${history}/revisions`, { ...bearer, expect: 200 });
    const first = revisions.at(-1).revision;
    await check('GET', `${history}/revisions/${first}`, { ...bearer, expect: 200 });
    await check('GET', `${history}/revisions/99999`, { ...bearer, expect: 404 });
    await check('POST', `${history}/restore`, { ...bearer, body: { revision: revisions[0].revision }, expect: 422 });
    // The config was deleted: restoring recreates it (201); restoring again overwrites it (200).
    await check('POST', `${history}/restore`, { ...bearer, body: { revision: first }, expect: 201 });
    await check('POST', `${history}/restore`, { ...bearer, body: { revision: first }, expect: 200 });

    // The change feed as JSON long-poll: changes at once, then none within a short wait.
    const changes = '/api/switchboard/v1/integrations/my_app/changes';
    const feed = await check('GET', `${changes}?since=${first}&wait=1`, { ...bearer, expect: 200 });
    expect(feed.changes.length).toBeGreaterThan(0);
    expect((await check('GET', `${changes}?wait=1`, { ...bearer, expect: 200 })).changes).toEqual([]);
    // Once compaction removed the changes after `since`: 410, with meta.oldest_revision.
    await store.compactConfigRevisions({
      cutoffSeconds: Math.floor(Date.now() / 1000) + 3600,
      keepPerScope: 1,
      batchSize: 100,
    });
    const gone = await check('GET', `${changes}?since=${first}`, { ...bearer, expect: 410 });
    expect(gone.meta.oldest_revision).toBeGreaterThan(first + 1);
    await check('DELETE', `/api/v2/oauth/tokens/${created.token.id}.json`, { ...admin, expect: 204 });
    await check('DELETE', `/api/v2/oauth/tokens/${created.token.id}.json`, { ...admin, expect: 404 });

    const { admin_tokens: adminTokens } = await check('GET', '/api/switchboard/v1/admin_tokens', { ...admin });
    const second = adminTokens.find((t: { email: string }) => t.email === 'ops@acme.example');
    await check('DELETE', `/api/switchboard/v1/admin_tokens/${second.id}`, { ...admin, expect: 204 });
    const [last] = (await check('GET', '/api/switchboard/v1/admin_tokens', { ...admin })).admin_tokens;
    await check('DELETE', `/api/switchboard/v1/admin_tokens/${last.id}`, { ...admin, expect: 409 });
  });

  it('answers operations as documented: channel integrations', async () => {
    const admin = { auth: tenant.adminAuth };
    const api = '/api/switchboard/v1';
    const { integration: registered } = await check('POST', `${api}/channel_integrations`, {
      ...admin,
      body: { manifest_url: integration.manifestUrl },
      expect: 201,
    });
    const id = registered.id;
    await check('GET', `${api}/channel_integrations`, { ...admin, expect: 200 });
    await check('GET', `${api}/channel_integrations/${id}`, { ...admin, expect: 200 });
    await check('POST', `${api}/channel_integrations/${id}/refresh`, { ...admin, expect: 200 });
    await check('GET', `${api}/channel_integrations/999`, { ...admin, expect: 404 });
    await check('GET', `${api}/channel_integrations/x`, { ...admin, expect: 400 });

    const created = await check('POST', `${api}/instances`, {
      ...admin,
      body: { integration_id: id, name: 'Demo', metadata: '{"k":1}', state: '' },
      expect: 201,
    });
    const instance = created.instance.id;
    const push = { auth: `Bearer ${created.zendesk_access_token}` };
    const pushId = created.instance.instance_push_id;
    await check('POST', `${api}/instances`, { ...admin, body: { integration_id: id }, expect: 422 });
    await check('GET', `${api}/instances`, { ...admin, expect: 200 });
    await check('GET', `${api}/instances/${instance}?include=metadata`, { ...admin, expect: 200 });
    await check('PATCH', `${api}/instances/${instance}`, { ...admin, body: { name: 'Renamed' }, expect: 200 });
    await check('POST', `${api}/instances/${instance}/pull`, { ...admin, expect: 200 });
    await check('GET', `${api}/instances/${instance}/pulls`, { ...admin, expect: 200 });
    const { exchanges } = await check('GET', `${api}/instances/${instance}/exchanges`, { ...admin, expect: 200 });
    await check('GET', `${api}/instances/${instance}/exchanges/${exchanges[0].id}`, { ...admin, expect: 200 });
    const { threads } = await check('GET', `${api}/instances/${instance}/threads`, { ...admin, expect: 200 });
    const thread = threads[0].id;
    const { resources } = await check('GET', `${api}/instances/${instance}/threads/${thread}/resources`, {
      ...admin,
      expect: 200,
    });
    await check('GET', `${api}/instances/${instance}/resources/${resources[0].id}/clickthrough`, {
      ...admin,
      expect: 302,
    });

    const { reply } = await check('POST', `${api}/instances/${instance}/threads/${thread}/replies`, {
      ...admin,
      body: { message: 'Thanks' },
      expect: 202,
    });
    await server.app.channelHost.replySender.sendDue();
    await check('GET', `${api}/instances/${instance}/threads/${thread}/replies`, { ...admin, expect: 200 });
    const { reply: sent } = await check('GET', `${api}/instances/${instance}/replies/${reply.id}`, {
      ...admin,
      expect: 200,
    });
    expect(sent.status).toBe('sent');

    const anyChannel = '/api/v2/any_channel';
    await check('POST', `${anyChannel}/validate_token.json`, {
      ...push,
      body: { instance_push_id: pushId },
      expect: 200,
    });
    await check('POST', `${anyChannel}/validate_token.json`, { body: { instance_push_id: pushId }, expect: 401 });
    await check('POST', `${anyChannel}/push.json`, {
      ...push,
      body: { instance_push_id: pushId, external_resources: [resource('p1')] },
      expect: 200,
    });
    await check('POST', `${anyChannel}/channelback/report_error.json`, {
      ...push,
      body: { instance_push_id: pushId, external_id: sent.external_id, description: 'blocked' },
      expect: 200,
    });
    await check('POST', `${anyChannel}/channelback/report_error.json`, {
      ...push,
      body: { instance_push_id: pushId, external_id: 'unknown' },
      expect: 404,
    });

    await check('POST', `${api}/instances/${instance}/deactivate`, { ...admin, expect: 200 });
    await check('POST', `${api}/instances/${instance}/activate`, { ...admin, expect: 200 });
    await check('GET', `${api}/channel_integrations/${id}/events`, { ...admin, expect: 200 });

    const doctorRun = await check('POST', `${api}/doctor_runs`, {
      ...admin,
      body: { manifest_url: integration.manifestUrl, metadata: '{}', wait_seconds: 0 },
      expect: 202,
    });
    let finished = doctorRun;
    for (let i = 0; i < 100 && finished.status !== 'finished'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      finished = await check('GET', `${api}/doctor_runs/${doctorRun.id}`, { ...admin, expect: 200 });
    }
    expect(finished.report).not.toBeNull();
    await check('GET', `${api}/doctor_runs/no-such-run`, { ...admin, expect: 404 });
    await check('POST', `${api}/doctor_runs`, { ...admin, body: {}, expect: 422 });
    await check('DELETE', `${api}/instances/${instance}`, { ...admin, expect: 204 });
    await check('DELETE', `${api}/channel_integrations/${id}`, { ...admin, expect: 204 });
  });

  it('answers operations as documented: ZIS bundles, job specs, connections, OAuth clients', async () => {
    const admin = { auth: tenant.adminAuth };
    const registered = await check('POST', '/api/services/zis/registry/zis_app', { ...admin, expect: 200 });
    const created = await check('POST', '/api/v2/oauth/tokens.json', {
      ...admin,
      body: { token: { client_id: registered.zendesk_oauth_client.id, scopes: ['read', 'write'] } },
      expect: 201,
    });
    const bearer = { auth: `Bearer ${created.token.full_token}` };
    const bundles = '/api/services/zis/registry/zis_app/bundles';
    const bundle = {
      zis_template_version: '2019-10-14',
      name: 'b',
      resources: {
        f: { type: 'ZIS::Flow', properties: { name: 'f', definition: { StartAt: 'x', States: {} } } },
        j: {
          type: 'ZIS::JobSpec',
          properties: { name: 'j', event_source: 'support', event_type: 'e', flow_name: 'zis:zis_app:flow:f' },
        },
      },
    };
    await check('POST', bundles, { ...admin, body: bundle, expect: 200 });
    await check('POST', bundles, { ...admin, body: { ...bundle, zis_template_version: 'x' }, expect: 422 });
    await check('GET', bundles, { ...bearer, expect: 200 });
    await check('GET', '/api/switchboard/v1/integrations/zis_app/bundles/b/versions', { ...admin, expect: 200 });
    await check('GET', '/api/switchboard/v1/integrations/zis_app/bundles/nope/versions', { ...admin, expect: 404 });
    const install = '/api/services/zis/registry/job_specs/install?job_spec_name=zis:zis_app:job_spec:j';
    await check('POST', install, { ...admin, expect: 200 });
    await check('POST', '/api/services/zis/registry/job_specs/install?job_spec_name=j', { ...admin, expect: 400 });
    await check('GET', '/api/switchboard/v1/integrations/zis_app/job_specs', { ...bearer, expect: 200 });
    await check('DELETE', install, { ...bearer, expect: 200 });

    const connections = '/api/services/zis/integrations/zis_app/connections';
    const kinds = {
      bearer_token: { token: 't' },
      basic_auth: { username: 'u', password: 'p' },
      api_key: { header_name: 'X-K', api_key: 'k' },
    };
    for (const [type, fields] of Object.entries(kinds)) {
      const body = { name: `c_${type}`, allowed_domain: 'api.example.com', ...fields };
      await check('POST', `${connections}/${type}`, { ...bearer, body, expect: 201 });
      await check('POST', `${connections}/${type}`, { ...bearer, body, expect: 409 });
      await check('GET', `${connections}/${type}/c_${type}`, { ...bearer, expect: 200 });
      await check('PATCH', `${connections}/${type}/c_${type}`, {
        ...bearer,
        body: { allowed_domain: 'x.example' },
        expect: 200,
      });
      await check('DELETE', `${connections}/${type}/c_${type}`, { ...bearer, expect: 204 });
      await check('GET', `${connections}/${type}/c_${type}`, { ...bearer, expect: 404 });
    }
    await check('GET', `${connections}/all`, { ...bearer, expect: 200 });
    await check('GET', `${connections}/all`, { ...admin, expect: 403 });

    const clients = '/api/services/zis/connections/oauth/clients/zis_app';
    const client = await check('POST', clients, {
      ...bearer,
      body: { client_id: 'c', client_secret: 's', token_url: 'https://provider.example/token' },
      expect: 201,
    });
    await check('POST', clients, { ...bearer, body: { client_id: 'c' }, expect: 422 });
    await check('GET', clients, { ...bearer, expect: 200 });
    const one = `${clients}/${client.oauth_client.uuid}`;
    await check('GET', one, { ...bearer, expect: 200 });
    await check('PATCH', one, { ...bearer, body: { default_scopes: 'read' }, expect: 200 });
    await check('DELETE', one, { ...bearer, expect: 204 });
    await check('DELETE', one, { ...bearer, expect: 404 });
  });

  it('found every answer as documented, and every operation answered its success', () => {
    expect(problems).toEqual([]);
    const unanswered: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const success = Object.keys(operation.responses).filter((status) => /^[23]\d\d$/.test(status));
        // 304 is a conditional answer; every other success must have been seen.
        const seen = success.filter((status) => answered.has(`${method.toUpperCase()} ${path} ${status}`));
        if (seen.length === 0) unanswered.push(`${method.toUpperCase()} ${path} (${success.join(', ')})`);
      }
    }
    // Each line is an operation this tour never called with success: add a call above.
    expect(unanswered).toEqual([]);
  });
});
