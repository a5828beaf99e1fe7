import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { loadSettings } from '../../src/settings.js';
import { startFakeIntegration } from '../helpers/fake-integration.js';
import { call, createTenant, type Tenant } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const api = '/api/switchboard/v1';

describe.each(storeKinds)('hostile channel input, on $name', (kind) => {
  let opened: OpenedStore;
  let app: FastifyInstance;
  let baseUrl: string;
  let tenant: Tenant;
  let fake: Awaited<ReturnType<typeof startFakeIntegration>>;
  const lines: string[] = [];
  const admin = (method: string, path: string, body?: unknown) =>
    call(baseUrl, method, `${api}${path}`, { auth: tenant.adminAuth, body });

  beforeAll(async () => {
    opened = await kind.open();
    tenant = await createTenant(opened.store, 'acme', []);
    fake = await startFakeIntegration();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const settings = loadSettings({});
    app = await buildApp({
      store: opened.store,
      settings: { ...settings, pull: { ...settings.pull, scheduler: false } },
      loggerInstance: pino({ level: 'info' }, sink),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app.close();
    await fake.close();
    await opened.cleanup();
  });

  it.each([
    ['an escaped NUL at the end', '\u0000', '0000'],
    ['a NUL in the middle', '\u0000x', '0000'],
    ['a trailing newline', '\n', '000A'],
  ])('refuses a manifest_url with %s: 422 naming the character, nothing stored, no 500', async (_n, suffix, code) => {
    const response = await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl + suffix });
    expect(response.status).toBe(422);
    expect(response.json.errors[0].detail).toContain(`U+${code}`);
    expect((await admin('GET', '/channel_integrations')).json.integrations).toEqual([]);
    expect(lines.join('')).not.toContain('"level":50');
  });

  it("writes a failed pull's reason to the process log as well as the pull log", async () => {
    const integrationId = (await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl })).json
      .integration.id;
    const id = (
      await admin('POST', '/instances', { integration_id: integrationId, name: 'x', metadata: 'm', state: 's' })
    ).json.instance.id;
    fake.answerPulls(() => ({ status: 503, body: 'down for maintenance' }));
    const pull = await admin('POST', `/instances/${id}/pull`);
    expect(pull.json.pull.outcome).toBe('failed');
    const logged = lines
      .map((line) => JSON.parse(line) as { msg: string; instance_id?: number; error?: string; pull_id?: number })
      .find((entry) => entry.msg === 'pull failed');
    expect(logged).toMatchObject({ instance_id: id, pull_id: pull.json.pull.id, error: pull.json.pull.error });
    expect(logged!.error).toContain('503');
  });

  it('never quotes an answer that is not JSON in the pull log (it may echo metadata)', async () => {
    const integrationId = (await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl })).json
      .integration.id;
    const id = (
      await admin('POST', '/instances', { integration_id: integrationId, name: 'y', metadata: 'm', state: 's' })
    ).json.instance.id;
    fake.answerPulls(() => ({ body: 'echoed-secret-metadata-value' }));
    const pull = await admin('POST', `/instances/${id}/pull`);
    expect(pull.json.pull.outcome).toBe('failed');
    expect(pull.json.pull.error).toContain('not JSON');
    expect(pull.json.pull.error).not.toContain('echoed-secret');
    expect(lines.join('')).not.toContain('echoed-secret');
  });
});
