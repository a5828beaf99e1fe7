import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { BackupRecord } from '../../src/store/backup-records.js';
import { hashSecret } from '../../src/security/secrets.js';
import type { ChannelIntegration, ChannelStore, Instance, PulledResource } from '../../src/store/channel-store.js';
import type { Store } from '../../src/store/store.js';
import { resource, type startFakeIntegration } from '../helpers/fake-integration.js';
import { opaqueTexts } from '../helpers/opaque-texts.js';
import { runCli } from '../helpers/processes.js';
import { call, createTenant, type Tenant } from '../helpers/server.js';

// Shared by the backup tests: a store seeded through the HTTP API with awkward data, every
// API answer about it as comparable text, and the CLI's export and import.

/** A clock that moves only when told to, so timestamps differ deterministically. */
export function steppingClock(start = Date.UTC(2024, 0, 1, 12)): { clock: Clock; step: () => void } {
  let now = start;
  return { clock: () => new Date(now), step: () => (now += 61_000) };
}

const configs = (integration: string) => `/api/services/zis/integrations/${integration}/configs`;

/** Who reads what, for comparing answers: an integration and the credentials to use. */
export interface Reader {
  label: string;
  integration: string;
  auth: { token?: string; auth?: string };
}

export interface Seeded {
  tenants: Tenant[];
  readers: Reader[];
  /** The registered integration's OAuth client: its secret must still work after import. */
  oauthClient: { id: string; secret: string; integration: string };
  /** Every secret handed out: none may appear in a backup. */
  secrets: string[];
  channels: SeededChannels;
}

export type FakeIntegration = Awaited<ReturnType<typeof startFakeIntegration>>;

const channelApi = '/api/switchboard/v1';

export interface SeededChannels {
  /** The admins whose channel API answers are compared. */
  admins: { label: string; auth: string }[];
  /** Ids that no longer exist (deleted, the highest among them): 404 everywhere. */
  deleted: { integrationId: number; instanceId: number };
  /** An instance of acme's, by format name (of its metadata and state), and `puller`. */
  instances: Record<string, number>;
  acmeAccountId: number;
}

/**
 * Channel data through the API, against a fake integration: integrations registered by
 * manifest (one through a 301; one deleted, the highest id), instances whose metadata and
 * state are JSON, YAML, XML, base64, emoji and exactly 5000 characters, pulls that store
 * threads and resources, find duplicates, replace state and metadata, and fail; an
 * instance deactivated, one whose state was edited, and one deleted with its pulls,
 * threads and resources (the highest ids of each gone).
 */
async function seedChannels(
  baseUrl: string,
  step: () => void,
  fake: FakeIntegration,
  acme: Tenant,
  globex: Tenant,
  secrets: string[],
): Promise<SeededChannels> {
  const admin = async (tenant: Tenant, expected: number, method: string, path: string, body?: unknown) => {
    step();
    const answer = await call(baseUrl, method, `${channelApi}${path}`, { auth: tenant.adminAuth, body });
    expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(expected);
    return answer;
  };
  const register = async (tenant: Tenant, manifestUrl: string) => {
    const registered = await admin(tenant, 201, 'POST', '/channel_integrations', { manifest_url: manifestUrl });
    secrets.push(registered.json.signing_secret);
    return registered.json.integration.id as number;
  };
  const create = async (tenant: Tenant, integrationId: number, name: string, metadata: string, state: string) => {
    const created = await admin(tenant, 201, 'POST', '/instances', {
      integration_id: integrationId,
      name,
      metadata,
      state,
    });
    secrets.push(created.json.zendesk_access_token);
    return created.json.instance.id as number;
  };
  const pull = async (tenant: Tenant, id: number, outcome: 'ok' | 'failed') => {
    const answer = await admin(tenant, 200, 'POST', `/instances/${id}/pull`);
    expect(answer.json.pull.outcome, answer.text).toBe(outcome);
  };

  const acmeIntegration = await register(acme, fake.manifestUrl);
  const globexIntegration = await register(globex, fake.redirectingManifestUrl);
  const instances: Record<string, number> = {};
  for (const [format, text] of Object.entries(opaqueTexts)) {
    instances[format] = await create(acme, acmeIntegration, `Instance ${format} ✓`, text, text);
  }
  instances.puller = await create(acme, acmeIntegration, 'Puller', '{"token":"t"}', '{"cursor":0}');
  const globexInstance = await create(globex, globexIntegration, 'Globex', '', '');

  fake.answerPulls(() => ({
    body: {
      external_resources: [
        resource('a1', { message: 'héllo 🎉 “quotes” \u2028 \\ "' }),
        resource('a2', { parent_id: 'a1', fields: [{ id: 'f', value: { nested: [1, null] } }] }),
        resource('b1', { thread_id: 'thread-b' }),
        resource('b2', { thread_id: 'thread-b' }),
      ],
      state: '{"cursor":"ü-1"}',
    },
  }));
  await pull(acme, instances.puller!, 'ok');
  fake.answerPulls(() => ({
    body: {
      external_resources: [resource('a1'), resource('c1', { parent_id: 'unknown' })],
      metadata: opaqueTexts.emoji,
      metadata_needs_update: true,
    },
  }));
  await pull(acme, instances.puller!, 'ok');
  fake.answerPulls(() => ({ status: 500, body: 'boom' }));
  await pull(acme, instances.yaml!, 'failed');
  fake.answerPulls(() => ({ body: { external_resources: [resource('g1', { message: 'ключ' })], state: 'g' } }));
  await pull(globex, globexInstance, 'ok');
  await admin(acme, 200, 'POST', `/instances/${instances.xml}/deactivate`);
  await admin(acme, 200, 'PATCH', `/instances/${instances.base64}`, { state: opaqueTexts.exactly5000 });

  // Deleted, with everything under them: the highest ids of every channel table are gone.
  const doomedIntegration = await register(acme, fake.manifestUrl);
  const doomed = await create(acme, doomedIntegration, 'Doomed', 'm', 's');
  fake.answerPulls(() => ({ body: { external_resources: [resource('z1'), resource('z2')] } }));
  await pull(acme, doomed, 'ok');
  await admin(acme, 204, 'DELETE', `/channel_integrations/${doomedIntegration}`);

  return {
    admins: [
      { label: 'acme admin', auth: acme.adminAuth },
      { label: 'globex admin', auth: globex.adminAuth },
    ],
    deleted: { integrationId: doomedIntegration, instanceId: doomed },
    instances,
    acmeAccountId: acme.accountId,
  };
}

/**
 * Two accounts, several integrations (one registered over HTTP, with a token from
 * /oauth/tokens), configs with unicode, nested JSON and scopes with `/` and `%`, some
 * updated (version > 1, updated_at after created_at), some deleted (gaps, and the highest
 * id gone). `step` moves the server's clock between writes.
 */
export async function seedViaApi(
  baseUrl: string,
  store: Store,
  step: () => void,
  fake: FakeIntegration,
): Promise<Seeded> {
  const acme = await createTenant(store, 'acme', ['sync_a', 'sync_b']);
  const globex = await createTenant(store, 'globex', ['sync_a']);
  const ok = async (expected: number, response: Promise<Awaited<ReturnType<typeof call>>>) => {
    const answer = await response;
    expect(answer.status, answer.text).toBe(expected);
    return answer;
  };
  const write = (token: string, method: string, path: string, body?: unknown) => {
    step();
    return ok(method === 'POST' ? 201 : method === 'DELETE' ? 204 : 200, call(baseUrl, method, path, { token, body }));
  };

  const registered = await ok(
    200,
    call(baseUrl, 'POST', '/api/services/zis/registry/registered_one', {
      auth: acme.adminAuth,
      body: { description: 'Registered by the round trip' },
    }),
  );
  const client = registered.json.zendesk_oauth_client as { id: number; identifier: string; secret: string };
  // The OAuth client's redirect URIs (format 5 keeps them with its description).
  await ok(
    200,
    call(baseUrl, 'PUT', `/api/v2/oauth/clients/${client.id}.json`, {
      auth: acme.adminAuth,
      body: { client: { redirect_uri: ['https://app.example.com/oauth/callback'] } },
    }),
  );
  const oauth = await ok(
    200,
    call(baseUrl, 'POST', '/oauth/tokens', {
      body: { grant_type: 'client_credentials', client_id: client.identifier, client_secret: client.secret },
    }),
  );
  const oauthToken = oauth.json.access_token as string;
  // A read-only token from the Support API (format 3 keeps its scopes and prefix).
  const registry = await ok(
    200,
    call(baseUrl, 'GET', '/api/services/zis/registry/integrations', { auth: acme.adminAuth }),
  );
  const syncB = (registry.json.integrations as { name: string; zendesk_oauth_client: { id: number } }[]).find(
    (integration) => integration.name === 'sync_b',
  )!;
  const readOnly = await ok(
    201,
    call(baseUrl, 'POST', '/api/v2/oauth/tokens.json', {
      auth: acme.adminAuth,
      body: { token: { client_id: syncB.zendesk_oauth_client.id, scopes: ['read'] } },
    }),
  );
  const readOnlyToken = readOnly.json.token.full_token as string;

  const a = acme.tokens.sync_a!;
  const created: [string, string, string, unknown][] = [
    [a, 'sync_a', 'plain', { a: 1 }],
    [a, 'sync_a', 'ünïcødé/日本語 ✓', { text: 'héllo — “quotes” \u2028 \\ "', emoji: '🎉', ctl: '\u0000\u001f' }],
    [a, 'sync_a', 'path/with/slashes', { a: { b: { c: [1, { d: null }, 'x'] } }, big: 1e300, neg: -0.5 }],
    [a, 'sync_a', 'to-delete-1', { gone: true }],
    [a, 'sync_a', '100%/done', { percent: '100%' }],
    [a, 'sync_a', 'a%2Fb', { literal: '%2F' }],
    [a, 'sync_a', 'under_score', {}],
    [a, 'sync_a', 'p1', { n: 1 }],
    [a, 'sync_a', 'p2', { n: 2 }],
    [acme.tokens.sync_b!, 'sync_b', 'plain', { other: 'integration' }],
    [globex.tokens.sync_a!, 'sync_a', 'plain', { tenant: 'globex' }],
    [globex.tokens.sync_a!, 'sync_a', 'ünïcødé/日本語 ✓', { tenant: 'globex', ключ: 'значение' }],
    [oauthToken, 'registered_one', 'from-oauth', { via: 'oauth' }],
    [a, 'sync_a', 'to-delete-last', { gone: true }],
  ];
  for (const [token, integration, scope, config] of created) {
    await write(token, 'POST', configs(integration), { scope, config });
  }
  const one = (integration: string, scope: string) => `${configs(integration)}/${encodeURIComponent(scope)}`;
  await write(a, 'PUT', one('sync_a', 'plain'), { config: { a: 2, replaced: true } });
  await write(a, 'PATCH', one('sync_a', 'path/with/slashes'), { config: { a: { b: { e: 'added' } }, neg: null } });
  await write(a, 'PATCH', one('sync_a', 'path/with/slashes'), { config: { again: [] } });
  await write(globex.tokens.sync_a!, 'PATCH', one('sync_a', 'plain'), { config: { patched: '✓' } });
  await write(a, 'DELETE', one('sync_a', 'to-delete-1'));
  await write(a, 'DELETE', one('sync_a', 'to-delete-last'));
  // Used (so its last use is kept too), and refused a write.
  await ok(200, call(baseUrl, 'GET', one('sync_b', 'plain'), { token: readOnlyToken }));
  await ok(403, call(baseUrl, 'DELETE', one('sync_b', 'plain'), { token: readOnlyToken }));

  const secrets = [
    acme.apiToken,
    globex.apiToken,
    ...Object.values(acme.tokens),
    ...Object.values(globex.tokens),
    client.secret,
    oauthToken,
    readOnlyToken,
  ];
  const channels = await seedChannels(baseUrl, step, fake, acme, globex, secrets);

  return {
    tenants: [acme, globex],
    readers: [
      { label: 'acme sync_a token', integration: 'sync_a', auth: { token: a } },
      { label: 'acme sync_b token', integration: 'sync_b', auth: { token: acme.tokens.sync_b! } },
      { label: 'acme admin sync_b', integration: 'sync_b', auth: { auth: acme.adminAuth } },
      { label: 'acme oauth token', integration: 'registered_one', auth: { token: oauthToken } },
      { label: 'acme read-only token', integration: 'sync_b', auth: { token: readOnlyToken } },
      { label: 'globex sync_a token', integration: 'sync_a', auth: { token: globex.tokens.sync_a! } },
      { label: 'globex admin sync_a', integration: 'sync_a', auth: { auth: globex.adminAuth } },
    ],
    oauthClient: { id: client.identifier, secret: client.secret, integration: 'registered_one' },
    secrets,
    channels,
  };
}

const filters = ['*', 'p*', '*%*', '*/*', 'ünï*', 'path/*', '100%*', 'a%2Fb', 'plain', '*_*', 'to-delete*'];

/**
 * Every answer the API gives about the seeded data, as text: lists (whole, filtered, and in
 * pages of 2 following `next`), every config by scope with its ETag, 304s, 404s and 401s.
 * The server's origin is the only thing normalised.
 */
export async function collectAnswers(baseUrl: string, seeded: Seeded): Promise<string[]> {
  const answers: string[] = [];
  const ask = async (label: string, path: string, options: Parameters<typeof call>[3]) => {
    const response = await call(baseUrl, 'GET', path, options);
    const body = response.text.replaceAll(baseUrl, 'ORIGIN');
    answers.push(
      `${label} GET ${path} -> ${response.status} etag=${response.headers.get('etag')} ` +
        `type=${response.headers.get('content-type')} ${body}`,
    );
    return response;
  };
  for (const reader of seeded.readers) {
    const list = configs(reader.integration);
    for (const filter of filters)
      await ask(reader.label, `${list}?filter[scope]=${encodeURIComponent(filter)}`, reader.auth);
    let page: string | undefined = `${list}?filter[scope]=*&page[size]=2`;
    while (page) {
      const response = await ask(reader.label, page, reader.auth);
      const next = response.json.next as string | null;
      page = next ? next.slice(baseUrl.length) : undefined;
    }
    const all = await call(baseUrl, 'GET', `${list}?filter[scope]=*`, reader.auth);
    for (const config of all.json.configs as { scope: string }[]) {
      const one = `${list}/${encodeURIComponent(config.scope)}`;
      const got = await ask(reader.label, one, reader.auth);
      await ask(reader.label, one, { ...reader.auth, headers: { 'if-none-match': got.headers.get('etag')! } });
    }
    await ask(reader.label, `${list}/to-delete-1`, reader.auth);
  }
  await ask('bad token', `${configs('sync_a')}?filter[scope]=*`, { token: 'sbzt_not-a-token' });
  // The Support API's view of tokens (scopes, prefixes, last use) and the registry.
  for (const { label, auth } of seeded.channels.admins) {
    await ask(label, '/api/v2/oauth/tokens.json', { auth });
    await ask(label, '/api/services/zis/registry/integrations', { auth });
    await ask(label, '/api/v2/oauth/clients.json', { auth });
  }

  // The OAuth client secret, kept only as a hash, still gets a token that works.
  const { oauthClient } = seeded;
  const token = await call(baseUrl, 'POST', '/oauth/tokens', {
    body: { grant_type: 'client_credentials', client_id: oauthClient.id, client_secret: oauthClient.secret },
  });
  answers.push(`oauth client credentials -> ${token.status}`);
  await ask('new oauth token', `${configs(oauthClient.integration)}?filter[scope]=*`, {
    token: token.json.access_token,
  });

  // The channel API: every integration, instance (redacted and not), pull log, thread and
  // resource each admin can see, and 404s for the deleted and the other account's.
  const { channels } = seeded;
  for (const { label, auth } of channels.admins) {
    const get = (path: string) => ask(label, `${channelApi}${path}`, { auth });
    const integrations = (await get('/channel_integrations')).json.integrations as { id: number }[];
    for (const { id } of integrations) {
      await get(`/channel_integrations/${id}`);
      await get(`/instances?integration_id=${id}`);
    }
    await get(`/channel_integrations/${channels.deleted.integrationId}`);
    const instances = (await get('/instances')).json.instances as { id: number }[];
    for (const { id } of instances) {
      await get(`/instances/${id}`);
      await get(`/instances/${id}?include=metadata`);
      await get(`/instances/${id}/pulls`);
      await get(`/instances/${id}/pulls?limit=1`);
      const threads = (await get(`/instances/${id}/threads`)).json.threads as { id: number }[];
      for (const thread of threads) await get(`/instances/${id}/threads/${thread.id}/resources`);
    }
    await get(`/instances/${channels.deleted.instanceId}?include=metadata`);
    await get(`/instances/${channels.deleted.instanceId}/pulls`);
    await get(`/instances/${channels.instances.puller}/threads`);
  }
  return answers;
}

/** `switchboard export --output FILE`, which must succeed. */
export async function exportWithCli(databaseUrl: string, file: string): Promise<string> {
  const result = await runCli(['export', '--database', databaseUrl, '--output', file]);
  expect(result.stderr).toMatch(/^Exported \d+ accounts?, .* to .*\.\n$/);
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('');
  return result.stderr;
}

/** `switchboard import --input FILE`, which must succeed. */
export async function importWithCli(databaseUrl: string, file: string): Promise<string> {
  const result = await runCli(['import', '--database', databaseUrl, '--input', file]);
  expect(result.stderr).toMatch(/^Imported \d+ accounts?, .*\.\n$/);
  expect(result.code).toBe(0);
  return result.stderr;
}

/** Everything a store holds, through its own export. */
export async function recordsOf(store: Store): Promise<BackupRecord[]> {
  const records: BackupRecord[] = [];
  for await (const record of store.exportRecords()) records.push(record);
  return records;
}

/** A channel integration, straight into the store (no manifest fetch). */
export function createChannelIntegration(channels: ChannelStore, accountId: number, now: number) {
  const manifest = {
    name: 'Stored Channel',
    id: 'com.example.stored',
    version: '1.0',
    urls: { admin_ui: { href: 'https://integration.test/admin' }, pull_url: { href: 'https://integration.test/pull' } },
  };
  return channels.createIntegration({
    accountId,
    remoteId: manifest.id,
    name: manifest.name,
    manifestUrl: 'https://integration.test/manifest.json',
    manifestJson: JSON.stringify(manifest),
    nowMs: now,
  });
}

/** An instance, straight into the store. */
export function createInstance(
  channels: ChannelStore,
  integration: ChannelIntegration,
  fields: { name: string; metadata?: string; state?: string; now: number },
) {
  return channels.createInstance({
    accountId: integration.accountId,
    integrationId: integration.id,
    name: fields.name,
    metadata: fields.metadata ?? '',
    state: fields.state ?? '',
    instancePushId: randomUUID(),
    pushTokenHash: hashSecret(randomUUID()),
    nowMs: fields.now,
  });
}

/**
 * A successful pull of `instance` that stores `externalIds` as resources (each opening a
 * thread of its own, unless `thread` names one for all), as the pull loop records it:
 * lease, then completion.
 */
export async function pullInto(
  channels: ChannelStore,
  instance: Instance,
  externalIds: string[],
  options: { now: number; thread?: string; state?: string },
) {
  const { now } = options;
  const claimed = await channels.claimInstance(instance.accountId, instance.id, {
    nowMs: now,
    leaseMs: 60_000,
    owner: 'test',
  });
  expect(claimed).toMatchObject({ instance: { id: instance.id } });
  const resources = externalIds.map((externalId): PulledResource => ({
    externalId,
    parentId: null,
    threadId: options.thread ?? null,
    payloadJson: JSON.stringify({ external_id: externalId, message: `message ${externalId} ✓` }),
  }));
  return channels.completePull({
    instanceId: instance.id,
    startedAt: now,
    durationMs: 7,
    outcome: 'ok',
    httpStatus: 200,
    error: null,
    stateVersionAtStart: instance.stateVersion,
    resources,
    newState: options.state,
    nextPullAt: now + 120_000,
    deactivateAfter: 3,
    nowMs: now + 7,
  });
}
