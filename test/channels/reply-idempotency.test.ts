import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { channelbackManifest, startChannelbackIntegration } from '../helpers/channelback-integration.js';
import { resource } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

// Replies take an Idempotency-Key (Stripe's semantics): a client that lost the 202 sends
// the reply again with the same key and gets the first reply back, not a second message.

const api = '/api/switchboard/v1';
const day = 24 * 60 * 60 * 1000;

describe.each(storeKinds)('reply Idempotency-Key on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let other: Tenant;
  let integration: Awaited<ReturnType<typeof startChannelbackIntegration>>;
  let now = Date.now();
  const clock = () => new Date(now);
  const settings = loadSettings({});
  const serverSettings = {
    pull: { ...settings.pull, scheduler: false, timeoutMs: 2000 },
    channelback: { ...settings.channelback, sender: false },
  };
  const admin = (method: string, path: string, body?: unknown, as: Tenant = tenant) =>
    call(server.baseUrl, method, `${api}${path}`, { auth: as.adminAuth, body });
  const replyTo = (
    target: { id: number; thread: number },
    body: unknown,
    key: string | undefined,
    as: Tenant = tenant,
  ) =>
    call(server.baseUrl, 'POST', `${api}/instances/${target.id}/threads/${target.thread}/replies`, {
      auth: as.adminAuth,
      ...(typeof body === 'string' ? { rawBody: body, headers: { 'content-type': 'application/json' } } : { body }),
      ...(key === undefined ? {} : { headers: { 'content-type': 'application/json', 'idempotency-key': key } }),
    });
  const repliesOf = async (target: { id: number; thread: number }) =>
    (await admin('GET', `/instances/${target.id}/threads/${target.thread}/replies`)).json.replies as {
      id: number;
    }[];

  /** An instance with two pulled threads: `thread` (t1) and `otherThread` (t2). */
  async function newInstance(as: Tenant = tenant) {
    const registered = await admin('POST', '/channel_integrations', { manifest_url: integration.manifestUrl }, as);
    expect(registered.status).toBe(201);
    const created = await admin(
      'POST',
      '/instances',
      { integration_id: registered.json.integration.id, name: 'I' },
      as,
    );
    expect(created.status).toBe(201);
    const id: number = created.json.instance.id;
    integration.answerPulls(() => ({
      body: { external_resources: [resource('a1', { thread_id: 't1' }), resource('b1', { thread_id: 't2' })] },
    }));
    expect((await admin('POST', `/instances/${id}/pull`, undefined, as)).json.pull.outcome).toBe('ok');
    const threads = (await admin('GET', `/instances/${id}/threads`, undefined, as)).json.threads as {
      id: number;
      thread_key: string;
    }[];
    const thread = (key: string) => threads.find((t) => t.thread_key === key)!.id;
    return { id, thread: thread('t1'), otherThread: thread('t2') };
  }

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store, { clock, settings: serverSettings });
    tenant = await createTenant(opened.store, 'acme', []);
    other = await createTenant(opened.store, 'globex', []);
    integration = await startChannelbackIntegration(channelbackManifest());
  });
  afterAll(async () => {
    await server.close();
    await integration.close();
    await opened.cleanup();
  });

  it('answers a repeat with the same key and body with the first reply, as first answered, storing nothing', async () => {
    const inst = await newInstance();
    const first = await replyTo(inst, { message: 'Hello', file_urls: [] }, 'key-1');
    expect(first.status).toBe(202);
    // The same body in another key order and spacing: the same request.
    const again = await replyTo(inst, '{ "file_urls": [],\n "message": "Hello" }', 'key-1');
    expect(again.status).toBe(202);
    expect(again.text).toBe(first.text);
    expect(await repliesOf(inst)).toHaveLength(1);

    // Sent meanwhile: a repeat still answers what the first request was answered.
    expect(await server.app.channelHost.replySender.sendDue()).toBe(1);
    const afterSend = await replyTo(inst, { message: 'Hello', file_urls: [] }, 'key-1');
    expect(afterSend.status).toBe(202);
    expect(afterSend.text).toBe(first.text);
    expect(await repliesOf(inst)).toHaveLength(1);
    expect(integration.channelbacks).toHaveLength(1);

    // Without a key, the same body is a new reply, as before.
    expect((await replyTo(inst, { message: 'Hello', file_urls: [] }, undefined)).status).toBe(202);
    expect(await repliesOf(inst)).toHaveLength(2);
  });

  it('answers 409 naming the key for the same key with another body or on another thread, storing nothing', async () => {
    const inst = await newInstance();
    expect((await replyTo(inst, { message: 'Hello' }, 'key-2')).status).toBe(202);
    const otherBody = await replyTo(inst, { message: 'Hello!' }, 'key-2');
    expect(otherBody.status).toBe(409);
    expect(otherBody.json).toEqual({
      errors: [{ code: '1110', status: '409', detail: expect.stringContaining('Idempotency-Key "key-2"') }],
      meta: { idempotency_key: 'key-2' },
    });
    const otherThread = await replyTo({ id: inst.id, thread: inst.otherThread }, { message: 'Hello' }, 'key-2');
    expect(otherThread.status).toBe(409);
    expect(await repliesOf(inst)).toHaveLength(1);
    expect(await repliesOf({ id: inst.id, thread: inst.otherThread })).toHaveLength(0);
  });

  it('creates one reply for simultaneous requests with one key, and answers each with it', async () => {
    const inst = await newInstance();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => replyTo(inst, { message: 'Only once' }, 'key-race')),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(202));
    expect(new Set(answers.map((answer) => answer.json.reply.id)).size).toBe(1);
    expect(new Set(answers.map((answer) => answer.text)).size).toBe(1);
    expect(await repliesOf(inst)).toHaveLength(1);
  });

  it('stores one reply when the store gets simultaneous creates with one key (the unique index decides)', async () => {
    const inst = await newInstance();
    const create = (message: string) =>
      opened.store.replies.createReply({
        accountId: tenant.accountId,
        instanceId: inst.id,
        threadId: inst.thread,
        message,
        fileUrls: [],
        parentId: 'a1',
        recipientId: '',
        threadKey: 't1',
        requestUniqueIdentifier: `sb-reply-race-${message}`,
        idempotency: { key: 'store-race', requestHash: 'a'.repeat(64), notBeforeMs: now - day },
        nowMs: now,
      });
    // All issued before any commits: no lookup ahead of the store can have seen another.
    const created = await Promise.all(Array.from({ length: 12 }, (_, i) => create(`m${i}`)));
    expect(new Set(created.map((reply) => reply!.id)).size).toBe(1);
    expect(await repliesOf(inst)).toHaveLength(1);
  });

  it('scopes keys per instance, and to the account: another instance or account has its own', async () => {
    const first = await newInstance();
    const second = await newInstance();
    const theirs = await newInstance(other);
    const mine = await replyTo(first, { message: 'Hi' }, 'shared-key');
    const alsoMine = await replyTo(second, { message: 'Hi' }, 'shared-key');
    const their = await replyTo(theirs, { message: 'Hi' }, 'shared-key', other);
    expect([mine.status, alsoMine.status, their.status]).toEqual([202, 202, 202]);
    expect(new Set([mine, alsoMine, their].map((answer) => answer.json.reply.id)).size).toBe(3);
    // Another account's instance is not found, key or not.
    const crossed = await replyTo(theirs, { message: 'Hi' }, 'shared-key');
    expect(crossed.status).toBe(404);
  });

  it('lets a key go after 24 hours: the same key then makes a new reply', async () => {
    const inst = await newInstance();
    const first = await replyTo(inst, { message: 'Day one' }, 'key-day');
    now += day - 1000;
    expect((await replyTo(inst, { message: 'Day one' }, 'key-day')).json.reply.id).toBe(first.json.reply.id);
    now += 2000;
    const later = await replyTo(inst, { message: 'Day two' }, 'key-day');
    expect(later.status).toBe(202);
    expect(later.json.reply.id).not.toBe(first.json.reply.id);
    expect((await replyTo(inst, { message: 'Day two' }, 'key-day')).json.reply.id).toBe(later.json.reply.id);
    expect(await repliesOf(inst)).toHaveLength(2);
  });

  it('refuses a key that is empty, too long or not visible ASCII, with a 400 that says what a key is', async () => {
    const inst = await newInstance();
    for (const key of ['', 'x'.repeat(256), 'has space', 'ünï']) {
      const answer = await call(server.baseUrl, 'POST', `${api}/instances/${inst.id}/threads/${inst.thread}/replies`, {
        auth: tenant.adminAuth,
        body: { message: 'm' },
        headers: { 'idempotency-key': key },
      }).catch((error: Error) => ({ status: 0, json: undefined, error }));
      // fetch itself refuses a header value outside Latin-1; the rest reach the server.
      if (answer.status === 0) continue;
      expect(answer.status, key).toBe(400);
      expect(answer.json.errors[0].detail).toMatch(/Idempotency-Key header must be 1–255 visible ASCII characters/);
    }
    expect(await repliesOf(inst)).toHaveLength(0);
  });
});
