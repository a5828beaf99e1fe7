import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NulCharacterError } from '../../src/store/nul-guard.js';
import type {
  ChannelIntegration,
  ChannelStore,
  Instance,
  PullCompletion,
  PulledResource,
  PullTarget,
} from '../../src/store/channel-store.js';
import { channelStoreKinds, type OpenedChannelStore } from '../helpers/channel-stores.js';
import { opaqueTexts } from '../helpers/opaque-texts.js';
import { countRows } from '../helpers/raw-sql.js';

/** Epoch milliseconds. */
const T0 = 1_700_000_000_000;
const A = 1;
const B = 2;

const manifestJson = (pullUrl: string | null | { href: string } = { href: 'https://chat.example/pull' }) =>
  JSON.stringify({
    name: 'Chat',
    id: 'com.example.chat',
    urls: {
      admin_ui: { href: 'https://chat.example/admin', scheme: 'https', written: './admin' },
      ...(pullUrl === null
        ? {}
        : { pull_url: typeof pullUrl === 'string' ? pullUrl : { ...pullUrl, scheme: 'https', written: './pull' } }),
    },
  });

const resource = (externalId: string, links: { parentId?: string; threadId?: string } = {}): PulledResource => ({
  externalId,
  parentId: links.parentId ?? null,
  threadId: links.threadId ?? null,
  payloadJson: JSON.stringify({ external_id: externalId, message: `message ${externalId}` }),
});

/** Test data builders over one channel store. */
function builders(channels: () => ChannelStore) {
  let n = 0;
  const integration = (accountId = A, pullUrl?: string | null | { href: string }, now = T0) =>
    channels().createIntegration({
      accountId,
      remoteId: 'com.example.chat',
      name: 'Chat',
      manifestUrl: 'https://chat.example/manifest.json',
      manifestJson: manifestJson(pullUrl),
      nowMs: now,
    });
  const instance = (
    on: ChannelIntegration,
    fields: { name?: string; metadata?: string; state?: string; now?: number } = {},
  ) =>
    channels().createInstance({
      accountId: on.accountId,
      integrationId: on.id,
      name: fields.name ?? `instance ${++n}`,
      metadata: fields.metadata ?? '{"token":"t"}',
      state: fields.state ?? '',
      instancePushId: `push-${++n}-${Math.random()}`,
      pushTokenHash: `hash-${n}`,
      nowMs: fields.now ?? T0,
    });
  const completion = (of: Instance | PullTarget, fields: Partial<PullCompletion> = {}): PullCompletion => {
    const target = 'instance' in of ? of.instance : of;
    return {
      instanceId: target.id,
      startedAt: T0 + 1000,
      durationMs: 250,
      outcome: 'ok',
      httpStatus: 200,
      error: null,
      stateVersionAtStart: target.stateVersion,
      resources: [],
      nextPullAt: T0 + 120_000,
      deactivateAfter: 3,
      nowMs: T0 + 1250,
      ...fields,
    };
  };
  const claim = async (of: Instance, now = T0 + 1000) => {
    const claimed = await channels().claimInstance(of.accountId, of.id, { nowMs: now, leaseMs: 60_000, owner: 'test' });
    if (typeof claimed === 'string') throw new Error(`claim refused: ${claimed}`);
    return claimed;
  };
  return { integration, instance, completion, claim };
}

/** The channel-store contract: every store kind passes the same tests. */
describe.each(channelStoreKinds)('ChannelStore contract on $name', (kind) => {
  let opened: OpenedChannelStore;
  let channels: ChannelStore;
  const { integration, instance, completion, claim } = builders(() => channels);

  beforeAll(async () => {
    opened = await kind.open();
    channels = opened.channels;
    for (const [id, subdomain] of [
      [A, 'acme'],
      [B, 'beta'],
    ] as const) {
      await opened.store.createAccount({
        id,
        subdomain,
        adminEmail: 'a@x',
        adminTokenHash: `h-${subdomain}`,
        nowSeconds: 1,
      });
    }
  });
  afterAll(async () => {
    await opened?.cleanup();
  });

  describe('integrations', () => {
    it('creates, lists, gets, updates and deletes, within one account', async () => {
      const first = await integration(A, undefined, T0);
      expect(first).toEqual({
        id: expect.any(Number),
        accountId: A,
        remoteId: 'com.example.chat',
        name: 'Chat',
        manifestUrl: 'https://chat.example/manifest.json',
        manifestJson: manifestJson(),
        createdAt: T0,
        updatedAt: T0,
      });
      const second = await integration(A);
      const theirs = await integration(B);
      expect(second.id).toBeGreaterThan(first.id);

      const listed = await channels.listIntegrations(A);
      expect(listed.map((i) => i.id)).toEqual(expect.arrayContaining([first.id, second.id]));
      expect(listed.map((i) => i.id)).not.toContain(theirs.id);
      expect(listed.map((i) => i.id)).toEqual([...listed.map((i) => i.id)].sort((a, b) => a - b));
      expect(await channels.getIntegration(A, first.id)).toEqual(first);
      expect(await channels.getIntegration(B, first.id)).toBeUndefined();
      expect(await channels.getIntegration(A, 987654)).toBeUndefined();

      const changed = manifestJson('https://chat.example/pull-v2');
      const updated = await channels.updateIntegrationManifest(A, first.id, {
        manifestJson: changed,
        name: 'Chat v2',
        nowMs: T0 + 5,
      });
      expect(updated).toEqual({ ...first, name: 'Chat v2', manifestJson: changed, updatedAt: T0 + 5 });
      expect(await channels.getIntegration(A, first.id)).toEqual(updated);
      expect(
        await channels.updateIntegrationManifest(B, first.id, { manifestJson: changed, name: 'x', nowMs: T0 }),
      ).toBe(undefined);
      expect(await channels.getIntegration(A, first.id)).toEqual(updated);

      expect(await channels.deleteIntegration(B, first.id)).toBe(false);
      expect(await channels.deleteIntegration(A, first.id)).toBe(true);
      expect(await channels.deleteIntegration(A, first.id)).toBe(false);
      expect(await channels.getIntegration(A, first.id)).toBeUndefined();
      expect(await channels.getIntegration(B, theirs.id)).toEqual(theirs);
    });

    it('never reuses an id', async () => {
      const made = await integration(A);
      await channels.deleteIntegration(A, made.id);
      expect((await integration(A)).id).toBeGreaterThan(made.id);
      const on = await integration(A);
      const gone = await instance(on);
      await channels.deleteInstance(A, gone.id);
      expect((await instance(on)).id).toBeGreaterThan(gone.id);
    });

    it('refuses U+0000, writing nothing', async () => {
      const before = (await channels.listIntegrations(A)).length;
      await expect(
        channels.createIntegration({
          accountId: A,
          remoteId: 'x',
          name: 'nul\u0000name',
          manifestUrl: 'https://x',
          manifestJson: manifestJson(),
          nowMs: T0,
        }),
      ).rejects.toBeInstanceOf(NulCharacterError);
      expect(await channels.listIntegrations(A)).toHaveLength(before);
    });
  });

  describe('instances', () => {
    it('creates an instance, active and due at once', async () => {
      const on = await integration();
      const made = await instance(on, { name: 'Support', metadata: '{"k":1}', state: 's0', now: T0 + 7 });
      expect(made).toEqual({
        id: expect.any(Number),
        accountId: A,
        integrationId: on.id,
        name: 'Support',
        metadata: '{"k":1}',
        state: 's0',
        stateVersion: expect.any(Number),
        instancePushId: expect.stringMatching(/^push-/),
        pushTokenHash: expect.stringMatching(/^hash-/),
        active: true,
        deactivatedReason: null,
        metadataNeedsUpdate: false,
        consecutiveFailures: 0,
        nextPullAt: T0 + 7,
        lastPullAt: null,
        createdAt: T0 + 7,
        updatedAt: T0 + 7,
      });
      expect(await channels.getInstance(A, made.id)).toEqual(made);
    });

    it('lists by account and integration, and keeps accounts apart', async () => {
      const one = await integration();
      const two = await integration();
      const theirs = await integration(B);
      const a1 = await instance(one);
      const a2 = await instance(two);
      const a3 = await instance(one);
      const b1 = await instance(theirs);

      expect((await channels.listInstances(A, { integrationId: one.id })).map((i) => i.id)).toEqual([a1.id, a3.id]);
      expect((await channels.listInstances(A, { integrationId: two.id })).map((i) => i.id)).toEqual([a2.id]);
      expect(await channels.listInstances(A, { integrationId: theirs.id })).toEqual([]);
      const all = (await channels.listInstances(A)).map((i) => i.id);
      expect(all).toEqual(expect.arrayContaining([a1.id, a2.id, a3.id]));
      expect(all).not.toContain(b1.id);
      expect(all).toEqual([...all].sort((a, b) => a - b));
      expect(await channels.getInstance(B, a1.id)).toBeUndefined();
      expect(await channels.updateInstance(B, a1.id, { name: 'stolen', nowMs: T0 })).toBeUndefined();
      expect(await channels.deleteInstance(B, a1.id)).toBe(false);
      expect(await channels.getInstance(A, a1.id)).toEqual(a1);
    });

    it('refuses an instance of another account’s integration', async () => {
      const theirs = await integration(B);
      await expect(
        channels.createInstance({
          accountId: A,
          integrationId: theirs.id,
          name: 'x',
          metadata: '',
          state: '',
          instancePushId: `push-cross-${Math.random()}`,
          pushTokenHash: 'h',
          nowMs: T0,
        }),
      ).rejects.toThrow();
    });

    it('refuses a taken instance_push_id', async () => {
      const on = await integration();
      const made = await instance(on);
      await expect(
        channels.createInstance({
          accountId: A,
          integrationId: on.id,
          name: 'dup',
          metadata: '',
          state: '',
          instancePushId: made.instancePushId,
          pushTokenHash: 'h',
          nowMs: T0,
        }),
      ).rejects.toThrow();
    });

    it.each(Object.entries(opaqueTexts))('stores %s metadata and state byte for byte', async (_name, value) => {
      const on = await integration();
      const made = await instance(on, { metadata: value, state: value });
      expect(made.metadata).toBe(value);
      expect(made.state).toBe(value);
      const read = (await channels.getInstance(A, made.id))!;
      expect(read.metadata).toBe(value);
      expect(read.state).toBe(value);
      expect((await channels.findInstanceByPushId(made.instancePushId))!.metadata).toBe(value);
      expect((await channels.listInstances(A, { integrationId: on.id }))[0]!.state).toBe(value);

      const other = await instance(on, { metadata: 'm', state: 's' });
      const updated = (await channels.updateInstance(A, other.id, { metadata: value, state: value, nowMs: T0 + 1 }))!;
      expect([updated.metadata, updated.state]).toEqual([value, value]);

      const pulled = await instance(on, { metadata: 'm', state: 's' });
      const target = await claim(pulled);
      await channels.completePull(completion(target, { newState: value, newMetadata: value }));
      const after = (await channels.getInstance(A, pulled.id))!;
      expect([after.metadata, after.state]).toEqual([value, value]);
    });

    it('finds an instance by push id across accounts', async () => {
      const theirs = await instance(await integration(B));
      expect(await channels.findInstanceByPushId(theirs.instancePushId)).toEqual(theirs);
      expect(await channels.findInstanceByPushId('push-unknown')).toBeUndefined();
      expect(await channels.findInstanceByPushId('push\u0000')).toBeUndefined();
    });

    it('updates the given fields; a state change bumps stateVersion', async () => {
      const made = await instance(await integration(), { state: 'a' });
      const renamed = (await channels.updateInstance(A, made.id, { name: 'New name', nowMs: T0 + 1 }))!;
      expect(renamed).toEqual({ ...made, name: 'New name', updatedAt: T0 + 1 });

      const stated = (await channels.updateInstance(A, made.id, { state: 'b', nowMs: T0 + 2 }))!;
      expect(stated.state).toBe('b');
      expect(stated.stateVersion).toBe(made.stateVersion + 1);
      // The same state again is no change.
      const same = (await channels.updateInstance(A, made.id, { state: 'b', nowMs: T0 + 3 }))!;
      expect(same.stateVersion).toBe(stated.stateVersion);

      const rest = (await channels.updateInstance(A, made.id, {
        metadata: 'm2',
        metadataNeedsUpdate: true,
        pushTokenHash: 'hash-new',
        nowMs: T0 + 4,
      }))!;
      expect(rest).toMatchObject({ metadata: 'm2', metadataNeedsUpdate: true, pushTokenHash: 'hash-new', state: 'b' });
      expect(rest.stateVersion).toBe(stated.stateVersion);
      expect(await channels.getInstance(A, made.id)).toEqual(rest);
      expect(await channels.updateInstance(A, 987654, { name: 'x', nowMs: T0 })).toBeUndefined();
    });

    it('deactivates with a reason, and activating resets failures and makes it due now', async () => {
      const made = await instance(await integration());
      await channels.completePull(
        completion(await claim(made), { outcome: 'failed', error: 'HTTP 500', httpStatus: 500 }),
      );
      const off = (await channels.updateInstance(A, made.id, {
        active: false,
        deactivatedReason: 'deactivated through the API',
        nowMs: T0 + 10,
      }))!;
      expect(off).toMatchObject({
        active: false,
        deactivatedReason: 'deactivated through the API',
        consecutiveFailures: 1,
      });
      expect(await channels.claimInstance(A, made.id, { nowMs: T0 + 10, leaseMs: 1000, owner: 'x' })).toBe('inactive');

      const on = (await channels.updateInstance(A, made.id, {
        active: true,
        deactivatedReason: null,
        nowMs: T0 + 20,
      }))!;
      expect(on).toMatchObject({ active: true, deactivatedReason: null, consecutiveFailures: 0, nextPullAt: T0 + 20 });
    });

    it('deletes an instance', async () => {
      const made = await instance(await integration());
      expect(await channels.deleteInstance(A, made.id)).toBe(true);
      expect(await channels.deleteInstance(A, made.id)).toBe(false);
      expect(await channels.getInstance(A, made.id)).toBeUndefined();
      expect(await channels.findInstanceByPushId(made.instancePushId)).toBeUndefined();
    });

    it('refuses U+0000 in metadata and state, writing nothing', async () => {
      const on = await integration();
      const made = await instance(on, { metadata: 'm', state: 's' });
      await expect(instance(on, { metadata: 'a\u0000b' })).rejects.toBeInstanceOf(NulCharacterError);
      await expect(channels.updateInstance(A, made.id, { state: '\u0000', nowMs: T0 + 1 })).rejects.toBeInstanceOf(
        NulCharacterError,
      );
      expect(await channels.listInstances(A, { integrationId: on.id })).toEqual([made]);
    });
  });

  describe('claimInstance', () => {
    it('leases an instance for an on-demand pull', async () => {
      const on = await integration();
      const made = await instance(on);
      const target = await channels.claimInstance(A, made.id, { nowMs: T0 + 5, leaseMs: 60_000, owner: 'me' });
      expect(target).toEqual({
        instance: made,
        integration: on,
        pullUrl: 'https://chat.example/pull',
        leasedAt: T0 + 5,
      });
    });

    it('answers not_found, inactive, no_pull_url and busy', async () => {
      const claimOf = (accountId: number, id: number, now = T0) =>
        channels.claimInstance(accountId, id, { nowMs: now, leaseMs: 60_000, owner: 'me' });
      const made = await instance(await integration());
      expect(await claimOf(A, 987654)).toBe('not_found');
      expect(await claimOf(B, made.id)).toBe('not_found');

      const off = await instance(await integration());
      await channels.updateInstance(A, off.id, { active: false, nowMs: T0 });
      expect(await claimOf(A, off.id)).toBe('inactive');

      const pushOnly = await integration(A, null);
      const unpullable = await instance(pushOnly);
      expect(await claimOf(A, unpullable.id)).toBe('no_pull_url');
      // A re-read manifest that gains a pull_url (here a plain string) makes it pullable.
      await channels.updateIntegrationManifest(A, pushOnly.id, {
        manifestJson: manifestJson('https://chat.example/p'),
        name: 'Chat',
        nowMs: T0,
      });
      expect(await claimOf(A, unpullable.id)).toMatchObject({ pullUrl: 'https://chat.example/p' });

      expect(await claimOf(A, made.id, T0)).toMatchObject({ leasedAt: T0 });
      expect(await claimOf(A, made.id, T0 + 59_999)).toBe('busy');
      // The lease ran out: claimable again.
      expect(await claimOf(A, made.id, T0 + 60_000)).toMatchObject({ leasedAt: T0 + 60_000 });
    });

    it('is free again once the pull is recorded', async () => {
      const made = await instance(await integration());
      const target = await claim(made);
      expect(await channels.claimInstance(A, made.id, { nowMs: T0 + 1001, leaseMs: 1, owner: 'x' })).toBe('busy');
      await channels.completePull(completion(target));
      expect(await channels.claimInstance(A, made.id, { nowMs: T0 + 1300, leaseMs: 1, owner: 'x' })).toMatchObject({
        leasedAt: T0 + 1300,
      });
    });
  });

  describe('completePull, success', () => {
    it('stores resources in order, counts duplicates within the batch and across pulls', async () => {
      const made = await instance(await integration());
      const first = await channels.completePull(
        completion(await claim(made), {
          resources: ['r1', 'r2', 'r1', 'r3', 'r4', 'r2'].map((id) => resource(id)),
        }),
      );
      expect(first).toEqual({
        id: expect.any(Number),
        instanceId: made.id,
        startedAt: T0 + 1000,
        durationMs: 250,
        outcome: 'ok',
        httpStatus: 200,
        resourcesStored: 4,
        duplicates: 2,
        stateConflict: false,
        error: null,
        deactivated: false,
      });
      const second = await channels.completePull(
        completion(await claim(made, T0 + 200_000), { resources: [resource('r3'), resource('r5'), resource('r1')] }),
      );
      expect(second).toMatchObject({ resourcesStored: 1, duplicates: 2 });

      const stored = await channels.listResources(A, made.id);
      expect(stored.map((r) => r.externalId)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
      expect(stored.map((r) => r.id)).toEqual([...stored.map((r) => r.id)].sort((a, b) => a - b));
      expect(stored[0]).toEqual({
        id: expect.any(Number),
        instanceId: made.id,
        threadId: expect.any(Number),
        externalId: 'r1',
        payloadJson: resource('r1').payloadJson,
        storedAt: T0 + 1250,
      });
      // The first copy is the one kept.
      expect(stored.every((r) => r.payloadJson === resource(r.externalId).payloadJson)).toBe(true);
    });

    it('keeps a large batch in order', async () => {
      const made = await instance(await integration());
      const ids = Array.from({ length: 256 }, (_, i) => `m-${(i * 7919) % 1000}`);
      const record = await channels.completePull(
        completion(await claim(made), { resources: ids.map((id, i) => resource(id, { threadId: `t${i % 5}` })) }),
      );
      expect(record.resourcesStored).toBe(256);
      expect((await channels.listResources(A, made.id)).map((r) => r.externalId)).toEqual(ids);
      const threads = await channels.listThreads(A, made.id);
      expect(threads.map((t) => [t.threadKey, t.resourceCount])).toEqual(
        [0, 1, 2, 3, 4].map((i) => [`t${i}`, 52 - (i > 0 ? 1 : 0)]),
      );
    });

    it('stores payloads byte for byte', async () => {
      const made = await instance(await integration());
      const payloads = Object.values(opaqueTexts).map((value, i) => ({
        ...resource(`p${i}`),
        payloadJson: JSON.stringify({ external_id: `p${i}`, message: value }),
      }));
      await channels.completePull(completion(await claim(made), { resources: payloads }));
      expect((await channels.listResources(A, made.id)).map((r) => r.payloadJson)).toEqual(
        payloads.map((p) => p.payloadJson),
      );
    });

    it('threads resources by thread_id, by parent_id, or by their own external id', async () => {
      const made = await instance(await integration());
      await channels.completePull(
        completion(await claim(made), {
          resources: [
            resource('a1'), // no links: a thread of its own, keyed a1
            resource('a2', { parentId: 'a1' }), // parent earlier in the batch: a1's thread
            resource('b1', { threadId: 'conv-b' }), // keyed conv-b
            resource('b2', { threadId: 'conv-b', parentId: 'a1' }), // thread_id wins over parent_id
            resource('c1', { parentId: 'unknown' }), // unknown parent: keyed c1
            resource('c2', { parentId: 'c3' }), // a parent coming later is unknown yet: keyed c2
            resource('c3'),
          ],
        }),
      );
      await channels.completePull(
        completion(await claim(made, T0 + 200_000), {
          resources: [
            resource('a3', { parentId: 'a2' }), // stored parent: its thread (a1's)
            resource('b3', { threadId: 'conv-b' }), // existing key: joins it
            resource('d1', { parentId: 'b1' }), // parent keyed by thread_id: that thread
            resource('a1'), // duplicate
          ],
          startedAt: T0 + 200_000,
        }),
      );
      const threads = await channels.listThreads(A, made.id);
      expect(threads.map((t) => [t.threadKey, t.resourceCount])).toEqual([
        ['a1', 3],
        ['conv-b', 4],
        ['c1', 1],
        ['c2', 1],
        ['c3', 1],
      ]);
      expect(threads[0]).toEqual({
        id: expect.any(Number),
        instanceId: made.id,
        threadKey: 'a1',
        resourceCount: 3,
        createdAt: T0 + 1250,
      });
      const byKey = new Map(threads.map((t) => [t.threadKey, t.id]));
      const inThread = async (key: string) =>
        (await channels.listResources(A, made.id, byKey.get(key))).map((r) => r.externalId);
      expect(await inThread('a1')).toEqual(['a1', 'a2', 'a3']);
      expect(await inThread('conv-b')).toEqual(['b1', 'b2', 'b3', 'd1']);
      expect(await inThread('c2')).toEqual(['c2']);
      expect(
        (await channels.listResources(A, made.id)).every((r) => r.threadId === byKey.get(threadOf(r.externalId))),
      ).toBe(true);

      // Another account sees none of it; another instance's thread id finds nothing here.
      expect(await channels.listThreads(B, made.id)).toEqual([]);
      expect(await channels.listResources(B, made.id)).toEqual([]);
      expect(await channels.listResources(B, made.id, byKey.get('a1'))).toEqual([]);
      const other = await instance(await integration());
      expect(await channels.listResources(A, other.id, byKey.get('a1'))).toEqual([]);

      function threadOf(externalId: string) {
        return (
          { a1: 'a1', a2: 'a1', a3: 'a1', b1: 'conv-b', b2: 'conv-b', b3: 'conv-b', d1: 'conv-b' }[externalId] ??
          externalId
        );
      }
    });

    it('keeps external ids and thread keys per instance', async () => {
      const on = await integration();
      const one = await instance(on);
      const two = await instance(on);
      for (const made of [one, two]) {
        const record = await channels.completePull(
          completion(await claim(made), { resources: [resource('same', { threadId: 'k' })] }),
        );
        expect(record).toMatchObject({ resourcesStored: 1, duplicates: 0 });
      }
      expect((await channels.listThreads(A, one.id))[0]!.id).not.toBe((await channels.listThreads(A, two.id))[0]!.id);
    });

    it('replaces state and metadata, resets failures, reschedules and releases the lease', async () => {
      const made = await instance(await integration(), { state: 'cursor=0', metadata: 'm0' });
      await channels.completePull(completion(await claim(made), { outcome: 'failed', error: 'boom' }));
      expect((await channels.getInstance(A, made.id))!.consecutiveFailures).toBe(1);

      const target = await claim(made, T0 + 300_000);
      const record = await channels.completePull(
        completion(target, {
          startedAt: T0 + 300_000,
          newState: 'cursor=5',
          newMetadata: 'm1',
          metadataNeedsUpdate: true,
          nextPullAt: T0 + 420_000,
          nowMs: T0 + 300_500,
        }),
      );
      expect(record).toMatchObject({ outcome: 'ok', stateConflict: false, resourcesStored: 0 });
      const after = (await channels.getInstance(A, made.id))!;
      expect(after).toEqual({
        ...made,
        state: 'cursor=5',
        stateVersion: made.stateVersion + 1,
        metadata: 'm1',
        metadataNeedsUpdate: true,
        consecutiveFailures: 0,
        lastPullAt: T0 + 300_000,
        nextPullAt: T0 + 420_000,
        updatedAt: T0 + 300_500,
      });

      // Absent state, metadata and flag keep what is stored; the same state is no change.
      const again = await claim(made, T0 + 500_000);
      await channels.completePull(completion(again, { startedAt: T0 + 500_000, newState: 'cursor=5' }));
      expect(await channels.getInstance(A, made.id)).toMatchObject({
        state: 'cursor=5',
        stateVersion: made.stateVersion + 1,
        metadata: 'm1',
        metadataNeedsUpdate: true,
        lastPullAt: T0 + 500_000,
      });
      // An empty metadata string replaces; false clears the flag.
      await channels.completePull(
        completion(await claim(made, T0 + 600_000), { newMetadata: '', metadataNeedsUpdate: false }),
      );
      expect(await channels.getInstance(A, made.id)).toMatchObject({ metadata: '', metadataNeedsUpdate: false });
    });

    it('keeps the state changed during the pull (compare-and-swap) and says so', async () => {
      const made = await instance(await integration(), { state: 'cursor=0', metadata: 'm0' });
      const target = await claim(made);
      // An admin changes the state while the pull is under way.
      const changed = (await channels.updateInstance(A, made.id, { state: 'reset', nowMs: T0 + 1100 }))!;
      const record = await channels.completePull(
        completion(target, { newState: 'cursor=9', newMetadata: 'm1', resources: [resource('x1')] }),
      );
      expect(record).toMatchObject({ outcome: 'ok', stateConflict: true, resourcesStored: 1 });
      const after = (await channels.getInstance(A, made.id))!;
      expect(after).toMatchObject({
        state: 'reset',
        stateVersion: changed.stateVersion,
        metadata: 'm1',
        consecutiveFailures: 0,
      });
      // No state in the answer: nothing to conflict with.
      const later = await claim(made, T0 + 200_000);
      await channels.updateInstance(A, made.id, { state: 'reset again', nowMs: T0 + 200_001 });
      expect(await channels.completePull(completion(later))).toMatchObject({ stateConflict: false });
      expect((await channels.listPulls(A, made.id, 10)).map((p) => p.stateConflict)).toEqual([false, true]);
    });
  });

  describe('completePull, failure', () => {
    it('stores nothing, counts failures and deactivates after deactivateAfter in a row', async () => {
      const made = await instance(await integration(), { state: 's0', metadata: 'm0' });
      const fail = async (n: number) =>
        channels.completePull(
          completion(await claim(made, T0 + n * 100_000), {
            startedAt: T0 + n * 100_000,
            outcome: 'failed',
            httpStatus: 502,
            error: `pull_url answered HTTP 502 (#${n})`,
            resources: [resource(`f${n}`)],
            newState: 'must not be stored',
            newMetadata: 'must not be stored',
            metadataNeedsUpdate: true,
            nextPullAt: T0 + n * 100_000 + 50_000,
            deactivateAfter: 3,
          }),
        );
      const first = await fail(1);
      expect(first).toEqual({
        id: expect.any(Number),
        instanceId: made.id,
        startedAt: T0 + 100_000,
        durationMs: 250,
        outcome: 'failed',
        httpStatus: 502,
        resourcesStored: 0,
        duplicates: 0,
        stateConflict: false,
        error: 'pull_url answered HTTP 502 (#1)',
        deactivated: false,
      });
      expect(await channels.getInstance(A, made.id)).toEqual({
        ...made,
        consecutiveFailures: 1,
        nextPullAt: T0 + 150_000,
        updatedAt: T0 + 1250,
      });
      expect(await fail(2)).toMatchObject({ deactivated: false });
      const third = await fail(3);
      expect(third).toMatchObject({ deactivated: true, error: 'pull_url answered HTTP 502 (#3)' });

      const after = (await channels.getInstance(A, made.id))!;
      expect(after).toMatchObject({
        active: false,
        deactivatedReason: 'pull_url answered HTTP 502 (#3)',
        consecutiveFailures: 3,
        state: 's0',
        metadata: 'm0',
        metadataNeedsUpdate: false,
        lastPullAt: null,
      });
      expect(await channels.listResources(A, made.id)).toEqual([]);
      expect(await channels.listThreads(A, made.id)).toEqual([]);

      const log = await channels.listPulls(A, made.id, 50);
      expect(log.map((p) => p.error)).toEqual([3, 2, 1].map((n) => `pull_url answered HTTP 502 (#${n})`));
      expect(log.map((p) => p.deactivated)).toEqual([true, false, false]);
      expect(log[0]!.id).toBeGreaterThan(log[1]!.id);
      expect(await channels.listPulls(A, made.id, 2)).toEqual(log.slice(0, 2));
      expect(await channels.listPulls(B, made.id, 50)).toEqual([]);
    });

    it('does not re-deactivate an instance deactivated during the pull', async () => {
      const made = await instance(await integration());
      const target = await claim(made);
      await channels.updateInstance(A, made.id, { active: false, deactivatedReason: 'by admin', nowMs: T0 + 1001 });
      const record = await channels.completePull(
        completion(target, { outcome: 'failed', error: 'boom', deactivateAfter: 1 }),
      );
      expect(record.deactivated).toBe(false);
      expect(await channels.getInstance(A, made.id)).toMatchObject({ active: false, deactivatedReason: 'by admin' });
    });

    it('refuses U+0000 in what a pull would store, recording nothing', async () => {
      const made = await instance(await integration());
      const target = await claim(made);
      await expect(channels.completePull(completion(target, { newState: 'a\u0000' }))).rejects.toBeInstanceOf(
        NulCharacterError,
      );
      await expect(
        channels.completePull(completion(target, { resources: [resource('x\u0000')] })),
      ).rejects.toBeInstanceOf(NulCharacterError);
      expect(await channels.listPulls(A, made.id, 10)).toEqual([]);
      // A failure stores none of it, so only its error is checked.
      await channels.completePull(
        completion(target, { outcome: 'failed', error: 'bad', newState: '\u0000', resources: [resource('\u0000')] }),
      );
      expect(await channels.listPulls(A, made.id, 10)).toHaveLength(1);
    });
  });

  describe('admin UI hand-offs', () => {
    const handoff = (tokenHash: string, fields: { instanceId?: number | null; expiresAt?: number } = {}) => ({
      tokenHash,
      accountId: A,
      integrationId: 0,
      instanceId: fields.instanceId ?? null,
      instancePushId: `push-${tokenHash}`,
      pushTokenHash: `hash-${tokenHash}`,
      expiresAt: fields.expiresAt ?? T0 + 600_000,
      nowMs: T0,
    });

    it('hands off once', async () => {
      const on = await integration();
      const made = await instance(on);
      await channels.createHandoff({ ...handoff('ho-1'), integrationId: on.id });
      await channels.createHandoff({ ...handoff('ho-2', { instanceId: made.id }), integrationId: on.id });
      expect(await channels.consumeHandoff('ho-1', T0 + 1)).toEqual({
        accountId: A,
        integrationId: on.id,
        instanceId: null,
        instancePushId: 'push-ho-1',
        pushTokenHash: 'hash-ho-1',
      });
      expect(await channels.consumeHandoff('ho-1', T0 + 2)).toBeUndefined();
      const both = await Promise.all([
        channels.consumeHandoff('ho-2', T0 + 3),
        channels.consumeHandoff('ho-2', T0 + 3),
      ]);
      expect(both.filter((h) => h !== undefined)).toEqual([
        {
          accountId: A,
          integrationId: on.id,
          instanceId: made.id,
          instancePushId: 'push-ho-2',
          pushTokenHash: 'hash-ho-2',
        },
      ]);
      expect(await channels.consumeHandoff('unknown', T0)).toBeUndefined();
      expect(await channels.consumeHandoff('ho\u0000', T0)).toBeUndefined();
    });

    it('expires', async () => {
      const on = await integration();
      await channels.createHandoff({ ...handoff('ho-exp', { expiresAt: T0 + 1000 }), integrationId: on.id });
      await channels.createHandoff({ ...handoff('ho-live', { expiresAt: T0 + 1000 }), integrationId: on.id });
      expect(await channels.consumeHandoff('ho-exp', T0 + 1000)).toBeUndefined();
      expect(await channels.consumeHandoff('ho-live', T0 + 999)).toMatchObject({ integrationId: on.id });
    });

    it('belongs to an integration of the same account', async () => {
      const theirs = await integration(B);
      await expect(channels.createHandoff({ ...handoff('ho-cross'), integrationId: theirs.id })).rejects.toThrow();
    });
  });

  describe('deleting', () => {
    /** An integration with an instance that has pulls, threads, resources and a hand-off. */
    async function populated() {
      const on = await integration();
      const made = await instance(on);
      await channels.completePull(
        completion(await claim(made), { resources: [resource('r1'), resource('r2', { parentId: 'r1' })] }),
      );
      await channels.createHandoff({
        tokenHash: `ho-del-${made.id}`,
        accountId: A,
        integrationId: on.id,
        instanceId: made.id,
        instancePushId: made.instancePushId,
        pushTokenHash: 'h',
        expiresAt: T0 + 600_000,
        nowMs: T0,
      });
      return { on, made };
    }
    const remaining = async (instanceId: number) =>
      Promise.all(
        ['pulls', 'threads', 'resources', 'admin_ui_handoffs'].map((table) =>
          countRows(opened.url, table, `instance_id = ${instanceId}`),
        ),
      );

    it('removes an instance with its pulls, threads, resources and hand-offs', async () => {
      const { made } = await populated();
      expect(await remaining(made.id)).toEqual([1, 1, 2, 1]);
      expect(await channels.deleteInstance(A, made.id)).toBe(true);
      expect(await remaining(made.id)).toEqual([0, 0, 0, 0]);
    });

    it('removes an integration with its instances and everything under them', async () => {
      const { on, made } = await populated();
      const sibling = await instance(on);
      expect(await channels.deleteIntegration(A, on.id)).toBe(true);
      expect(await channels.getInstance(A, made.id)).toBeUndefined();
      expect(await channels.getInstance(A, sibling.id)).toBeUndefined();
      expect(await channels.findInstanceByPushId(made.instancePushId)).toBeUndefined();
      expect(await remaining(made.id)).toEqual([0, 0, 0, 0]);
      expect(await countRows(opened.url, 'admin_ui_handoffs', `integration_id = ${on.id}`)).toBe(0);
      expect(await channels.consumeHandoff(`ho-del-${made.id}`, T0)).toBeUndefined();
    });
  });
});

/** The scheduler's claims, each on a store of its own: claims see every instance in it. */
describe.each(channelStoreKinds)('ChannelStore claimDueInstances on $name', (kind) => {
  const stores: OpenedChannelStore[] = [];
  afterAll(async () => {
    for (const opened of stores) await opened.cleanup();
  });

  async function fresh() {
    const opened = await kind.open();
    stores.push(opened);
    await opened.store.createAccount({
      id: A,
      subdomain: 'acme',
      adminEmail: 'a@x',
      adminTokenHash: 'h',
      nowSeconds: 1,
    });
    const channels = opened.channels;
    return { opened, channels, ...builders(() => channels) };
  }
  const claimAt = (channels: ChannelStore, now: number, limit = 10, owner = 'node-1') =>
    channels.claimDueInstances({ nowMs: now, limit, leaseMs: 60_000, owner });
  const ids = (targets: PullTarget[]) => targets.map((t) => t.instance.id);

  it('leases due, active, pullable instances, oldest due first, each once while its lease runs', async () => {
    const { channels, integration, instance, completion } = await fresh();
    const pullable = await integration(A, undefined, 1);
    const pushOnly = await integration(A, null, 1);
    const late = await instance(pullable, { now: 3000 });
    const early = await instance(pullable, { now: 1000 });
    const middle = await instance(pullable, { now: 2000 });
    const sameTime = await instance(pullable, { now: 2000 });
    const off = await instance(pullable, { now: 500 });
    await channels.updateInstance(A, off.id, { active: false, nowMs: 500 });
    await instance(pushOnly, { now: 100 });
    const notDue = await instance(pullable, { now: 10_000 });

    const firstBatch = await claimAt(channels, 5000, 3);
    expect(ids(firstBatch)).toEqual([early.id, middle.id, sameTime.id]);
    expect(firstBatch[0]).toEqual({
      instance: early,
      integration: pullable,
      pullUrl: 'https://chat.example/pull',
      leasedAt: 5000,
    });
    expect(ids(await claimAt(channels, 5000))).toEqual([late.id]);
    expect(await claimAt(channels, 5001)).toEqual([]);
    // A leased instance is busy for an on-demand pull too.
    expect(await channels.claimInstance(A, early.id, { nowMs: 5002, leaseMs: 1, owner: 'x' })).toBe('busy');

    // A pull recorded releases the lease; the instance is due again at its next time.
    await channels.completePull(completion(firstBatch[0]!, { nextPullAt: 20_000, nowMs: 6000 }));
    // By 64 999 notDue and early have come due; the other leases run out at 65 000.
    expect(ids(await claimAt(channels, 64_999))).toEqual([notDue.id, early.id]);
    expect(ids(await claimAt(channels, 65_000))).toEqual([middle.id, sameTime.id, late.id]);
    expect(await claimAt(channels, 65_000)).toEqual([]);
  });

  it('never hands one instance to two concurrent claimers', async () => {
    const { opened, channels, integration, instance } = await fresh();
    const other = await opened.another();
    const on = await integration(A, undefined, 1);
    const made: Instance[] = [];
    for (let i = 0; i < 60; i++) made.push(await instance(on, { now: 1000 + (i % 7) }));

    const claimers = [channels, other, channels, other, channels, other];
    const rounds = await Promise.all(
      claimers.map(async (store, i) => {
        const got: number[] = [];
        for (let round = 0; round < 6; round++) got.push(...ids(await claimAt(store, 2000, 4, `node-${i}`)));
        return got;
      }),
    );
    const all = rounds.flat();
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort((a, b) => a - b)).toEqual(made.map((m) => m.id).sort((a, b) => a - b));
  });
});
