import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueScopedAccessToken } from '../../../src/accounts/provision.js';
import { systemClock } from '../../../src/clock.js';
import { loadSettings } from '../../../src/settings.js';
import { storeProfiles } from '../../helpers/stores.js';
import { changesPath, configsPath, feedSettings, openFeedFixture } from './feed-fixture.js';
import { openSse } from './sse-client.js';

type Fixture = Awaited<ReturnType<typeof openFeedFixture>>;

describe.each(storeProfiles)('the change feed as Server-Sent Events on $name', (kind) => {
  let f: Fixture;
  const url = (query = '') => `${f.server.baseUrl}${changesPath()}${query}`;
  const auth = () => ({ authorization: `Bearer ${f.token}` });
  const latest = async (): Promise<number> => (await f.req('GET', changesPath())).json.next_since;

  beforeAll(async () => {
    const connections = loadSettings({}).connections;
    // Hardening timeouts far shorter than the stream lives: they must not cut it.
    f = await openFeedFixture(
      kind,
      feedSettings({
        connections: {
          ...connections,
          headersTimeoutMs: 300,
          requestTimeoutMs: 300,
          keepAliveTimeoutMs: 200,
          maxRequestsPerClient: 3,
        },
        changes: { heartbeatMs: 50, pollMs: 60_000, maxStreamsPerClient: 6 },
      }),
    );
  });
  afterAll(async () => f.close());

  it('sends one event per change, id the revision, data the change', async () => {
    const since = await latest();
    const stream = await openSse(url(`?since=${since}`), auth());
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    expect(stream.headers['x-request-id']).toBeTruthy();
    await f.write('sse/a', { a: 1 });
    await f.write('sse/a', { a: 2 });
    await f.req('DELETE', `${configsPath()}/sse%2Fa`);
    const events = await stream.waitForEvents(3);
    expect(events.map((e) => e.id)).toEqual([since + 1, since + 2, since + 3]);
    expect(events.map((e) => e.data.revision)).toEqual([since + 1, since + 2, since + 3]);
    expect(events.map((e) => e.data.operation)).toEqual(['create', 'merge', 'delete']);
    expect(events[1]!.data).toMatchObject({ integration: 'feed', scope: 'sse/a', config: { a: 2 } });
    expect(events[2]!.data.config).toBeNull();
    stream.close();
  });

  it('resumes right after Last-Event-ID, which wins over since', async () => {
    const since = await latest();
    for (let i = 0; i < 5; i++) await f.write('resume', { i });
    const stream = await openSse(url(`?since=${since}`), { ...auth(), 'last-event-id': String(since + 3) });
    const events = await stream.waitForEvents(2);
    expect(events.map((e) => e.id)).toEqual([since + 4, since + 5]);
    stream.close();
  });

  it('keeps to filter[scope]', async () => {
    const since = await latest();
    const stream = await openSse(url(`?since=${since}&filter[scope]=${encodeURIComponent('*/watched')}`), auth());
    for (const scope of ['a/watched', 'a/other', 'b/watched']) await f.write(scope, { scope });
    const events = await stream.waitForEvents(2);
    expect(events.map((e) => e.data.scope)).toEqual(['a/watched', 'b/watched']);
    stream.close();
  });

  it('sends heartbeats, and outlives the request and keep-alive timeouts', async () => {
    const stream = await openSse(url(), auth());
    await stream.waitForComment('connected');
    await stream.waitForComment('heartbeat');
    // Past the 300 ms request timeout, checked every second by the server.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await f.write('late', { n: 1 });
    const [event] = await stream.waitForEvents(1);
    expect(event!.data.scope).toBe('late');
    expect(stream.comments.filter((c) => c === 'heartbeat').length).toBeGreaterThan(10);
    stream.close();
  });

  it("moves a quiet filter's Last-Event-ID on with its heartbeats, so a later resume is not refused", async () => {
    const stream = await openSse(url(`?filter[scope]=quiet/*`), auth());
    for (let n = 0; n < 3; n++) await f.write('noisy', { n });
    const newest = await latest();
    await expect.poll(() => stream.lastId(), { timeout: 5000 }).toBe(newest);
    expect(stream.events).toEqual([]);
    stream.close();
    // Everything up to the newest is compacted away: resuming from the progress id still works.
    await f.opened.store.compactConfigRevisions({
      cutoffSeconds: Math.floor(Date.now() / 1000) + 3600,
      keepPerScope: 1,
      batchSize: 100,
    });
    const resumed = await openSse(url(`?filter[scope]=quiet/*`), { ...auth(), 'last-event-id': String(newest) });
    expect(resumed.status).toBe(200);
    await f.write('quiet/one', { n: 1 });
    const [event] = await resumed.waitForEvents(1);
    expect(event!.id).toBe(newest + 1);
    resumed.close();
  });

  it('forgets a client that disconnects: no watcher is left behind', async () => {
    const streams = await Promise.all([1, 2, 3].map(() => openSse(url(), auth())));
    await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(3);
    for (const stream of streams) stream.close();
    await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(0);
  });

  it('holds streams outside the per-client request cap, under a cap of their own', async () => {
    // 3 requests per client: 6 open streams leave room for ordinary requests.
    // One after another: while being set up, a stream is a request like any other.
    const streams = [];
    for (let i = 0; i < 6; i++) streams.push(await openSse(url(), auth()));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await f.req('GET', `${configsPath()}?filter[scope]=*`)).status).toBe(200);
    const seventh = await openSse(url(), auth());
    expect(seventh.status).toBe(429);
    expect(JSON.parse(await seventh.body()).errors[0].detail).toMatch(/already has 6 change streams open/);
    streams[0]!.close();
    await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(5);
    const again = await openSse(url(), auth());
    expect(again.status).toBe(200);
    for (const stream of [...streams, again]) stream.close();
  });

  it('ends a stream whose token is revoked; other streams go on', async () => {
    const issued = await issueScopedAccessToken(f.opened.store, systemClock, f.tenant.accountId, 'feed', ['read']);
    const revoked = await openSse(url(), { authorization: `Bearer ${issued.token}` });
    const kept = await openSse(url(), auth());
    expect(revoked.status).toBe(200);
    await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(2);
    const deleted = await f.req('DELETE', `/api/v2/oauth/tokens/${issued.id}.json`, { auth: f.tenant.adminAuth });
    expect(deleted.status).toBe(204);
    await revoked.closed;
    expect((await openSse(url(), { authorization: `Bearer ${issued.token}` })).status).toBe(401);
    await f.write('after-revoke', { n: 1 });
    const [event] = await kept.waitForEvents(1);
    expect(event!.data.scope).toBe('after-revoke');
    kept.close();
  });

  it('answers a compacted Last-Event-ID with 410 before any stream begins', async () => {
    const since = await latest();
    await f.write('compact', { n: 1 });
    await f.write('compact', { n: 2 });
    await f.opened.store.compactConfigRevisions({
      cutoffSeconds: Math.floor(Date.now() / 1000) + 3600,
      keepPerScope: 1,
      batchSize: 100,
    });
    const gone = await openSse(url(), { ...auth(), 'last-event-id': String(since) });
    expect(gone.status).toBe(410);
    const body = JSON.parse(await gone.body());
    expect(body.meta.oldest_revision).toBe((await f.opened.store.revisionBounds(f.tenant.accountId)).oldest);
    expect(body.errors[0].detail).toMatch(/Last-Event-ID=/);
  });
});

describe.each(storeProfiles)('shutting down with open change streams on $name', (kind) => {
  it('ends the streams and waiting long-polls at once instead of waiting for them', async () => {
    const f = await openFeedFixture(kind);
    try {
      const stream = await openSse(`${f.server.baseUrl}${changesPath()}`, { authorization: `Bearer ${f.token}` });
      const poll = f.req('GET', `${changesPath()}?wait=60`);
      await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(2);
      const began = Date.now();
      await f.server.close();
      await stream.closed;
      expect((await poll).json.changes).toEqual([]);
      expect(Date.now() - began).toBeLessThan(3000);
    } finally {
      await f.opened.cleanup();
    }
  });
});
