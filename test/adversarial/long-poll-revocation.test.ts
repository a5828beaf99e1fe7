import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueScopedAccessToken } from '../../src/accounts/provision.js';
import { systemClock } from '../../src/clock.js';
import { storeKinds } from '../helpers/stores.js';
import { changesPath, openFeedFixture } from '../zis/changes/feed-fixture.js';

type Fixture = Awaited<ReturnType<typeof openFeedFixture>>;

/**
 * Finding 4 of issue 18: a long-poll kept delivering after its token was revoked. A
 * revoked credential's long-poll answers 401, or an answer without any change written
 * after the revocation: never that change.
 */
describe.each(storeKinds)('a long-poll whose token is revoked, on $name', (kind) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await openFeedFixture(kind);
  });
  afterAll(async () => f.close());

  async function freshToken(): Promise<{ id: number; token: string }> {
    return issueScopedAccessToken(f.opened.store, systemClock, f.tenant.accountId, 'feed', ['read']);
  }
  const latest = async () => (await f.req('GET', changesPath())).json.next_since as number;
  const poll = (token: string, query: string) => f.req('GET', `${changesPath()}?${query}`, { token });

  it('answers 401 when revoked through the API while it waits; a later change is not sent', async () => {
    const issued = await freshToken();
    const since = await latest();
    const waiting = poll(issued.token, `since=${since}&wait=30`);
    await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(1);
    const deleted = await f.req('DELETE', `/api/v2/oauth/tokens/${issued.id}.json`, { auth: f.tenant.adminAuth });
    expect(deleted.status).toBe(204);
    await f.write('after-api-revoke', { n: 1 });
    const answer = await waiting;
    expect(answer.status).toBe(401);
    expect(answer.json.errors[0].detail).toMatch(/revoked/);
    expect(f.server.app.changeHub.watcherCount).toBe(0);
  });

  it('answers 401 when revoked elsewhere (another node, the CLI) and a change follows before this node polls', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const issued = await freshToken();
      const since = await latest();
      const waiting = poll(issued.token, `since=${since}&wait=30`);
      await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(1);
      // Straight in the store: this node learns of it only by its revocation watch.
      expect(await f.opened.store.deleteAccessToken(f.tenant.accountId, issued.id)).toBe(true);
      await f.write(`after-store-revoke-${trial}`, { n: trial });
      const answer = await waiting;
      expect(answer.status, answer.text).toBe(401);
      await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(0);
    }
  });

  it('an immediate poll (wait=0) authenticated from the cache sends no change written after the revocation', async () => {
    const issued = await freshToken();
    const since = await latest();
    // Authenticated once: the node caches the token.
    expect((await poll(issued.token, `since=${since}`)).status).toBe(200);
    expect(await f.opened.store.deleteAccessToken(f.tenant.accountId, issued.id)).toBe(true);
    await f.write('after-cached-revoke', { n: 1 });
    const answer = await poll(issued.token, `since=${since}`);
    expect(answer.status).toBe(401);
    expect(answer.text).not.toContain('after-cached-revoke');
  });

  it('a valid token still gets its changes, and an empty answer needs no second check', async () => {
    const since = await latest();
    const waiting = f.req('GET', `${changesPath()}?since=${since}&wait=30`);
    await expect.poll(() => f.server.app.changeHub.watcherCount).toBe(1);
    await f.write('kept', { n: 1 });
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.json.changes.map((c: { scope: string }) => c.scope)).toEqual(['kept']);
  });
});
