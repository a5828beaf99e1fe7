import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/settings.js';
import { startFakeIntegration } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

/** One request with the Host header of our choosing (fetch will not send one). */
function withHost(
  baseUrl: string,
  method: string,
  path: string,
  host: string,
  auth: string,
): Promise<{ status: number; text: string }> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { host, authorization: auth, 'content-length': 0 } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A JSON POST with the Host header of our choosing. */
function postWithHost(
  baseUrl: string,
  path: string,
  host: string,
  auth: string,
  body: unknown,
): Promise<{ status: number; text: string }> {
  const { port } = new URL(baseUrl);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers = {
      host,
      authorization: auth,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    };
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
      let answer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (answer += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, text: answer }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const configs = '/api/services/zis/integrations/sync/configs';

/**
 * Absolute links (links.next, a token's url, the admin UI's return_url, the OpenAPI servers)
 * must never point at whatever Host a client sent: a forged `Host: evil.example` would make
 * a client follow the next page, or a browser post an instance's metadata, to another site.
 */
describe.each(storeKinds)('absolute links and the Host header on $name', (kind) => {
  let opened: OpenedStore;
  let acme: Tenant;
  let integrationId: number;
  const fake = startFakeIntegration();
  const servers: TestServer[] = [];
  const start = async (settings: Partial<Settings>) => {
    const server = await startServer(opened.store, { settings });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    opened = await kind.open();
    acme = await createTenant(opened.store, 'acme', ['sync']);
    await createTenant(opened.store, 'other', []);
    const server = await start({});
    for (const scope of ['page_1', 'page_2']) {
      const created = await call(server.baseUrl, 'POST', configs, {
        token: acme.tokens.sync,
        body: { scope, config: {} },
      });
      expect(created.status).toBe(201);
    }
    // A second ZIS token, so the token list has a next page.
    const client = (await opened.store.findIntegration(acme.accountId, 'sync'))!;
    const issued = await call(server.baseUrl, 'POST', '/api/v2/oauth/tokens', {
      auth: acme.adminAuth,
      body: { token: { client_id: client.id, scopes: ['read'] } },
    });
    expect(issued.status).toBe(201);
    const registered = await call(server.baseUrl, 'POST', '/api/switchboard/v1/channel_integrations', {
      auth: acme.adminAuth,
      body: { manifest_url: `${(await fake).base}/integration/manifest.json` },
    });
    expect(registered.status).toBe(201);
    integrationId = registered.json.integration.id;
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await (await fake).close();
    await opened?.cleanup();
  });

  /** Every absolute link the API builds, as answered to a request with this Host. */
  const linksFor = async (server: TestServer, host: string) => {
    const bearer = `Bearer ${acme.tokens.sync}`;
    const page = await withHost(server.baseUrl, 'GET', `${configs}?filter[scope]=page_*&page[size]=1`, host, bearer);
    const tokens = await withHost(server.baseUrl, 'GET', '/api/v2/oauth/tokens?page[size]=1', host, acme.adminAuth);
    const handOff = await withHost(
      server.baseUrl,
      'POST',
      `/console/channel_integrations/${integrationId}/admin_ui`,
      host,
      acme.adminAuth,
    );
    const openApi = await withHost(server.baseUrl, 'GET', '/openapi.json', host, '');
    for (const answer of [page, tokens, handOff, openApi]) expect(answer.status).toBe(200);
    const configList = JSON.parse(page.text);
    const tokenList = JSON.parse(tokens.text);
    return {
      answers: [page.text, tokens.text, handOff.text, openApi.text].join('\n'),
      links: [
        configList.links.next,
        configList.next,
        tokenList.links.next,
        tokenList.tokens[0].url,
        /name="return_url" value="([^"]+)"/.exec(handOff.text)![1]!,
        JSON.parse(openApi.text).servers[0].url,
      ] as string[],
    };
  };

  it('never puts a forged Host in a link: the listen address instead', async () => {
    const server = await start({});
    const { answers, links } = await linksFor(server, 'evil.example');
    expect(answers).not.toContain('evil.example');
    for (const link of links) expect(link.startsWith(server.baseUrl)).toBe(true);
  });

  it('uses SWITCHBOARD_PUBLIC_URL when it is set', async () => {
    const server = await start({ publicUrl: 'https://switchboard.example.com' });
    const { answers, links } = await linksFor(server, 'evil.example');
    expect(answers).not.toContain('evil.example');
    for (const link of links) expect(link).toMatch(/^https:\/\/switchboard\.example\.com(\/|$)/);
    expect(links[0]).toBe(
      `https://switchboard.example.com${configs}?filter%5Bscope%5D=page_*&page%5Bafter%5D=${links[0]!.match(/after%5D=(\d+)/)![1]}&page%5Bsize%5D=1`,
    );
  });

  it("keeps a Host that is the account's own subdomain, and falls back for any other", async () => {
    const server = await start({ baseDomain: 'switchboard.test', publicUrl: 'https://switchboard.example.com' });
    const port = new URL(server.baseUrl).port;
    const own = await linksFor(server, `acme.switchboard.test:${port}`);
    for (const link of own.links) expect(link).toMatch(new RegExp(`^http://acme\\.switchboard\\.test:${port}(/|$)`));
    // Not under the base domain at all (or the bare base domain): the public URL.
    for (const host of ['evil.example', 'switchboard.test', 'acme.switchboard.test.evil.example']) {
      const { answers, links } = await linksFor(server, host);
      expect(answers).not.toContain(host === 'switchboard.test' ? '//switchboard.test' : 'evil.example');
      for (const link of links) expect(link).toMatch(/^https:\/\/switchboard\.example\.com(\/|$)/);
    }
  });

  it("answers 404 for another account's subdomain, as before; OpenAPI keeps only an existing account's", async () => {
    const server = await start({ baseDomain: 'switchboard.test' });
    const bearer = `Bearer ${acme.tokens.sync}`;
    for (const host of ['other.switchboard.test', 'nobody.switchboard.test']) {
      const page = await withHost(server.baseUrl, 'GET', `${configs}?filter[scope]=page_*&page[size]=1`, host, bearer);
      expect(page.status).toBe(404);
      // The OpenAPI document needs no account: an unknown subdomain is not kept in its servers.
      const openApi = await withHost(server.baseUrl, 'GET', '/openapi.json', host, '');
      expect(JSON.parse(openApi.text).servers[0].url.startsWith(server.baseUrl)).toBe(
        host === 'other.switchboard.test' ? false : true,
      );
    }
  });

  it("refuses a push token on another account's subdomain as it refuses a wrong token (401)", async () => {
    const server = await start({ baseDomain: 'switchboard.test' });
    const created = await call(server.baseUrl, 'POST', '/api/switchboard/v1/instances', {
      auth: acme.adminAuth,
      body: { integration_id: integrationId, name: 'host-checked' },
    });
    expect(created.status).toBe(201);
    const bearer = `Bearer ${created.json.zendesk_access_token}`;
    const body = { instance_push_id: created.json.instance.instance_push_id };
    const path = '/api/v2/any_channel/validate_token';
    for (const host of ['other.switchboard.test', 'nobody.switchboard.test']) {
      expect((await postWithHost(server.baseUrl, path, host, bearer, body)).status).toBe(401);
    }
    expect((await postWithHost(server.baseUrl, path, 'acme.switchboard.test', bearer, body)).status).toBe(200);
    // No account in the Host (the listen address): the token alone decides, as before.
    expect((await postWithHost(server.baseUrl, path, '127.0.0.1', bearer, body)).status).toBe(200);
  });

  it("refuses an OAuth client on another account's subdomain as it refuses a wrong secret (401)", async () => {
    const server = await start({ baseDomain: 'switchboard.test' });
    const registered = await call(server.baseUrl, 'POST', '/api/services/zis/registry/host_checked', {
      auth: acme.adminAuth,
      body: { description: 'Host rule' },
    });
    expect(registered.status).toBe(200);
    const { identifier, secret } = registered.json.zendesk_oauth_client;
    const body = { grant_type: 'client_credentials', client_id: identifier, client_secret: secret };
    for (const host of ['other.switchboard.test', 'nobody.switchboard.test']) {
      const refused = await postWithHost(server.baseUrl, '/oauth/tokens', host, '', body);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text).error).toBe('invalid_client');
    }
    expect((await postWithHost(server.baseUrl, '/oauth/tokens', 'acme.switchboard.test', '', body)).status).toBe(200);
    expect((await postWithHost(server.baseUrl, '/oauth/tokens', '127.0.0.1', '', body)).status).toBe(200);
  });
});
