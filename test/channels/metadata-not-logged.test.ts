import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { loadSettings } from '../../src/settings.js';
import { resource, startFakeIntegration } from '../helpers/fake-integration.js';
import { call, createTenant, openTempSqlite, type Tenant } from '../helpers/server.js';

const secretMetadata = 'metadata-that-must-never-be-logged';
const secretState = 'state-that-must-never-be-logged';

describe('metadata and state stay out of the logs', () => {
  let app: FastifyInstance;
  let baseUrl: string;
  let tenant: Tenant;
  let cleanup: () => Promise<void>;
  let fake: Awaited<ReturnType<typeof startFakeIntegration>>;
  const lines: string[] = [];

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    tenant = await createTenant(opened.store, 'acme', []);
    fake = await startFakeIntegration();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    app = await buildApp({
      store: opened.store,
      settings: loadSettings({ LOG_LEVEL: 'trace' }),
      loggerInstance: pino({ level: 'trace' }, sink),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app.close();
    await fake.close();
    await cleanup();
  });

  it('logs requests, pulls and failures without either value', async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      call(baseUrl, method, `/api/switchboard/v1${path}`, { auth: tenant.adminAuth, body });
    const integrationId = (await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl })).json
      .integration.id;
    const created = await admin('POST', '/instances', {
      integration_id: integrationId,
      name: 'x',
      metadata: secretMetadata,
      state: secretState,
    });
    const id = created.json.instance.id;
    fake.answerPulls(() => ({ body: { external_resources: [resource('r1')], metadata: `${secretMetadata}-2` } }));
    await admin('POST', `/instances/${id}/pull`);
    fake.answerPulls(() => ({ status: 500, body: secretMetadata }));
    await admin('POST', `/instances/${id}/pull`);
    await admin('PATCH', `/instances/${id}`, { metadata: 'x'.repeat(5001) });
    await admin('GET', `/instances/${id}?include=metadata`);

    const log = lines.join('');
    expect(log).toContain('"msg":"request"');
    expect(log).not.toContain(secretMetadata);
    expect(log).not.toContain(secretState);
  });
});
