import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerIntegration } from '../../src/accounts/provision.js';
import { systemClock } from '../../src/clock.js';
import { loadSettings } from '../../src/settings.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { defaultManifest, resource, startFakeIntegration } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

// Failed authentications are counted per client address and per credential, and past the
// limit answered 429 with Retry-After; a correct credential is never limited. Clients are
// told apart by X-Forwarded-For (the servers trust the proxy header here).

const configs = '/api/services/zis/integrations/crm/configs?filter[scope]=*';
const limits = { perAddress: 8, perCredential: 5, windowSeconds: 60 };
const from = (address: string) => ({ 'x-forwarded-for': address });
const basic = (email: string, token: string) => 'Basic ' + Buffer.from(`${email}/token:${token}`).toString('base64');

describe.each(storeKinds)('credential guessing, on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let clientId: string;
  let clientSecret: string;
  const settings = () => {
    const defaults = loadSettings({});
    return { trustProxy: true, authFailures: limits, pull: { ...defaults.pull, scheduler: false } };
  };

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store, { settings: settings() });
    tenant = await createTenant(opened.store, 'acme', ['crm']);
    const registered = await registerIntegration(opened.store, systemClock, tenant.accountId, 'other');
    if (registered === 'exists') throw new Error('exists');
    clientId = registered.integration.clientIdentifier;
    clientSecret = registered.clientSecret;
  });
  afterAll(async () => {
    await server.close();
    await opened.cleanup();
  });

  it('answers 429 with Retry-After once an address has guessed too many bearer tokens, and the right token still works', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < limits.perAddress + 2; i++) {
      const guess = await call(server.baseUrl, 'GET', configs, { token: `wrong-${i}`, headers: from('10.0.0.1') });
      statuses.push(guess.status);
      if (guess.status === 429) {
        expect(guess.json.errors[0]).toMatchObject({ status: '429' });
        expect(guess.json.errors[0].detail).toMatch(/try again in \d+ s/);
        expect(Number(guess.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, limits.perAddress)).toEqual(Array(limits.perAddress).fill(401));
    expect(statuses.slice(limits.perAddress)).toEqual([429, 429]);
    // The owner, from the same address, is not held back.
    const right = await call(server.baseUrl, 'GET', configs, { token: tenant.tokens.crm, headers: from('10.0.0.1') });
    expect(right.status).not.toBe(429);
    expect(right.status).not.toBe(401);
    // Another address still gets 401 for a wrong token: the block is per address.
    expect((await call(server.baseUrl, 'GET', configs, { token: 'x', headers: from('10.0.0.2') })).status).toBe(401);
  });

  it("limits guesses of one admin's API token across addresses, never the admin's right token", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < limits.perCredential + 1; i++) {
      const guess = await call(server.baseUrl, 'GET', configs, {
        auth: basic(tenant.adminEmail, `guess-${i}`),
        headers: from(`10.1.0.${i}`),
      });
      statuses.push(guess.status);
    }
    expect(statuses).toEqual([...Array(limits.perCredential).fill(401), 429]);
    const right = await call(server.baseUrl, 'GET', configs, { auth: tenant.adminAuth, headers: from('10.1.0.99') });
    expect([200, 404]).toContain(right.status);
  });

  it('limits OAuth client-secret guesses per client id, and the right secret still gets a token', async () => {
    const grant = (secret: string, address: string) =>
      call(server.baseUrl, 'POST', '/oauth/tokens', {
        body: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
        headers: from(address),
      });
    const statuses: number[] = [];
    for (let i = 0; i < limits.perCredential + 1; i++) statuses.push((await grant(`bad-${i}`, `10.2.0.${i}`)).status);
    expect(statuses).toEqual([...Array(limits.perCredential).fill(401), 429]);
    const right = await grant(clientSecret, '10.2.0.50');
    expect(right.status).toBe(200);
    expect(right.json.access_token).toBeTruthy();
  });

  it('limits push-token guesses on the push API, validate_token and report_error, never the right token', async () => {
    const fake = await startFakeIntegration(defaultManifest());
    try {
      const admin = (path: string, body: unknown) =>
        call(server.baseUrl, 'POST', `/api/switchboard/v1${path}`, { auth: tenant.adminAuth, body });
      const registered = await admin('/channel_integrations', { manifest_url: fake.manifestUrl });
      const created = await admin('/instances', { integration_id: registered.json.integration.id, name: 'Push' });
      expect(created.status).toBe(201);
      const pushId: string = created.json.instance.instance_push_id;
      const rightToken: string = created.json.zendesk_access_token;
      const endpoints = [
        { path: '/api/v2/any_channel/push', body: { external_resources: [resource('g1')] } },
        { path: '/api/v2/any_channel/validate_token', body: {} },
        { path: '/api/v2/any_channel/channelback/report_error', body: { external_id: 'x1' } },
      ];
      const attempt = (i: number, token: string, address: string) =>
        call(server.baseUrl, 'POST', endpoints[i % endpoints.length]!.path, {
          token,
          body: { instance_push_id: pushId, ...endpoints[i % endpoints.length]!.body },
          headers: from(address),
        });

      // Per address: wrong tokens for instance push ids that do not exist, so only the address counts.
      const statuses: number[] = [];
      for (let i = 0; i < limits.perAddress + endpoints.length; i++) {
        const guess = await call(server.baseUrl, 'POST', endpoints[i % endpoints.length]!.path, {
          token: `wrong-${i}`,
          body: { ...endpoints[i % endpoints.length]!.body, instance_push_id: `guess-${i}` },
          headers: from('10.4.0.1'),
        });
        statuses.push(guess.status);
        if (guess.status === 429) {
          expect(guess.json).toMatchObject({ error: 'TooManyRequests' });
          expect(guess.json.description).toMatch(/try again in \d+ s/);
          expect(Number(guess.headers.get('retry-after'))).toBeGreaterThan(0);
        }
      }
      expect(statuses).toEqual([...Array(limits.perAddress).fill(401), ...Array(endpoints.length).fill(429)]);
      // The integration, from the same address, is not held back on any of the three.
      expect((await attempt(0, rightToken, '10.4.0.1')).status).toBe(200);
      expect((await attempt(1, rightToken, '10.4.0.1')).status).toBe(200);
      expect((await attempt(2, rightToken, '10.4.0.1')).status).toBe(404);
      // Another address still gets 401: the block is per address.
      const elsewhere = await call(server.baseUrl, 'POST', endpoints[1]!.path, {
        token: 'wrong',
        body: { instance_push_id: 'guess-x' },
        headers: from('10.4.0.2'),
      });
      expect(elsewhere.status).toBe(401);

      // Per presented token, from many addresses. (The token is checked before the body is
      // read, so a wrong one is never tied to an instance_push_id: it is as wrong for all.)
      const spread: number[] = [];
      for (let i = 0; i < limits.perCredential + 1; i++)
        spread.push((await attempt(i, 'bad-token', `10.5.0.${i}`)).status);
      expect(spread).toEqual([...Array(limits.perCredential).fill(401), 429]);
      expect((await attempt(1, rightToken, '10.5.0.99')).status).toBe(200);
    } finally {
      await fake.close();
    }
  });
});

describe.each(storeKinds.filter((kind) => kind.name === 'postgres'))(
  'credential guessing on two nodes, $name',
  (kind) => {
    let opened: OpenedStore;
    let server: TestServer;
    const settings = () => {
      const defaults = loadSettings({});
      return { trustProxy: true, authFailures: limits, pull: { ...defaults.pull, scheduler: false } };
    };

    beforeAll(async () => {
      opened = await kind.open();
      server = await startServer(opened.store, { settings: settings() });
    });
    afterAll(async () => {
      await server.close();
      await opened.cleanup();
    });

    it('shares the counts between nodes on one database', async () => {
      const second: Store = await openStore(opened.url);
      const other = await startServer(second, { settings: settings() });
      try {
        const address = from('10.3.0.1');
        for (let i = 0; i < limits.perAddress; i++) {
          const node = i % 2 === 0 ? server : other;
          expect((await call(node.baseUrl, 'GET', configs, { token: `n-${i}`, headers: address })).status).toBe(401);
        }
        expect((await call(other.baseUrl, 'GET', configs, { token: 'n-x', headers: address })).status).toBe(429);
        expect((await call(server.baseUrl, 'GET', configs, { token: 'n-y', headers: address })).status).toBe(429);
      } finally {
        await other.close();
        await second.close();
      }
    });
  },
);
