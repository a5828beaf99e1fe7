import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelIntegration, ChannelStore, Instance, PulledResource } from '../../src/store/channel-store.js';
import type { EventBatch } from '../../src/store/event-outbox-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createTenant } from '../helpers/server.js';
import { storeProfiles, type OpenedStore } from '../helpers/stores.js';

/** Epoch milliseconds. */
const T0 = 1_700_000_000_000;

const manifestJson = (events: boolean) =>
  JSON.stringify({
    name: 'Chat',
    id: 'com.example.chat',
    urls: {
      admin_ui: { href: 'https://chat.example/admin', scheme: 'https', written: './admin' },
      pull_url: { href: 'https://chat.example/pull', scheme: 'https', written: './pull' },
      ...(events
        ? { event_callback_url: { href: 'https://chat.example/events', scheme: 'https', written: './events' } }
        : {}),
    },
  });

const resource = (externalId: string, links: { parentId?: string; threadId?: string } = {}): PulledResource => ({
  externalId,
  parentId: links.parentId ?? null,
  threadId: links.threadId ?? null,
  payloadJson: JSON.stringify({ external_id: externalId }),
});

const claim = (channels: ChannelStore, owner: string, nowMs: number, extra: { batchSize?: number } = {}) =>
  channels.claimEventBatches({ nowMs, keys: 10, batchSize: extra.batchSize ?? 100, leaseMs: 10_000, owner });

const delivered = (channels: ChannelStore, batch: EventBatch, owner: string, nowMs: number) =>
  channels.completeEventBatch({
    integrationId: batch.integrationId,
    owner,
    eventIds: batch.events.map((event) => event.id),
    outcome: 'delivered',
    error: null,
    maxAttempts: 3,
    retryAt: nowMs,
    nowMs,
  });

describe.each(storeProfiles)('the event outbox on $name', (kind) => {
  let opened: OpenedStore;
  let channels: ChannelStore;
  let accountId: number;
  let otherAccountId: number;
  let n = 0;

  const integration = (events = true, account = accountId): Promise<ChannelIntegration> =>
    channels.createIntegration({
      accountId: account,
      remoteId: 'com.example.chat',
      name: 'Chat',
      manifestUrl: 'https://chat.example/manifest.json',
      manifestJson: manifestJson(events),
      nowMs: T0,
    });
  const instance = (of: ChannelIntegration, metadata = 'md'): Promise<Instance> =>
    channels.createInstance({
      accountId: of.accountId,
      integrationId: of.id,
      name: `instance ${++n}`,
      metadata,
      state: '',
      instancePushId: `push-${kind.name}-${n}`,
      pushTokenHash: `hash-${kind.name}-${n}`,
      nowMs: T0 + 1,
    });
  /** Claims, checks and delivers everything pending now, returning the batches. */
  const drain = async (nowMs = T0 + 10) => {
    const batches = await claim(channels, 'drainer', nowMs);
    for (const batch of batches) expect(await delivered(channels, batch, 'drainer', nowMs)).toBe(true);
    return batches;
  };

  beforeAll(async () => {
    opened = await kind.open();
    channels = opened.store.channels;
    accountId = (await createTenant(opened.store, 'acme', [])).accountId;
    otherAccountId = (await createTenant(opened.store, 'globex', [])).accountId;
  });
  afterAll(async () => opened.cleanup());

  it('enqueues create_integration with the change, and nothing without an event_callback_url', async () => {
    await drain();
    const silent = await integration(false);
    await instance(silent);
    expect(await claim(channels, 'a', T0 + 10)).toEqual([]);
    expect(await channels.listEvents(accountId, silent.id, 10)).toEqual([]);

    const loud = await integration(true);
    const [batch] = await claim(channels, 'a', T0 + 10);
    expect(batch).toMatchObject({
      integrationId: loud.id,
      accountId,
      integrationCreatedAt: loud.createdAt,
      callbackUrl: 'https://chat.example/events',
    });
    expect(batch!.events).toHaveLength(1);
    expect(batch!.events[0]).toMatchObject({
      typeId: 'create_integration',
      subdomain: 'acme',
      integrationName: 'Chat',
      instanceId: null,
      metadata: null,
      createdAt: T0,
      attempts: 0,
    });
    expect(JSON.parse(batch!.events[0]!.dataJson)).toEqual({ manifest_url: 'https://chat.example/manifest.json' });
    expect(await delivered(channels, batch!, 'a', T0 + 20)).toBe(true);
    const [listed] = await channels.listEvents(accountId, loud.id, 10);
    expect(listed).toMatchObject({ status: 'delivered', attempts: 1, deliveredAt: T0 + 20, lastError: null });
    expect(await channels.listEvents(otherAccountId, loud.id, 10)).toEqual([]);
  });

  it('leases per integration: one holder at a time, taken over when the lease runs out', async () => {
    await drain();
    const one = await integration();
    const [held] = await claim(channels, 'node-a', T0 + 100);
    expect(held!.integrationId).toBe(one.id);
    // Events enqueued meanwhile wait for the holder: never two batches of one integration at once.
    await instance(one);
    expect(await claim(channels, 'node-b', T0 + 200)).toEqual([]);
    const [takenOver] = await claim(channels, 'node-b', T0 + 100 + 10_000);
    expect(takenOver!.events.map((event) => event.typeId)).toEqual([
      'create_integration',
      'create_integration_instance',
    ]);
    expect(takenOver!.events[0]!.id).toBe(held!.events[0]!.id);
    // The first holder's late answer changes nothing.
    expect(await delivered(channels, held!, 'node-a', T0 + 10_200)).toBe(false);
    expect((await channels.listEvents(accountId, one.id, 10)).map((event) => event.status)).toEqual([
      'pending',
      'pending',
    ]);
    expect(await delivered(channels, takenOver!, 'node-b', T0 + 10_300)).toBe(true);
  });

  it("renews only the holder's delivery leases, answers which, and a renewed lease keeps others out", async () => {
    await drain();
    const [mine, theirs, done] = [await integration(), await integration(), await integration()];
    const held = await claim(channels, 'me', T0 + 100);
    expect(held.map((batch) => batch.integrationId)).toEqual([mine.id, theirs.id, done.id]);
    const renew = (owner: string, ids: number[], nowMs: number) =>
      channels.renewEventLeases({ owner, integrationIds: ids, nowMs, leaseMs: 10_000 });
    // done: delivered and released; theirs: its lease ran out and another node took it.
    expect(await delivered(channels, held[2]!, 'me', T0 + 200)).toBe(true);
    // A lapsed lease nobody took is still the holder's to renew.
    expect(await renew('me', [mine.id], T0 + 10_500)).toEqual([mine.id]);
    const takenOver = await channels.claimEventBatches({
      nowMs: T0 + 10_500,
      keys: 10,
      batchSize: 100,
      leaseMs: 60_000,
      owner: 'them',
    });
    expect(takenOver.map((batch) => batch.integrationId)).toEqual([theirs.id]);
    expect((await renew('me', [mine.id, theirs.id, done.id, 987_654], T0 + 11_000)).sort()).toEqual([mine.id]);
    expect(await renew('them', [], T0 + 11_000)).toEqual([]);
    // Renewed until T0 + 21 s: not claimable before, claimable from then; the old holder then loses it.
    await instance(mine);
    expect(await claim(channels, 'other', T0 + 20_999)).toEqual([]);
    const [again] = await claim(channels, 'other', T0 + 21_000);
    expect(again!.integrationId).toBe(mine.id);
    expect(await renew('me', [mine.id], T0 + 21_001)).toEqual([]);
    expect(await delivered(channels, held[0]!, 'me', T0 + 21_002)).toBe(false);
    expect(await delivered(channels, again!, 'other', T0 + 21_003)).toBe(true);
    expect(await delivered(channels, takenOver[0]!, 'them', T0 + 21_004)).toBe(true);
  });

  it('retries a failed batch after retryAt and gives up at maxAttempts, keeping the reason', async () => {
    await drain();
    const flaky = await integration();
    const fail = async (nowMs: number) => {
      const [batch] = await claim(channels, 'x', nowMs);
      expect(batch).toBeDefined();
      return channels.completeEventBatch({
        integrationId: batch!.integrationId,
        owner: 'x',
        eventIds: batch!.events.map((event) => event.id),
        outcome: 'failed',
        error: 'event_callback_url answered HTTP 500; expected 2xx',
        maxAttempts: 2,
        retryAt: nowMs + 1000,
        nowMs,
      });
    };
    await fail(T0 + 100);
    const [first] = await channels.listEvents(accountId, flaky.id, 1);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, lastAttemptAt: T0 + 100 });
    expect(first!.lastError).toMatch(/HTTP 500/);
    expect(await claim(channels, 'x', T0 + 1099)).toEqual([]);
    await fail(T0 + 1100);
    const [given] = await channels.listEvents(accountId, flaky.id, 1);
    expect(given).toMatchObject({ status: 'failed', attempts: 2 });
    // A given-up event no longer holds the integration's next ones back.
    await instance(flaky);
    const [next] = await claim(channels, 'x', T0 + 1101);
    expect(next!.events.map((event) => event.typeId)).toEqual(['create_integration_instance']);
    await delivered(channels, next!, 'x', T0 + 1102);
  });

  it('hooks instance changes: create, deactivate (api), activate, destroy; metadata read when claimed', async () => {
    await drain();
    const host = await integration();
    const one = await instance(host, 'first metadata');
    await channels.updateInstance(accountId, one.id, { metadata: 'newer metadata', nowMs: T0 + 2 });
    await channels.updateInstance(accountId, one.id, { active: false, deactivatedReason: 'by hand', nowMs: T0 + 3 });
    await channels.updateInstance(accountId, one.id, { active: false, nowMs: T0 + 4 });
    await channels.updateInstance(accountId, one.id, { active: true, nowMs: T0 + 5 });
    const [batch] = await claim(channels, 'x', T0 + 10);
    expect(batch!.events.map((event) => [event.typeId, event.instanceId, event.metadata, event.createdAt])).toEqual([
      ['create_integration', null, null, T0],
      ['create_integration_instance', one.id, 'newer metadata', T0 + 1],
      ['deactivate_integration_instance', one.id, 'newer metadata', T0 + 3],
      ['activate_integration_instance', one.id, 'newer metadata', T0 + 5],
    ]);
    expect(JSON.parse(batch!.events[2]!.dataJson)).toEqual({ deactivated_by: 'api' });
    await delivered(channels, batch!, 'x', T0 + 10);

    expect(await channels.deleteInstance(otherAccountId, one.id, T0 + 6)).toBe(false);
    expect(await channels.deleteInstance(accountId, one.id, T0 + 6)).toBe(true);
    const [gone] = await claim(channels, 'x', T0 + 10);
    expect(gone!.events.map((event) => [event.typeId, event.instanceId, event.metadata])).toEqual([
      ['destroy_integration_instance', one.id, null],
    ]);
    await delivered(channels, gone!, 'x', T0 + 10);
  });

  it('keeps pending events of a deleted integration, with what delivery needs', async () => {
    await drain();
    const doomed = await integration();
    const member = await instance(doomed, 'secret-ish');
    expect(await channels.deleteIntegration(otherAccountId, doomed.id, T0 + 7)).toBe(false);
    expect(await channels.deleteIntegration(accountId, doomed.id, T0 + 7)).toBe(true);
    const [batch] = await claim(channels, 'x', T0 + 10);
    expect(batch).toMatchObject({ integrationId: doomed.id, integrationCreatedAt: doomed.createdAt });
    expect(batch!.events.map((event) => [event.typeId, event.metadata])).toEqual([
      ['create_integration', null],
      ['create_integration_instance', null],
      ['destroy_integration', null],
    ]);
    expect(batch!.events[1]!.instanceId).toBe(member.id);
    expect(batch!.events[2]!.createdAt).toBe(T0 + 7);
    await delivered(channels, batch!, 'x', T0 + 10);
    expect((await channels.listEvents(accountId, doomed.id, 10)).map((event) => event.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ]);
  });

  it('a pull enqueues resources_created_from_external_ids and pull_request, in one transaction with it', async () => {
    await drain();
    const host = await integration();
    const one = await instance(host);
    const pull = (resources: PulledResource[], nowMs: number) =>
      channels.completePull({
        instanceId: one.id,
        startedAt: nowMs,
        durationMs: 1,
        outcome: 'ok',
        httpStatus: 200,
        error: null,
        stateVersionAtStart: 1,
        resources,
        nextPullAt: nowMs + 1000,
        deactivateAfter: 2,
        nowMs,
      });
    const first = await pull(
      [resource('a'), resource('b', { parentId: 'a' }), resource('t1', { threadId: 'T' })],
      T0 + 10,
    );
    const second = await pull(
      [resource('a'), resource('c', { threadId: 'T' }), resource('c'), resource('d', { parentId: 'b' })],
      T0 + 20,
    );
    const threads = new Map((await channels.listThreads(accountId, one.id)).map((t) => [t.threadKey, t.id]));
    const ids = new Map((await channels.listResources(accountId, one.id)).map((r) => [r.externalId, r.id]));
    const [batch] = await claim(channels, 'x', T0 + 30);
    const events = batch!.events.slice(2).map((event) => [event.typeId, JSON.parse(event.dataJson)]);
    expect(events).toEqual([
      [
        'resources_created_from_external_ids',
        {
          request_id: String(first.id),
          resource_events: [
            {
              type_id: 'comment_on_new_ticket',
              external_id: 'a',
              comment_id: ids.get('a'),
              ticket_id: threads.get('a'),
            },
            {
              type_id: 'comment_on_existing_ticket',
              external_id: 'b',
              comment_id: ids.get('b'),
              ticket_id: threads.get('a'),
            },
            {
              type_id: 'comment_on_new_ticket',
              external_id: 't1',
              comment_id: ids.get('t1'),
              ticket_id: threads.get('T'),
            },
          ],
        },
      ],
      [
        'resources_created_from_external_ids',
        {
          request_id: String(second.id),
          resource_events: [
            {
              type_id: 'comment_on_existing_ticket',
              external_id: 'c',
              comment_id: ids.get('c'),
              ticket_id: threads.get('T'),
            },
            {
              type_id: 'comment_on_existing_ticket',
              external_id: 'd',
              comment_id: ids.get('d'),
              ticket_id: threads.get('a'),
            },
          ],
        },
      ],
      [
        'pull_request',
        {
          integration_instance_name: one.name,
          url: 'https://chat.example/pull',
          request_id: String(second.id),
          duplicate_external_ids: [
            { external_id: 'a', request_id: String(second.id), ticket_id: threads.get('a'), comment_id: ids.get('a') },
            { external_id: 'c', request_id: String(second.id), ticket_id: threads.get('T'), comment_id: ids.get('c') },
          ],
        },
      ],
    ]);
    expect(typeof ids.get('a')).toBe('number');
    await delivered(channels, batch!, 'x', T0 + 30);
  });

  it('a pull that deactivates after repeated failures enqueues deactivate_integration_instance with the error', async () => {
    await drain();
    const host = await integration();
    const one = await instance(host);
    for (const nowMs of [T0 + 10, T0 + 20]) {
      await channels.completePull({
        instanceId: one.id,
        startedAt: nowMs,
        durationMs: 1,
        outcome: 'failed',
        httpStatus: 500,
        error: 'pull_url answered HTTP 500; expected 200 with JSON',
        stateVersionAtStart: 1,
        resources: [],
        nextPullAt: nowMs + 1000,
        deactivateAfter: 2,
        nowMs,
      });
    }
    const [batch] = await claim(channels, 'x', T0 + 30);
    const last = batch!.events.at(-1)!;
    expect(batch!.events).toHaveLength(3);
    expect(last).toMatchObject({ typeId: 'deactivate_integration_instance', instanceId: one.id, createdAt: T0 + 20 });
    expect(last.error).toMatch(/HTTP 500/);
    expect(JSON.parse(last.dataJson)).toEqual({
      deactivated_by: 'error',
      deactivating_error: 'pull_url answered HTTP 500; expected 200 with JSON',
    });
    await delivered(channels, batch!, 'x', T0 + 30);
  });

  it('hands out batches of at most batchSize, oldest first', async () => {
    await drain();
    const host = await integration();
    for (let i = 0; i < 5; i++) await instance(host);
    const seen: number[] = [];
    for (let round = 0; round < 3; round++) {
      const [batch] = await claim(channels, 'x', T0 + 10, { batchSize: 2 });
      seen.push(...batch!.events.map((event) => event.id));
      await delivered(channels, batch!, 'x', T0 + 10);
    }
    expect(seen).toHaveLength(6);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(await claim(channels, 'x', T0 + 10)).toEqual([]);
  });

  it('never hands one integration to two store objects claiming at once', async () => {
    await drain();
    const others: Store[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const other = await openStore(opened.url);
        await other.migrate();
        others.push(other);
      }
      const hosts = await Promise.all(Array.from({ length: 6 }, () => integration()));
      for (const host of hosts) await instance(host);
      const stores = [channels, ...others.map((other) => other.channels)];
      const claims = await Promise.all(stores.map((store, i) => claim(store, `node-${i}`, T0 + 10)));
      const keys = claims.flat().map((batch) => batch.integrationId);
      expect(new Set(keys).size).toBe(keys.length);
      expect(new Set(keys)).toEqual(new Set(hosts.map((host) => host.id)));
      for (const [i, batches] of claims.entries()) {
        for (const batch of batches) expect(await delivered(stores[i]!, batch, `node-${i}`, T0 + 10)).toBe(true);
      }
    } finally {
      for (const other of others) await other.close();
    }
  });
});
