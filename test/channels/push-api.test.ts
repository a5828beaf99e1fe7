import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { defaultManifest, resource, startFakeIntegration } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const api = '/api/switchboard/v1';
const pushPath = '/api/v2/any_channel/push';
const validatePath = '/api/v2/any_channel/validate_token';

interface PushInstance {
  id: number;
  pushId: string;
  token: string;
}

/**
 * The Channel framework push API through a real server on each store: one result per
 * resource in order, halting after the first failure, threading like a pull, idempotent
 * request ids (also for concurrent copies), and the refusals of the whole request.
 */
describe.each(storeKinds)('push API on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let fake: Awaited<ReturnType<typeof startFakeIntegration>>;
  let integrationId: number;
  const admin = (method: string, path: string, body?: unknown) =>
    call(server.baseUrl, method, `${api}${path}`, { auth: tenant.adminAuth, body });
  const push = (instance: PushInstance, body: Record<string, unknown>, path = pushPath) =>
    call(server.baseUrl, 'POST', path, { token: instance.token, body: { instance_push_id: instance.pushId, ...body } });
  const newInstance = async (name: string): Promise<PushInstance> => {
    const created = await admin('POST', '/instances', { integration_id: integrationId, name });
    expect(created.status).toBe(201);
    return {
      id: created.json.instance.id,
      pushId: created.json.instance.instance_push_id,
      token: created.json.zendesk_access_token,
    };
  };
  /** Every stored resource of the instance, in the order stored, through the threads API. */
  const resourcesOf = async (instance: PushInstance) => {
    const all: { id: number; external_id: string }[] = [];
    for (const thread of await threadsOf(instance)) {
      all.push(...(await admin('GET', `/instances/${instance.id}/threads/${thread.id}/resources`)).json.resources);
    }
    return all.sort((a, b) => a.id - b.id);
  };
  const threadsOf = async (instance: PushInstance) =>
    (await admin('GET', `/instances/${instance.id}/threads`)).json.threads as {
      id: number;
      thread_key: string;
      resource_count: number;
    }[];
  const codes = (response: { json: { results: { status: { code: string } }[] } }) =>
    response.json.results.map((result) => result.status.code);

  beforeAll(async () => {
    opened = await kind.open();
    const settings = loadSettings({});
    server = await startServer(opened.store, { settings: { pull: { ...settings.pull, scheduler: false } } });
    tenant = await createTenant(opened.store, 'acme', []);
    fake = await startFakeIntegration({ ...defaultManifest(), push_client_id: 'fake-push-client' });
    const registered = await admin('POST', '/channel_integrations', { manifest_url: fake.manifestUrl });
    integrationId = registered.json.integration.id;
  });
  afterAll(async () => {
    await server.close();
    await fake.close();
    await opened.cleanup();
  });

  it('answers one result per resource, in order, and halts after the first failure', async () => {
    const instance = await newInstance('Codes');
    const answer = await push(instance, {
      external_resources: [
        resource('m1'),
        resource('m1'),
        resource('m2', { parent_id: 'm1' }),
        resource('m3', { thread_id: 'conversation-1' }),
        resource('m4', { thread_id: 'conversation-1' }),
        resource('m5', { message: '' }),
        resource('m6'),
        resource('m7', { parent_id: 'm1' }),
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.results).toEqual([
      { external_resource_id: 'm1', status: { code: 'success' } },
      {
        external_resource_id: 'm1',
        status: { code: 'already_imported', description: 'external_id "m1" was already imported; nothing changed' },
      },
      { external_resource_id: 'm2', status: { code: 'success' } },
      { external_resource_id: 'm3', status: { code: 'success' } },
      { external_resource_id: 'm4', status: { code: 'success' } },
      {
        external_resource_id: 'm5',
        status: {
          code: 'processing_error',
          description: 'external_resources[5].message: must be 1–65535 characters; got 0',
        },
      },
      {
        external_resource_id: 'm6',
        status: { code: 'halted', description: 'not processed because processing of previous resources failed' },
      },
      {
        external_resource_id: 'm7',
        status: { code: 'halted', description: 'not processed because processing of previous resources failed' },
      },
    ]);
    expect((await resourcesOf(instance)).map((r) => r.external_id)).toEqual(['m1', 'm2', 'm3', 'm4']);
    const threads = await threadsOf(instance);
    expect(threads.map((t) => [t.thread_key, t.resource_count])).toEqual([
      ['m1', 2],
      ['conversation-1', 2],
    ]);
    const inThread = await admin('GET', `/instances/${instance.id}/threads/${threads[1]!.id}/resources`);
    expect(inThread.json.resources.map((r: { external_id: string }) => r.external_id)).toEqual(['m3', 'm4']);
  });

  it('does not halt on resources already imported by an earlier push', async () => {
    const instance = await newInstance('Already');
    expect(codes(await push(instance, { external_resources: [resource('a1')] }))).toEqual(['success']);
    const again = await push(instance, { external_resources: [resource('a1'), resource('a2', { parent_id: 'a1' })] });
    expect(codes(again)).toEqual(['already_imported', 'success']);
    const threads = await threadsOf(instance);
    expect(threads.map((t) => [t.thread_key, t.resource_count])).toEqual([['a1', 2]]);
  });

  it('names an unknown parent and stores nothing after it', async () => {
    const instance = await newInstance('Parents');
    const answer = await push(instance, {
      external_resources: [resource('p1'), resource('p2', { parent_id: 'ghost-parent' }), resource('p3')],
    });
    expect(codes(answer)).toEqual(['success', 'could_not_locate_parent_external_resource', 'halted']);
    expect(answer.json.results[1].status.description).toContain('"ghost-parent"');
    expect((await resourcesOf(instance)).map((r) => r.external_id)).toEqual(['p1']);
  });

  it('opens a thread for a new thread_id that a later push joins, and a later pull finds duplicates', async () => {
    const instance = await newInstance('Threads');
    expect(codes(await push(instance, { external_resources: [resource('t1', { thread_id: 'chat-9' })] }))).toEqual([
      'success',
    ]);
    expect(codes(await push(instance, { external_resources: [resource('t2', { thread_id: 'chat-9' })] }))).toEqual([
      'success',
    ]);
    const [thread] = await threadsOf(instance);
    expect(thread).toMatchObject({ thread_key: 'chat-9', resource_count: 2 });
    const stored = await admin('GET', `/instances/${instance.id}/threads/${thread!.id}/resources`);
    expect(stored.json.resources.map((r: { external_id: string }) => r.external_id)).toEqual(['t1', 't2']);

    fake.answerPulls(() => ({ body: { external_resources: [resource('t1'), resource('t3', { parent_id: 't2' })] } }));
    const pulled = await admin('POST', `/instances/${instance.id}/pull`);
    expect(pulled.json.pull).toMatchObject({ outcome: 'ok', resources_stored: 1, duplicates: 1 });
    expect((await threadsOf(instance))[0]).toMatchObject({ thread_key: 'chat-9', resource_count: 3 });
  });

  it('answers a repeated request_id with the same body with the stored results, storing nothing twice', async () => {
    const instance = await newInstance('Idempotent');
    const first = await push(instance, { request_id: 'req-1', external_resources: [resource('r1'), resource('r2')] });
    expect(codes(first)).toEqual(['success', 'success']);
    // The same body with its keys in another order is the same push.
    const reordered = [resource('r1'), resource('r2')].map((r) => Object.fromEntries(Object.entries(r).reverse()));
    const repeat = await push(instance, { request_id: 'req-1', external_resources: reordered });
    expect(repeat.status).toBe(200);
    expect(repeat.json).toEqual(first.json);
    expect((await resourcesOf(instance)).map((r) => r.external_id)).toEqual(['r1', 'r2']);
    // Another request id is another push.
    const other = await push(instance, { request_id: 'req-2', external_resources: [resource('r1')] });
    expect(codes(other)).toEqual(['already_imported']);
  });

  it('refuses a request_id reused with another body: 409 naming it, nothing stored', async () => {
    const instance = await newInstance('Reused');
    expect(codes(await push(instance, { request_id: 'req-9', external_resources: [resource('u1')] }))).toEqual([
      'success',
    ]);
    const reused = await push(instance, { request_id: 'req-9', external_resources: [resource('u2')] });
    expect(reused.status).toBe(409);
    expect(reused.json).toEqual({ error: 'Conflict', description: expect.stringContaining('request_id "req-9"') });
    expect(reused.json.description).toMatch(/nothing was stored/);
    expect((await resourcesOf(instance)).map((r) => r.external_id)).toEqual(['u1']);
    // A changed field of the same resource is another body too.
    const edited = await push(instance, {
      request_id: 'req-9',
      external_resources: [resource('u1', { message: 'x' })],
    });
    expect(edited.status).toBe(409);
  });

  it('answers concurrent copies of one request_id alike, storing once', async () => {
    const instance = await newInstance('Concurrent');
    const body = {
      request_id: 'burst',
      external_resources: Array.from({ length: 20 }, (_, i) => resource(`c${i}`, i > 0 ? { parent_id: 'c0' } : {})),
    };
    const answers = await Promise.all(Array.from({ length: 6 }, () => push(instance, body)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(codes(answer)).toEqual(Array(20).fill('success'));
    }
    expect(await resourcesOf(instance)).toHaveLength(20);
    expect((await threadsOf(instance)).map((t) => t.resource_count)).toEqual([20]);
  });

  it('takes 256 resources and refuses 257 as a whole, storing nothing', async () => {
    const instance = await newInstance('Limits');
    const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => resource(`${prefix}${i}`));
    const full = await push(instance, { external_resources: many(256, 'ok-') });
    expect(full.status).toBe(200);
    expect(codes(full)).toEqual(Array(256).fill('success'));
    const tooMany = await push(instance, { request_id: 'big', external_resources: many(257, 'no-') });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toEqual({
      error: 'RecordInvalid',
      description: 'The push is invalid: external_resources: must have at most 256 items; got 257.',
    });
    const stored = (await threadsOf(instance)).reduce((sum, thread) => sum + thread.resource_count, 0);
    expect(stored).toBe(256);
    // The refused request id was not recorded: a corrected push with it is processed.
    expect(codes(await push(instance, { request_id: 'big', external_resources: many(1, 'no-') }))).toEqual(['success']);
  });

  it('refuses an invalid envelope with RecordInvalid and what to fix', async () => {
    const instance = await newInstance('Envelope');
    const cases: [Record<string, unknown>, string][] = [
      [{ external_resources: undefined }, 'external_resources: is required'],
      [{ external_resources: {} }, 'external_resources: must be an array'],
      [{ request_id: 'x'.repeat(65), external_resources: [] }, 'request_id: must be 1–64 characters; got 65'],
      [{ request_id: 'a\u0000b', external_resources: [] }, 'request_id: must not contain the NUL character'],
    ];
    for (const [body, description] of cases) {
      const refused = await push(instance, body);
      expect(refused.status).toBe(400);
      expect(refused.json.error).toBe('RecordInvalid');
      expect(refused.json.description).toContain(description);
    }
    const missingId = await call(server.baseUrl, 'POST', pushPath, {
      token: instance.token,
      body: { external_resources: [] },
    });
    expect(missingId.status).toBe(400);
    expect(missingId.json.description).toContain('instance_push_id: is required');
    const notJson = await call(server.baseUrl, 'POST', pushPath, {
      token: instance.token,
      rawBody: '{"instance_push_id":',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toBe('RecordInvalid');
    expect(await resourcesOf(instance)).toHaveLength(0);
  });

  it('says which resource is too large: 65535 characters pass, 65536 are a processing_error', async () => {
    const instance = await newInstance('Sizes');
    const answer = await push(instance, {
      external_resources: [
        resource('big-ok', { message: '🎉'.repeat(65535) }),
        resource('big-no', { message: 'x'.repeat(65536) }),
      ],
    });
    expect(codes(answer)).toEqual(['success', 'processing_error']);
    expect(answer.json.results[1].status.description).toBe(
      'external_resources[1].message: must be 1–65535 characters; got 65536',
    );
    const nul = await push(instance, { external_resources: [resource('nul', { message: 'a\u0000b' })] });
    expect(codes(nul)).toEqual(['processing_error']);
    expect(nul.json.results[0].status.description).toContain('NUL');
    expect((await resourcesOf(instance)).map((r) => r.external_id)).toEqual(['big-ok']);
  });

  it('takes the created_at forms and display_info data real clients send; refuses what the vendor would', async () => {
    const instance = await newInstance('Edges');
    const files = (n: number) => Array.from({ length: n }, (_, i) => `https://files.example/${i}.png`);
    const answer = await push(instance, {
      external_resources: [
        resource('z', { created_at: '2024-01-01T12:00:00Z' }),
        resource('colon', { created_at: '2024-01-01T12:00:00+00:00' }),
        resource('basic', { created_at: '2024-01-01T12:00:00+0000' }),
        resource('micro', { created_at: '2024-01-01T12:00:00.123456-0500' }),
        resource('string-data', { display_info: [{ type: 'urn:x', data: '{"color":"red"}' }] }),
        resource('object-data', { display_info: [{ type: 'urn:x', data: { color: 'red' } }], file_urls: files(10) }),
        resource('no-offset', { created_at: '2024-01-01T12:00:00' }),
      ],
    });
    expect(codes(answer)).toEqual([...Array(6).fill('success'), 'processing_error']);
    expect(answer.json.results[6].status.description).toBe(
      'external_resources[6].created_at: must be an ISO 8601 date-time with a time zone offset, such as ' +
        '2015-09-08T22:48:09Z, 2015-09-08T22:48:09.123+00:00 or 2015-09-08T22:48:09+0000; got "2024-01-01T12:00:00"',
    );
    const stored = (await resourcesOf(instance)).map((r) => r.external_id);
    expect(stored).toEqual(['z', 'colon', 'basic', 'micro', 'string-data', 'object-data']);
    // Kept as sent: the string stays a string.
    const [thread] = (await threadsOf(instance)).filter((t) => t.thread_key === 'string-data');
    const kept = (await admin('GET', `/instances/${instance.id}/threads/${thread!.id}/resources`)).json.resources;
    expect(kept[0].resource.display_info).toEqual([{ type: 'urn:x', data: '{"color":"red"}' }]);

    const tooMany = await push(instance, { external_resources: [resource('eleven', { file_urls: files(11) })] });
    expect(tooMany.json.results[0].status).toEqual({
      code: 'processing_error',
      description: 'external_resources[0].file_urls: must have at most 10 items; got 11',
    });
    const http = await push(instance, {
      external_resources: [resource('http', { file_urls: ['http://files.example/a'] })],
    });
    expect(http.json.results[0].status).toEqual({
      code: 'processing_error',
      description: 'external_resources[0].file_urls[0]: must be an absolute https URL',
    });
    expect(await resourcesOf(instance)).toHaveLength(6);
  });

  it('refuses a body over the push limit with 413 and the limit', async () => {
    const instance = await newInstance('Huge');
    const huge = await call(server.baseUrl, 'POST', pushPath, {
      token: instance.token,
      rawBody: JSON.stringify({
        instance_push_id: instance.pushId,
        external_resources: [],
        pad: 'x'.repeat(17 * 1024 * 1024),
      }),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
    expect(huge.json.description).toMatch(/^The push body is \d+ bytes; the limit is 16777216 bytes/);
  });

  it('answers 401 with one body for a wrong token, an unknown push id and another instance token', async () => {
    const instance = await newInstance('Auth A');
    const otherInstance = await newInstance('Auth B');
    const body = { instance_push_id: instance.pushId, external_resources: [resource('x1')] };
    const refusals = [
      await call(server.baseUrl, 'POST', pushPath, { token: 'sbpt_wrong', body }),
      await call(server.baseUrl, 'POST', pushPath, {
        token: instance.token,
        body: { ...body, instance_push_id: 'unknown' },
      }),
      await call(server.baseUrl, 'POST', pushPath, { token: otherInstance.token, body }),
      await call(server.baseUrl, 'POST', pushPath, { body }),
      await call(server.baseUrl, 'POST', pushPath, { auth: tenant.adminAuth, body }),
    ];
    for (const refused of refusals) {
      expect(refused.status).toBe(401);
      expect(refused.text).toBe(refusals[0]!.text);
    }
    expect(refusals[0]!.json.error).toBe('Unauthorized');
    expect(await resourcesOf(instance)).toHaveLength(0);
  });

  it('refuses a push to a deactivated instance with 403, as a whole', async () => {
    const instance = await newInstance('Deactivated');
    expect((await admin('POST', `/instances/${instance.id}/deactivate`)).status).toBe(200);
    const refused = await push(instance, { request_id: 'while-off', external_resources: [resource('d1')] });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toBe('Forbidden');
    expect(refused.json.description).toContain('deactivated');
    expect(await resourcesOf(instance)).toHaveLength(0);
    await admin('POST', `/instances/${instance.id}/activate`);
    expect(codes(await push(instance, { request_id: 'while-off', external_resources: [resource('d1')] }))).toEqual([
      'success',
    ]);
  });

  it('accepts the .json spellings', async () => {
    const instance = await newInstance('Suffix');
    const answer = await push(instance, { external_resources: [resource('j1')] }, `${pushPath}.json`);
    expect(codes(answer)).toEqual(['success']);
    const valid = await call(server.baseUrl, 'POST', `${validatePath}.json`, {
      token: instance.token,
      body: { instance_push_id: instance.pushId },
    });
    expect(valid.status).toBe(200);
    expect(valid.text).toBe('');
  });

  it('validates a token: 200 with an empty body, else 401', async () => {
    const instance = await newInstance('Validate A');
    const otherInstance = await newInstance('Validate B');
    const check = (token: string, body: unknown) => call(server.baseUrl, 'POST', validatePath, { token, body });
    const ok = await check(instance.token, { instance_push_id: instance.pushId, request_id: 'v-1' });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    for (const [token, pushId] of [
      ['sbpt_wrong', instance.pushId],
      [otherInstance.token, instance.pushId],
      [instance.token, 'unknown'],
    ]) {
      const refused = await check(token!, { instance_push_id: pushId });
      expect(refused.status).toBe(401);
      expect(refused.json.error).toBe('Unauthorized');
    }
    expect((await check(instance.token, {})).status).toBe(401);
  });

  it('sits outside the admin API: push routes take no admin credentials, and unknown paths are InvalidEndpoint', async () => {
    const unknown = await call(server.baseUrl, 'POST', '/api/v2/any_channel/pushes', { body: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBe('InvalidEndpoint');
  });
});
