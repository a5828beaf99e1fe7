import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeProfiles } from '../../helpers/stores.js';
import { changesPath, configsPath, openFeedFixture } from './feed-fixture.js';

type Fixture = Awaited<ReturnType<typeof openFeedFixture>>;

describe.each(storeProfiles)('the change feed as JSON long-poll on $name', (kind) => {
  let f: Fixture;
  /** The newest revision before this file's writes. */
  let start: number;

  beforeAll(async () => {
    f = await openFeedFixture(kind);
    start = (await f.req('GET', changesPath())).json.next_since;
  });
  afterAll(async () => f.close());

  it('answers every change after since at once, oldest first, with the revision to ask from next', async () => {
    const since = (await f.req('GET', changesPath())).json.next_since;
    expect(await f.write('app/one', { a: 1 })).toBe(201);
    expect(await f.write('app/one', { b: 2 })).toBe(200);
    const got = await f.req('GET', `${configsPath()}/app%2Fone`);
    expect((await f.req('DELETE', `${configsPath()}/app%2Fone`)).status).toBe(204);
    // Another integration's change is not this feed's.
    expect(
      (await f.req('POST', configsPath('other'), { token: f.tenant.tokens.other, body: { scope: 'x', config: {} } }))
        .status,
    ).toBe(201);

    const answer = await f.req('GET', `${changesPath()}?since=${since}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const { changes, next_since } = answer.json;
    expect(changes.map((c: { operation: string }) => c.operation)).toEqual(['create', 'merge', 'delete']);
    expect(changes.map((c: { revision: number }) => c.revision)).toEqual([since + 1, since + 2, since + 3]);
    expect(changes[1]).toEqual({
      revision: since + 2,
      integration: 'feed',
      scope: 'app/one',
      operation: 'merge',
      config: { a: 1, b: 2 },
      etag: got.headers.get('etag'),
      changed_at: got.json.config.updated_at,
    });
    expect(changes[2].config).toBeNull();
    // Past the other integration's revision: nothing after the last change matched up to it.
    expect(next_since).toBe(since + 4);
    // Asking from next_since: nothing new yet.
    expect((await f.req('GET', `${changesPath()}?since=${next_since}`)).json).toEqual({ changes: [], next_since });
  });

  it('keeps to filter[scope], with the configs list\'s "*" rules', async () => {
    const since = (await f.req('GET', changesPath())).json.next_since;
    for (const scope of ['team/a', 'teams', 'team/b', 'x/team/c']) await f.write(scope, { scope });
    const answer = await f.req('GET', `${changesPath()}?since=${since}&filter[scope]=${encodeURIComponent('team/*')}`);
    expect(answer.json.changes.map((c: { scope: string }) => c.scope)).toEqual(['team/a', 'team/b']);
    const exact = await f.req('GET', `${changesPath()}?since=${since}&filter[scope]=teams`);
    expect(exact.json.changes.map((c: { scope: string }) => c.scope)).toEqual(['teams']);
  });

  it('without since, starts from the newest revision', async () => {
    await f.write('now', { n: 1 });
    const answer = await f.req('GET', changesPath());
    expect(answer.json.changes).toEqual([]);
    const all = await f.req('GET', `${changesPath()}?since=${start}`);
    expect(answer.json.next_since).toBe(all.json.changes.at(-1).revision);
  });

  it('with wait, answers as soon as a change is made', async () => {
    const since = (await f.req('GET', changesPath())).json.next_since;
    const began = Date.now();
    const waiting = f.req('GET', `${changesPath()}?since=${since}&wait=30&filter[scope]=late`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await f.write('unwatched', { n: 1 });
    await f.write('late', { n: 1 });
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.json.changes.map((c: { scope: string }) => c.scope)).toEqual(['late']);
    expect(answer.json.next_since).toBe(since + 2);
    expect(Date.now() - began).toBeLessThan(20_000);
  });

  it('with wait, answers an empty list after the wait when nothing changed', async () => {
    const since = (await f.req('GET', changesPath())).json.next_since;
    const began = Date.now();
    const answer = await f.req('GET', `${changesPath()}?since=${since}&wait=1`);
    expect(answer.json).toEqual({ changes: [], next_since: since });
    expect(Date.now() - began).toBeGreaterThanOrEqual(990);
    expect(f.server.app.changeHub.watcherCount).toBe(0);
  });

  it('stops watching for a client that gives up', async () => {
    const controller = new AbortController();
    const waiting = fetch(`${f.server.baseUrl}${changesPath()}?wait=30`, {
      headers: { authorization: `Bearer ${f.token}` },
      signal: controller.signal,
    }).catch(() => 'aborted');
    await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(1);
    controller.abort();
    expect(await waiting).toBe('aborted');
    await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(0);
  });

  it.each([
    ['since past the newest revision', `?since=999999`, 400, /past the newest revision/],
    ['a negative since', `?since=-1`, 400, /since/],
    ['an empty filter[scope]', `?filter[scope]=`, 400, /must not be empty/],
    ['a wait over the cap', `?wait=61`, 400, /wait/],
  ])('refuses %s (%i) with a detail that says what to fix', async (_name, query, status, detail) => {
    const answer = await f.req('GET', `${changesPath()}${query}`);
    expect(answer.status).toBe(status);
    expect(answer.json.errors[0]).toMatchObject({ status: String(status) });
    expect(answer.json.errors[0].detail).toMatch(detail);
  });

  it("takes the integration's bearer token or the admin's credentials, and no other", async () => {
    expect((await f.req('GET', changesPath(), { auth: f.tenant.adminAuth })).status).toBe(200);
    expect((await f.req('GET', changesPath(), { auth: 'Bearer nope' })).status).toBe(401);
    const wrong = await f.req('GET', changesPath(), { token: f.tenant.tokens.other });
    expect(wrong.status).toBe(403);
    expect(wrong.json.errors[0].detail).toMatch(/issued for integration "other"/);
  });

  it('answers 410 with meta.oldest_revision once since is older than the retained history', async () => {
    await f.write('kept', { n: 1 });
    await f.write('kept', { n: 2 });
    await f.opened.store.compactConfigRevisions({
      cutoffSeconds: Math.floor(Date.now() / 1000) + 3600,
      keepPerScope: 1,
      batchSize: 100,
    });
    const { oldest, latest } = await f.opened.store.revisionBounds(f.tenant.accountId);
    expect(oldest).toBeGreaterThan(start + 1);

    const gone = await f.req('GET', `${changesPath()}?since=${start}`);
    expect(gone.status).toBe(410);
    expect(gone.json.meta).toEqual({ oldest_revision: oldest });
    expect(gone.json.errors[0]).toMatchObject({ code: '1110', status: '410' });
    expect(gone.json.errors[0].detail).toMatch(new RegExp(`oldest revision still available is ${oldest}`));
    // Just below the oldest is still fine: the next revision to send is the oldest.
    expect((await f.req('GET', `${changesPath()}?since=${oldest - 1}`)).status).toBe(200);
    expect((await f.req('GET', `${changesPath()}?since=${latest}`)).json.changes).toEqual([]);
  });
});
