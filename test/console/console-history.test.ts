import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, openTempSqlite, startServer, type Tenant, type TestServer } from '../helpers/server.js';

/**
 * A config's history in the console without a browser: revisions newest first with what each
 * changed, paged; Restore through the API's restore function (a new revision, the admin as
 * actor), a stale restore explained (412) and not applied, the CSRF check, deleted configs.
 */
describe('console config history', () => {
  let server: TestServer;
  let tenant: Tenant;
  let cookie: string;
  let csrf: string;
  let cleanup: () => Promise<void>;

  const inject = (options: InjectOptions) => server.app.inject(options);
  const configUrl = (scope: string) => `/api/services/zis/integrations/zendesk/configs/${encodeURIComponent(scope)}`;
  const api = (method: InjectOptions['method'], url: string, payload?: unknown) =>
    inject({ method, url, headers: { authorization: `Bearer ${tenant.tokens.zendesk}` }, payload: payload as object });
  const revisions = async (scope: string) =>
    (await api('GET', `/api/switchboard/v1/integrations/zendesk/configs/${encodeURIComponent(scope)}/revisions`)).json()
      .revisions as { revision: number; operation: string; config: unknown; actor: { type: string; id: string } }[];
  const historyPage = (scope: string, query = '') =>
    inject({
      method: 'GET',
      url: `/console/configs/zendesk/history?scope=${encodeURIComponent(scope)}${query}`,
      headers: { cookie },
    });
  const restore = (fields: Record<string, string>) =>
    inject({
      method: 'POST',
      url: '/console/configs/zendesk/restore',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    });
  const shownRevisions = (html: string) => [...html.matchAll(/data-revision="(\d+)"/g)].map((m) => Number(m[1]));
  const hiddenEtag = (html: string) => /name="etag" value="([^"]*)"/.exec(html)![1]!.replaceAll('&quot;', '"');

  beforeAll(async () => {
    const opened = await openTempSqlite();
    cleanup = opened.cleanup;
    server = await startServer(opened.store);
    tenant = await createTenant(opened.store, 'acme', ['zendesk']);
    // Signed in through the login page: a session, so every POST needs its CSRF token.
    const login = await inject({ method: 'GET', url: '/console/login' });
    const loginCookie = ([] as string[])
      .concat(login.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('switchboard_console_login='))!
      .split(';')[0]!;
    const signedIn = await inject({
      method: 'POST',
      url: '/console/login',
      headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        email: tenant.adminEmail,
        api_token: tenant.apiToken,
        _csrf: /name="_csrf" value="([^"]+)"/.exec(login.body)![1]!,
        next: '/console',
      }).toString(),
    });
    cookie = ([] as string[])
      .concat(signedIn.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('switchboard_console='))!
      .split(';')[0]!;
    const page = await inject({ method: 'GET', url: '/console/configs/zendesk', headers: { cookie } });
    csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    expect(csrf).not.toBe('');

    await api('POST', '/api/services/zis/integrations/zendesk/configs', { scope: 'a:1', config: { limit: 5 } });
    await api('PATCH', configUrl('a:1'), { config: { limit: 7 } });
    for (let i = 0; i < 27; i++) {
      await api(
        i === 0 ? 'POST' : 'PATCH',
        i === 0 ? '/api/services/zis/integrations/zendesk/configs' : configUrl('many'),
        {
          ...(i === 0 ? { scope: 'many' } : {}),
          config: { n: i },
        },
      );
    }
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('lists revisions newest first with operation, time, actor, request id, ETag and the difference', async () => {
    const config = await inject({
      method: 'GET',
      url: '/console/configs/zendesk/config?scope=a%3A1',
      headers: { cookie },
    });
    expect(config.body).toContain('href="/console/configs/zendesk/history?scope=a%3A1">History</a>');
    const page = await historyPage('a:1');
    expect(page.statusCode).toBe(200);
    const [merge, create] = await revisions('a:1');
    expect(shownRevisions(page.body)).toEqual([merge!.revision, create!.revision]);
    expect(page.body).toContain(`Revision ${merge!.revision}: merge`);
    expect(page.body).toContain(`Revision ${create!.revision}: create`);
    expect(page.body).toMatch(/<dt>Actor<\/dt><dd>token <code>\d+<\/code><\/dd>/);
    expect(page.body).toMatch(/<dt>Request id<\/dt><dd>(?!none)[^<]+<\/dd>/);
    expect(page.body).toMatch(/<dt>Time<\/dt><dd>\d{4}-\d\d-\d\dT/);
    expect(page.body).toMatch(/<code>&quot;\d+-2&quot;<\/code>/);
    // The merge against the create: one line out, one in.
    expect(page.body).toContain(
      '<li class="removed"><span class="visually-hidden">removed: </span>  &quot;limit&quot;: 5</li>',
    );
    expect(page.body).toContain(
      '<li class="added"><span class="visually-hidden">added: </span>  &quot;limit&quot;: 7</li>',
    );
  });

  it('pages 25 revisions at a time, the oldest on a page still diffed against the one before it', async () => {
    const all = (await revisions('many')).map((r) => r.revision);
    const first = await historyPage('many');
    expect(shownRevisions(first.body)).toEqual(all.slice(0, 25));
    expect(first.body).toContain('class="diff"');
    expect((first.body.match(/class="diff"/g) ?? []).length).toBe(25);
    const older = /href="([^"]*before=\d+)">Older revisions/.exec(first.body)![1]!.replaceAll('&amp;', '&');
    const second = await inject({ method: 'GET', url: older, headers: { cookie } });
    expect(shownRevisions(second.body)).toEqual(all.slice(25));
    expect(second.body).not.toContain('Older revisions');
    expect(second.body).toContain('Newest revisions');
  });

  it('restores a revision as a new change, recorded with the admin as the actor', async () => {
    const page = await historyPage('a:1');
    const [, create] = await revisions('a:1');
    const response = await restore({
      _csrf: csrf,
      scope: 'a:1',
      revision: String(create!.revision),
      etag: hiddenEtag(page.body),
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/console/configs/zendesk/history?scope=a%3A1');
    const [latest] = await revisions('a:1');
    expect(latest).toMatchObject({
      operation: 'restore',
      config: { limit: 5 },
      actor: { type: 'admin', id: tenant.adminEmail },
    });
    expect((await api('GET', configUrl('a:1'))).json().config.config).toEqual({ limit: 5 });
  });

  it('explains a stale restore (412) and applies nothing', async () => {
    const page = await historyPage('a:1');
    const seen = hiddenEtag(page.body);
    await api('PATCH', configUrl('a:1'), { config: { other: 'edit' } });
    const before = await revisions('a:1');
    const response = await restore({
      _csrf: csrf,
      scope: 'a:1',
      revision: String(before.at(-1)!.revision),
      etag: seen,
    });
    expect(response.statusCode).toBe(412);
    expect(response.body).toContain('Not restored: &quot;a:1&quot; was changed after you opened its history');
    expect(await revisions('a:1')).toEqual(before);
  });

  it('refuses a restore without the CSRF token', async () => {
    const before = await revisions('a:1');
    const forged = await restore({ scope: 'a:1', revision: String(before.at(-1)!.revision), etag: '' });
    expect(forged.statusCode).toBe(403);
    expect(forged.body).toContain('CSRF check');
    expect(await revisions('a:1')).toEqual(before);
  });

  it('keeps a deleted config’s history reachable, and restoring recreates it', async () => {
    await api('POST', '/api/services/zis/integrations/zendesk/configs', { scope: 'gone', config: { v: 1 } });
    await api('DELETE', configUrl('gone'));
    const notFound = await inject({
      method: 'GET',
      url: '/console/configs/zendesk/config?scope=gone',
      headers: { cookie },
    });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.body).toContain('href="/console/configs/zendesk/history?scope=gone"');
    const list = await inject({ method: 'GET', url: '/console/configs/zendesk', headers: { cookie } });
    expect(list.body).toContain('action="/console/configs/zendesk/history"');
    const page = await historyPage('gone');
    expect(page.body).toContain('This config is deleted now');
    const [deleted, created] = await revisions('gone');
    expect(deleted!.operation).toBe('delete');
    // No Restore button for the delete itself; a forged one is refused in words.
    expect(page.body).not.toContain(`name="revision" value="${deleted!.revision}"`);
    const refused = await restore({ _csrf: csrf, scope: 'gone', revision: String(deleted!.revision), etag: '' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('deleted the config');
    const restored = await restore({ _csrf: csrf, scope: 'gone', revision: String(created!.revision), etag: '' });
    expect(restored.statusCode).toBe(303);
    expect((await api('GET', configUrl('gone'))).json().config.config).toEqual({ v: 1 });
    expect((await historyPage('never')).statusCode).toBe(404);
  });
});
