import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySwitchboardSignature } from '../../examples/channel-integration/server.js';
import { loadSettings } from '../../src/settings.js';
import { openStore } from '../../src/store/open-store.js';
import {
  channelbackManifest,
  startChannelbackIntegration,
  type IntegrationAnswer,
} from '../helpers/channelback-integration.js';
import { resource } from '../helpers/fake-integration.js';
import { call, createTenant, startServer, type Tenant, type TestServer } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

const api = '/api/switchboard/v1';
const reportError = '/api/v2/any_channel/channelback/report_error';

/** Rows of the replies table, counted behind the store's back. */
async function countReplies(url: string): Promise<number> {
  const statement = 'SELECT count(*) AS n FROM replies';
  if (url.startsWith('sqlite:')) {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return (db.prepare(statement).get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(statement)).rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe.each(storeKinds)('channelback on $name', (kind) => {
  let opened: OpenedStore;
  let server: TestServer;
  let tenant: Tenant;
  let other: Tenant;
  let integration: Awaited<ReturnType<typeof startChannelbackIntegration>>;
  let signingSecret: string;
  let now = Date.now();
  const clock = () => new Date(now);
  const settings = loadSettings({});
  const serverSettings = {
    // A roomy outbound timeout: on a loaded CI machine the first manifest fetch can take seconds.
    pull: { ...settings.pull, scheduler: false, timeoutMs: 10_000 },
    channelback: { ...settings.channelback, attempts: 3, backoffMs: 1000, maxBackoffMs: 60_000 },
  };
  const admin = (method: string, path: string, body?: unknown, as: Tenant = tenant) =>
    call(server.baseUrl, method, `${api}${path}`, { auth: as.adminAuth, body });
  const sendDue = () => server.app.channelHost.replySender.sendDue();

  /** An instance of a newly registered integration (manifest as given), with pulled resources. */
  async function instanceWith(resources: object[], manifest = channelbackManifest(), metadata = '{"token":"m-1"}') {
    integration.setManifest(manifest);
    const registered = await admin('POST', '/channel_integrations', { manifest_url: integration.manifestUrl });
    expect(registered.status, JSON.stringify(registered.json)).toBe(201);
    signingSecret = registered.json.signing_secret;
    const created = await admin('POST', '/instances', {
      integration_id: registered.json.integration.id,
      name: 'Replies',
      metadata,
      state: '',
    });
    expect(created.status).toBe(201);
    const id: number = created.json.instance.id;
    integration.answerPulls(() => ({ body: { external_resources: resources } }));
    expect((await admin('POST', `/instances/${id}/pull`)).json.pull.outcome).toBe('ok');
    const threads = (await admin('GET', `/instances/${id}/threads`)).json.threads as {
      id: number;
      thread_key: string;
    }[];
    return {
      id,
      pushId: created.json.instance.instance_push_id as string,
      pushToken: created.json.zendesk_access_token as string,
      thread: (key: string) => threads.find((t) => t.thread_key === key)!.id,
    };
  }

  beforeAll(async () => {
    opened = await kind.open();
    server = await startServer(opened.store, { clock, settings: serverSettings });
    tenant = await createTenant(opened.store, 'acme', []);
    other = await createTenant(opened.store, 'globex', []);
    integration = await startChannelbackIntegration();
  });
  afterAll(async () => {
    await server.close();
    await integration.close();
    await opened.cleanup();
  });

  it('sends the documented form, signed, answering the newest resource, and applies the answer', async () => {
    const inst = await instanceWith([
      resource('m1', { author: { external_id: 'customer-1' } }),
      resource('m2', { parent_id: 'm1', author: { external_id: 'customer-2' } }),
    ]);
    const thread = inst.thread('m1');
    integration.answerChannelbacks(() => ({
      body: { external_id: 'sent-1', metadata: '{"token":"m-2"}', metadata_needs_update: true },
    }));
    const created = await admin('POST', `/instances/${inst.id}/threads/${thread}/replies`, {
      message: 'Hello ✓ & bye',
    });
    expect(created.status).toBe(202);
    expect(Object.keys(created.json.reply)).toEqual(
      expect.arrayContaining([
        'id',
        'instance_id',
        'thread_id',
        'status',
        'message',
        'request_unique_identifier',
        'external_id',
        'attempts',
        'last_error',
        'created_at',
        'sent_at',
      ]),
    );
    expect(created.json.reply).toMatchObject({ status: 'pending', external_id: null, attempts: 0, sent_at: null });
    const rui: string = created.json.reply.request_unique_identifier;

    const before = integration.channelbacks.length;
    expect(await sendDue()).toBe(1);
    expect(integration.channelbacks).toHaveLength(before + 1);
    const seen = integration.channelbacks.at(-1)!;
    expect(seen.pairs.map(([name]) => name).sort()).toEqual(
      ['message', 'metadata', 'parent_id', 'recipient_id', 'request_unique_identifier', 'thread_id'].sort(),
    );
    expect(seen.fields).toEqual({
      message: 'Hello ✓ & bye',
      parent_id: 'm2',
      recipient_id: 'customer-2',
      thread_id: 'm1',
      metadata: '{"token":"m-1"}',
      request_unique_identifier: rui,
    });
    expect(seen.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(verifySwitchboardSignature(signingSecret, seen.raw, seen.headers['x-switchboard-signature'])).toBe(true);
    expect(verifySwitchboardSignature('another secret', seen.raw, seen.headers['x-switchboard-signature'])).toBe(false);

    const shown = await admin('GET', `/instances/${inst.id}/replies/${created.json.reply.id}`);
    expect(shown.json.reply).toMatchObject({ status: 'sent', external_id: 'sent-1', attempts: 1, last_error: null });
    expect(shown.json.reply.sent_at).toMatch(/Z$/);
    const listed = await admin('GET', `/instances/${inst.id}/threads/${thread}/replies`);
    expect(listed.json.replies.map((r: { id: number }) => r.id)).toEqual([created.json.reply.id]);

    // The answer: its external_id is a resource of the thread; metadata applied to the instance.
    const resources = (await admin('GET', `/instances/${inst.id}/threads/${thread}/resources`)).json.resources;
    expect(resources.map((r: { external_id: string }) => r.external_id)).toEqual(['m1', 'm2', 'sent-1']);
    const instance = (await admin('GET', `/instances/${inst.id}?include=metadata`)).json.instance;
    expect(instance).toMatchObject({ metadata: '{"token":"m-2"}', metadata_needs_update: true });

    // A later pull of the same external_id is a duplicate, not a new thread.
    integration.answerPulls(() => ({ body: { external_resources: [resource('sent-1'), resource('m4')] } }));
    const pulled = (await admin('POST', `/instances/${inst.id}/pull`)).json.pull;
    expect(pulled).toMatchObject({ outcome: 'ok', resources_stored: 1, duplicates: 1 });

    // Nothing more is sent.
    expect(await sendDue()).toBe(0);
    expect(integration.channelbacks).toHaveLength(before + 1);
  });

  it('answers the resource parent_external_id names, and sends the thread_id the resource had', async () => {
    const inst = await instanceWith([
      resource('c1', { thread_id: 'conv-9', author: { external_id: 'alice' } }),
      resource('c2', { thread_id: 'conv-9', author: { external_id: 'bob' } }),
    ]);
    integration.answerChannelbacks(() => ({ body: { external_id: 'sent-2' } }));
    const created = await admin('POST', `/instances/${inst.id}/threads/${inst.thread('conv-9')}/replies`, {
      message: 'to alice',
      parent_external_id: 'c1',
    });
    expect(created.status).toBe(202);
    await sendDue();
    expect(integration.channelbacks.at(-1)!.fields).toMatchObject({
      parent_id: 'c1',
      recipient_id: 'alice',
      thread_id: 'conv-9',
    });
    const unknownParent = await admin('POST', `/instances/${inst.id}/threads/${inst.thread('conv-9')}/replies`, {
      message: 'x',
      parent_external_id: 'nope',
    });
    expect(unknownParent.status).toBe(422);
    expect(unknownParent.json.errors[0].detail).toMatch(/parent_external_id/);
  });

  it('refuses a reply to a resource with allow_channelback: false, and applies the answer’s allow_channelback', async () => {
    const inst = await instanceWith([resource('locked', { allow_channelback: false }), resource('open')]);
    const count = await countReplies(opened.url);
    const refused = await admin('POST', `/instances/${inst.id}/threads/${inst.thread('locked')}/replies`, {
      message: 'x',
    });
    expect(refused.status).toBe(422);
    expect(refused.json.errors[0].detail).toMatch(/allow_channelback: false/);
    expect(await countReplies(opened.url)).toBe(count);

    integration.answerChannelbacks(() => ({ body: { external_id: 'sent-closed', allow_channelback: false } }));
    const thread = inst.thread('open');
    expect((await admin('POST', `/instances/${inst.id}/threads/${thread}/replies`, { message: 'last' })).status).toBe(
      202,
    );
    await sendDue();
    // The newest resource is now the sent reply, which the integration closed to replies.
    const closed = await admin('POST', `/instances/${inst.id}/threads/${thread}/replies`, { message: 'again' });
    expect(closed.status).toBe(422);
    expect(closed.json.errors[0].detail).toMatch(/"sent-closed".*allow_channelback: false/);
  });

  it('retries with backoff and the same request_unique_identifier, then sends', async () => {
    const inst = await instanceWith([resource('r1')]);
    let calls = 0;
    integration.answerChannelbacks(() =>
      ++calls < 3 ? { status: 503, body: 'busy' } : { body: { external_id: 'ok-3' } },
    );
    const created = await admin('POST', `/instances/${inst.id}/threads/${inst.thread('r1')}/replies`, { message: 'm' });
    const replyPath = `/instances/${inst.id}/replies/${created.json.reply.id}`;
    const before = integration.channelbacks.length;

    await sendDue();
    let shown = (await admin('GET', replyPath)).json.reply;
    expect(shown).toMatchObject({ status: 'pending', attempts: 1 });
    expect(shown.last_error).toMatch(/HTTP 503/);
    // Not due before the backoff (1 s) has passed.
    now += 999;
    expect(await sendDue()).toBe(0);
    now += 1;
    await sendDue();
    expect((await admin('GET', replyPath)).json.reply).toMatchObject({ status: 'pending', attempts: 2 });
    now += 1999;
    expect(await sendDue()).toBe(0);
    now += 1;
    await sendDue();
    shown = (await admin('GET', replyPath)).json.reply;
    expect(shown).toMatchObject({ status: 'sent', attempts: 3, external_id: 'ok-3' });

    const tries = integration.channelbacks.slice(before);
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((t) => t.fields.request_unique_identifier))).toEqual(
      new Set([created.json.reply.request_unique_identifier]),
    );
  });

  it('fails a reply after the last try, with the reason', async () => {
    const inst = await instanceWith([resource('f1')]);
    integration.answerChannelbacks(() => ({ status: 500, body: 'down' }));
    const created = await admin('POST', `/instances/${inst.id}/threads/${inst.thread('f1')}/replies`, { message: 'm' });
    const replyPath = `/instances/${inst.id}/replies/${created.json.reply.id}`;
    for (let i = 0; i < 3; i++) {
      expect(await sendDue()).toBe(1);
      now += 60_000;
    }
    const shown = (await admin('GET', replyPath)).json.reply;
    expect(shown).toMatchObject({ status: 'failed', attempts: 3, external_id: null, sent_at: null });
    expect(shown.last_error).toMatch(/HTTP 500/);
    expect(await sendDue()).toBe(0);
  });

  it('tries again only after no answer, 429 or 5xx; any other answer fails the reply at once', async () => {
    const inst = await instanceWith([resource('k1')]);
    const cases: [string, IntegrationAnswer, 'pending' | 'failed', RegExp][] = [
      ['500', { status: 500, body: 'oops' }, 'pending', /HTTP 500/],
      ['503', { status: 503, body: 'busy' }, 'pending', /HTTP 503/],
      ['429', { status: 429, body: 'slow down' }, 'pending', /HTTP 429/],
      ['400', { status: 400, body: { error: 'bad recipient' } }, 'failed', /HTTP 400.*final/],
      ['401', { status: 401, body: 'who?' }, 'failed', /HTTP 401.*final/],
      ['404', { status: 404, body: 'gone' }, 'failed', /HTTP 404.*final/],
      ['422', { status: 422, body: 'no' }, 'failed', /HTTP 422.*final/],
      ['200 not JSON', { body: 'ok' }, 'failed', /not JSON/],
      ['200 without external_id', { body: { not: 'an answer' } }, 'failed', /external_id/],
    ];
    for (const [name, answer, status, error] of cases) {
      const before = integration.channelbacks.length;
      integration.answerChannelbacks(() => answer);
      const created = await admin('POST', `/instances/${inst.id}/threads/${inst.thread('k1')}/replies`, {
        message: name,
      });
      expect(await sendDue(), name).toBe(1);
      const shown = (await admin('GET', `/instances/${inst.id}/replies/${created.json.reply.id}`)).json.reply;
      expect(shown, name).toMatchObject({ status, attempts: 1 });
      expect(shown.last_error, name).toMatch(error);
      expect(integration.channelbacks.length - before, name).toBe(1);
    }
    // A network error (nothing listens there) is tried again too.
    const unreachable = await instanceWith(
      [resource('k2')],
      channelbackManifest({ urls: { channelback_url: 'http://127.0.0.1:1/channelback' } }),
    );
    const created = await admin('POST', `/instances/${unreachable.id}/threads/${unreachable.thread('k2')}/replies`, {
      message: 'm',
    });
    expect(await sendDue()).toBe(1);
    const shown = (await admin('GET', `/instances/${unreachable.id}/replies/${created.json.reply.id}`)).json.reply;
    expect(shown).toMatchObject({ status: 'pending', attempts: 1 });
    expect(shown.last_error).toMatch(/ECONNREFUSED/);
    // Let the retried ones of this test run out, so later tests start with nothing due.
    integration.answerChannelbacks(() => ({ status: 500, body: 'down' }));
    for (let i = 0; i < 3; i++) {
      now += 60_000;
      await sendDue();
    }
  });

  it('posts a reply the integration answered 400 only once, however long it waits', async () => {
    const inst = await instanceWith([resource('b1')]);
    const before = integration.channelbacks.length;
    integration.answerChannelbacks(() => ({ status: 400, body: { error: 'invalid' } }));
    const created = await admin('POST', `/instances/${inst.id}/threads/${inst.thread('b1')}/replies`, { message: 'm' });
    expect(await sendDue()).toBe(1);
    for (let i = 0; i < 3; i++) {
      now += 60 * 60_000;
      expect(await sendDue()).toBe(0);
    }
    expect(integration.channelbacks.length - before).toBe(1);
    const shown = (await admin('GET', `/instances/${inst.id}/replies/${created.json.reply.id}`)).json.reply;
    expect(shown).toMatchObject({ status: 'failed', attempts: 1, external_id: null });
    expect(shown.last_error).toBe(
      'channelback_url answered HTTP 400; expected 200 with JSON (final: only 429 and 5xx answers are tried again)',
    );
  });

  it('report_error fails the reply it names; every other call is refused and changes nothing', async () => {
    const inst = await instanceWith([resource('e1')]);
    const second = await instanceWith([resource('e2')]);
    integration.answerChannelbacks(() => ({ body: { external_id: 'reported-1' } }));
    const created = await admin('POST', `/instances/${inst.id}/threads/${inst.thread('e1')}/replies`, { message: 'm' });
    await sendDue();
    const replyPath = `/instances/${inst.id}/replies/${created.json.reply.id}`;
    expect((await admin('GET', replyPath)).json.reply.status).toBe('sent');

    const body = { instance_push_id: inst.pushId, external_id: 'reported-1', description: 'recipient blocked us' };
    const refusals: [string, { token?: string; body: object }, number][] = [
      ['no token', { body }, 401],
      ['wrong token', { token: 'sbpt_wrong', body }, 401],
      ['unknown push id', { token: inst.pushToken, body: { ...body, instance_push_id: 'nope' } }, 401],
      ["another instance's token", { token: second.pushToken, body }, 401],
      ['unknown external_id', { token: inst.pushToken, body: { ...body, external_id: 'unknown' } }, 404],
      ['description too long', { token: inst.pushToken, body: { ...body, description: 'x'.repeat(512) } }, 422],
      ['missing external_id', { token: inst.pushToken, body: { instance_push_id: inst.pushId } }, 422],
    ];
    for (const [name, options, status] of refusals) {
      const refused = await call(server.baseUrl, 'POST', reportError, options);
      expect(refused.status, name).toBe(status);
      expect(refused.json.error, name).toBe(
        { 401: 'Unauthorized', 404: 'RecordNotFound', 422: 'RecordInvalid' }[status],
      );
      expect(refused.json.description, name).toMatch(/\w/);
    }
    expect((await admin('GET', replyPath)).json.reply).toMatchObject({ status: 'sent', last_error: null });

    const reported = await call(server.baseUrl, 'POST', `${reportError}.json`, { token: inst.pushToken, body });
    expect(reported.status).toBe(200);
    expect(reported.text).toBe('');
    expect((await admin('GET', replyPath)).json.reply).toMatchObject({
      status: 'failed',
      last_error: 'recipient blocked us',
      external_id: 'reported-1',
    });
  });

  it('sends a pending reply after a restart, once', async () => {
    const inst = await instanceWith([resource('p1')]);
    const created = await admin('POST', `/instances/${inst.id}/threads/${inst.thread('p1')}/replies`, { message: 'm' });
    const before = integration.channelbacks.length;
    await server.close();

    // A new process: another store object on the same database, another app.
    const reopened = await openStore(opened.url);
    await reopened.migrate();
    const restarted = await startServer(reopened, { clock, settings: serverSettings });
    try {
      integration.answerChannelbacks(() => ({ body: { external_id: 'after-restart' } }));
      expect(await restarted.app.channelHost.replySender.sendDue()).toBe(1);
      expect(await restarted.app.channelHost.replySender.sendDue()).toBe(0);
      const shown = await call(
        restarted.baseUrl,
        'GET',
        `${api}/instances/${inst.id}/replies/${created.json.reply.id}`,
        {
          auth: tenant.adminAuth,
        },
      );
      expect(shown.json.reply).toMatchObject({ status: 'sent', external_id: 'after-restart', attempts: 1 });
      expect(integration.channelbacks.slice(before).map((c) => c.fields.request_unique_identifier)).toEqual([
        created.json.reply.request_unique_identifier,
      ]);
    } finally {
      await restarted.close();
      await reopened.close();
      server = await startServer(opened.store, { clock, settings: serverSettings });
    }
  });

  it('sends a new reply at once when the sender runs', async () => {
    const inst = await instanceWith([resource('k1')]);
    server.app.channelHost.replySender.start();
    try {
      const before = integration.channelbacks.length;
      const started = Date.now();
      await admin('POST', `/instances/${inst.id}/threads/${inst.thread('k1')}/replies`, { message: 'fast' });
      while (integration.channelbacks.length === before && Date.now() - started < 1000) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(integration.channelbacks.length).toBe(before + 1);
    } finally {
      await server.app.channelHost.replySender.stop();
    }
  });

  it('sends file_urls[] when the manifest has channelback_files', async () => {
    const inst = await instanceWith([resource('files')], channelbackManifest({ channelback_files: true }));
    const fileUrls = ['https://files.example/a.png', `${integration.base}/b.txt`];
    const created = await admin('POST', `/instances/${inst.id}/threads/${inst.thread('files')}/replies`, {
      message: 'with files',
      file_urls: fileUrls,
    });
    expect(created.status).toBe(202);
    expect(created.json.reply.file_urls).toEqual(fileUrls);
    await sendDue();
    const seen = integration.channelbacks.at(-1)!;
    expect(seen.pairs.filter(([name]) => name === 'file_urls[]').map(([, value]) => value)).toEqual(fileUrls);
  });

  it('refuses bad input with the documented error, storing nothing', async () => {
    const inst = await instanceWith([resource('b1')]);
    const thread = inst.thread('b1');
    const noFiles = await instanceWith([resource('b2')]);
    const noChannelback = await instanceWith(
      [resource('b3')],
      channelbackManifest({ urls: { channelback_url: undefined as unknown as string } }),
    );
    const elsewhere = await instanceWith([resource('b4')]);
    const replies = (id: number, t: number) => `/instances/${id}/threads/${t}/replies`;
    const cases: [string, string, unknown, number, RegExp, Tenant?][] = [
      ['unknown instance', replies(99_999, thread), { message: 'm' }, 404, /No instance 99999/],
      ["another tenant's instance", replies(inst.id, thread), { message: 'm' }, 404, /No instance/, other],
      ['unknown thread', replies(inst.id, 99_999), { message: 'm' }, 404, /No thread 99999/],
      ["another instance's thread", replies(inst.id, elsewhere.thread('b4')), { message: 'm' }, 404, /No thread/],
      ['missing message', replies(inst.id, thread), {}, 422, /"message" is required/],
      ['empty message', replies(inst.id, thread), { message: '' }, 422, /must not be empty/],
      ['message not a string', replies(inst.id, thread), { message: 5 }, 422, /must be a string/],
      [
        'oversized message',
        replies(inst.id, thread),
        { message: 'é'.repeat(65_536) },
        422,
        /65536 characters; the limit is 65535/,
      ],
      [
        'too many file URLs',
        replies(inst.id, thread),
        { message: 'm', file_urls: Array.from({ length: 11 }, (_, i) => `https://f.example/${i}`) },
        422,
        /11 URLs; the limit is 10/,
      ],
      [
        'non-https file URL',
        replies(inst.id, thread),
        { message: 'm', file_urls: ['http://files.example/a.png'] },
        422,
        /file_urls\[0\]" must be an https URL/,
      ],
      [
        'file URL too long',
        replies(inst.id, thread),
        { message: 'm', file_urls: [`https://f.example/${'a'.repeat(500)}`] },
        422,
        /limit is 511/,
      ],
      [
        'file_urls without channelback_files',
        replies(noFiles.id, noFiles.thread('b2')),
        { message: 'm', file_urls: ['https://files.example/a.png'] },
        422,
        /channelback_files/,
      ],
      [
        'no channelback_url',
        replies(noChannelback.id, noChannelback.thread('b3')),
        { message: 'm' },
        422,
        /no channelback_url/,
      ],
      ['unknown reply', `/instances/${inst.id}/replies/99999`, undefined, 404, /No reply 99999/],
    ];
    // The file-URL cases need an integration that takes files: register one for them.
    const withFiles = await instanceWith([resource('b5')], channelbackManifest({ channelback_files: true }));
    for (const c of cases) {
      if (/file URL|too many/.test(c[0])) c[1] = replies(withFiles.id, withFiles.thread('b5'));
    }
    const count = await countReplies(opened.url);
    for (const [name, path, body, status, detail, as] of cases) {
      const method = path.includes('/replies/') ? 'GET' : 'POST';
      const answered = await admin(method, path, body, as ?? tenant);
      expect(answered.status, name).toBe(status);
      expect(answered.json.errors[0].detail, name).toMatch(detail);
    }
    expect(await countReplies(opened.url)).toBe(count);
    expect((await admin('GET', `/instances/${inst.id}/threads/${thread}/replies`, undefined, other)).status).toBe(404);
    // 65535 characters (code points, not UTF-16 units) is allowed.
    const longest = await admin('POST', replies(inst.id, thread), { message: '😀'.repeat(65_535) });
    expect(longest.status).toBe(202);
  });
});
