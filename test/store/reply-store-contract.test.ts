import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/store/channel-store.js';
import { NulCharacterError } from '../../src/store/nul-guard.js';
import { openStore } from '../../src/store/open-store.js';
import type { NewReply, ReplyStore } from '../../src/store/reply-store.js';
import type { Store } from '../../src/store/store.js';
import { storeProfiles, type OpenedStore } from '../helpers/stores.js';

/** Epoch milliseconds. */
const T0 = 1_700_000_000_000;
const manifestJson = JSON.stringify({
  name: 'Chat',
  id: 'com.example.chat',
  urls: {
    admin_ui: { href: 'https://chat.example/admin', scheme: 'https', written: './admin' },
    channelback_url: { href: 'https://chat.example/cb', scheme: 'https', written: './cb' },
  },
});

describe.each(storeProfiles)('ReplyStore contract on $name', (kind) => {
  let opened: OpenedStore;
  let store: Store;
  let replies: ReplyStore;
  let others: Store[] = [];
  let accountA: number;
  let accountB: number;
  let instance: Instance;
  let threadId: number;
  let seq = 0;

  const newReply = (extra: Partial<NewReply> = {}): NewReply => ({
    accountId: accountA,
    instanceId: instance.id,
    threadId,
    message: 'hello',
    fileUrls: ['https://files.example/a.png'],
    parentId: 'm1',
    recipientId: 'customer-1',
    threadKey: 'm1',
    requestUniqueIdentifier: `rui-${kind.name}-${++seq}`,
    nowMs: T0,
    ...extra,
  });

  beforeAll(async () => {
    opened = await kind.open();
    store = opened.store;
    replies = store.replies;
    const a = await store.createAccount({ subdomain: 'a', adminEmail: 'a@x', adminTokenHash: 'ha', nowSeconds: 1 });
    const b = await store.createAccount({ subdomain: 'b', adminEmail: 'b@x', adminTokenHash: 'hb', nowSeconds: 1 });
    if (a === 'exists' || b === 'exists') throw new Error('accounts exist');
    accountA = a.id;
    accountB = b.id;
    const integration = await store.channels.createIntegration({
      accountId: accountA,
      remoteId: 'com.example.chat',
      name: 'Chat',
      manifestUrl: 'https://chat.example/manifest.json',
      manifestJson,
      nowMs: T0,
    });
    instance = await store.channels.createInstance({
      accountId: accountA,
      integrationId: integration.id,
      name: 'I',
      metadata: 'meta-1',
      state: '',
      instancePushId: `push-${kind.name}`,
      pushTokenHash: 'h',
      nowMs: T0,
    });
    // A thread with one resource, stored as the pull loop stores them.
    await store.channels.completePull({
      instanceId: instance.id,
      startedAt: T0,
      durationMs: 1,
      outcome: 'ok',
      httpStatus: 200,
      error: null,
      stateVersionAtStart: instance.stateVersion,
      resources: [{ externalId: 'm1', parentId: null, threadId: null, payloadJson: '{"external_id":"m1"}' }],
      nextPullAt: T0 + 60_000,
      deactivateAfter: 10,
      nowMs: T0,
    });
    threadId = (await store.channels.listThreads(accountA, instance.id))[0]!.id;
  });
  afterAll(async () => {
    for (const other of others) await other.close();
    others = [];
    await opened.cleanup();
  });

  it('creates a pending reply due at once, reads it back, and scopes it to the account', async () => {
    const created = await replies.createReply(newReply());
    expect(created).toMatchObject({
      instanceId: instance.id,
      threadId,
      status: 'pending',
      message: 'hello',
      fileUrls: ['https://files.example/a.png'],
      parentId: 'm1',
      recipientId: 'customer-1',
      threadKey: 'm1',
      externalId: null,
      attempts: 0,
      lastError: null,
      nextAttemptAt: T0,
      createdAt: T0,
      sentAt: null,
    });
    expect(await replies.getReply(accountA, instance.id, created!.id)).toEqual(created);
    expect(await replies.getReply(accountB, instance.id, created!.id)).toBeUndefined();
    expect((await replies.listThreadReplies(accountA, instance.id, threadId)).map((r) => r.id)).toContain(created!.id);
    expect(await replies.listThreadReplies(accountB, instance.id, threadId)).toEqual([]);
    expect(await replies.getThread(accountA, instance.id, threadId)).toMatchObject({ threadKey: 'm1' });
    expect(await replies.getThread(accountB, instance.id, threadId)).toBeUndefined();
  });

  it('stores nothing for another account, an unknown thread, or a NUL character', async () => {
    const before = (await replies.listThreadReplies(accountA, instance.id, threadId)).length;
    expect(await replies.createReply(newReply({ accountId: accountB }))).toBeUndefined();
    expect(await replies.createReply(newReply({ threadId: 99_999 }))).toBeUndefined();
    await expect(replies.createReply(newReply({ message: 'a\u0000b' }))).rejects.toBeInstanceOf(NulCharacterError);
    expect(await replies.listThreadReplies(accountA, instance.id, threadId)).toHaveLength(before);
  });

  it('leases a due reply to one claimer at a time, counting the attempt; a lapsed lease is taken over', async () => {
    const other = await openStore(opened.url);
    others.push(other);
    await other.migrate();
    const now = T0 + 10_000;
    // Clear what earlier tests left due.
    for (const t of await replies.claimDueReplies({ nowMs: now, limit: 100, leaseMs: 1000, owner: 'sweep' })) {
      await replies.completeReply({ replyId: t.reply.id, owner: 'sweep', outcome: 'failed', error: 'x', nowMs: now });
    }
    const created = (await replies.createReply(newReply({ nowMs: now })))!;
    const [first, second] = await Promise.all([
      replies.claimDueReplies({ nowMs: now, limit: 10, leaseMs: 5000, owner: 'a' }),
      other.replies.claimDueReplies({ nowMs: now, limit: 10, leaseMs: 5000, owner: 'b' }),
    ]);
    const claims = [...first!, ...second!];
    const holder = first!.length === 1 ? 'a' : 'b';
    expect(claims).toHaveLength(1);
    expect(claims[0]!.reply).toMatchObject({ id: created.id, attempts: 1 });
    expect(claims[0]!.instance).toMatchObject({ id: instance.id, metadata: 'meta-1' });
    expect(claims[0]!.integration.manifestJson).toBe(manifestJson);

    expect(await replies.claimDueReplies({ nowMs: now + 4999, limit: 10, leaseMs: 5000, owner: 'c' })).toEqual([]);
    // Only the holder renews, only its pending replies; a renewal keeps the reply from others.
    expect(
      await replies.renewReplyLeases({ owner: 'someone', replyIds: [created.id], nowMs: now, leaseMs: 1 }),
    ).toEqual([]);
    expect(
      await replies.renewReplyLeases({ owner: holder, replyIds: [created.id], nowMs: now + 1000, leaseMs: 5000 }),
    ).toEqual([created.id]);
    expect(await replies.claimDueReplies({ nowMs: now + 5999, limit: 10, leaseMs: 5000, owner: 'c' })).toEqual([]);
    expect(await replies.renewReplyLeases({ owner: holder, replyIds: [], nowMs: now, leaseMs: 1 })).toEqual([]);
    const takenOver = await replies.claimDueReplies({ nowMs: now + 6000, limit: 10, leaseMs: 5000, owner: 'c' });
    expect(takenOver.map((t) => [t.reply.id, t.reply.attempts])).toEqual([[created.id, 2]]);

    // The first holder's late completion changes nothing: the reply is c's now.
    expect(
      await replies.completeReply({ replyId: created.id, owner: holder, outcome: 'failed', error: 'late', nowMs: now }),
    ).toBeUndefined();
    const retried = await replies.completeReply({
      replyId: created.id,
      owner: 'c',
      outcome: 'retry',
      error: 'HTTP 503',
      nextAttemptAt: now + 60_000,
      nowMs: now + 6001,
    });
    expect(retried).toMatchObject({ status: 'pending', lastError: 'HTTP 503', nextAttemptAt: now + 60_000 });
    expect(await replies.claimDueReplies({ nowMs: now + 59_999, limit: 10, leaseMs: 5000, owner: 'd' })).toEqual([]);
    expect(await replies.claimDueReplies({ nowMs: now + 60_000, limit: 10, leaseMs: 5000, owner: 'd' })).toHaveLength(
      1,
    );
    const failed = await replies.completeReply({
      replyId: created.id,
      owner: 'd',
      outcome: 'failed',
      error: 'gave up',
      nowMs: now + 60_001,
    });
    expect(failed).toMatchObject({ status: 'failed', lastError: 'gave up', attempts: 3 });
    expect(await replies.claimDueReplies({ nowMs: now + 10_000_000, limit: 10, leaseMs: 1, owner: 'e' })).toEqual([]);
  });

  it("renews only the owner's pending replies, answers which, and a renewed lease keeps others out", async () => {
    const now = T0 + 20_000_000;
    for (const t of await replies.claimDueReplies({ nowMs: now, limit: 100, leaseMs: 1000, owner: 'sweep' })) {
      await replies.completeReply({ replyId: t.reply.id, owner: 'sweep', outcome: 'failed', error: 'x', nowMs: now });
    }
    const [mine, theirs, done, free] = [
      (await replies.createReply(newReply({ nowMs: now })))!,
      (await replies.createReply(newReply({ nowMs: now })))!,
      (await replies.createReply(newReply({ nowMs: now })))!,
      (await replies.createReply(newReply({ nowMs: now + 1 })))!,
    ];
    const claimed = await replies.claimDueReplies({ nowMs: now, limit: 3, leaseMs: 10_000, owner: 'me' });
    expect(claimed.map((t) => t.reply.id)).toEqual([mine.id, theirs.id, done.id]);
    // done: settled meanwhile (no longer pending); theirs: taken over below once its lease ran out.
    await replies.completeReply({ replyId: done.id, owner: 'me', outcome: 'failed', error: 'x', nowMs: now + 1 });
    const renew = (owner: string, ids: number[], at: number) =>
      replies.renewReplyLeases({ owner, replyIds: ids, nowMs: at, leaseMs: 10_000 });
    // A lapsed lease nobody took is still the owner's to renew.
    expect(await renew('me', [mine.id], now + 10_500)).toEqual([mine.id]);
    const takenOver = await replies.claimDueReplies({ nowMs: now + 10_500, limit: 10, leaseMs: 60_000, owner: 'them' });
    expect(takenOver.map((t) => t.reply.id)).toEqual([theirs.id, free.id]);
    const renewed = await renew('me', [mine.id, theirs.id, done.id, free.id, 987_654], now + 11_000);
    expect(renewed).toEqual([mine.id]);
    // Renewed until now + 21 s: busy just before, claimable from then.
    expect(await replies.claimDueReplies({ nowMs: now + 20_999, limit: 10, leaseMs: 1000, owner: 'x' })).toEqual([]);
    const after = await replies.claimDueReplies({ nowMs: now + 21_000, limit: 10, leaseMs: 1000, owner: 'x' });
    expect(after.map((t) => t.reply.id)).toContain(mine.id);
    // The old owner's renewal no longer finds it, nor can it complete it.
    expect(await renew('me', [mine.id], now + 21_001)).toEqual([]);
    expect(
      await replies.completeReply({ replyId: mine.id, owner: 'me', outcome: 'failed', error: 'late', nowMs: now }),
    ).toBeUndefined();
    for (const t of after) {
      await replies.completeReply({ replyId: t.reply.id, owner: 'x', outcome: 'failed', error: 'x', nowMs: now });
    }
    for (const t of takenOver) {
      await replies.completeReply({ replyId: t.reply.id, owner: 'them', outcome: 'failed', error: 'x', nowMs: now });
    }
  });

  it('a sent reply stores its external id as a resource of the thread, once, and applies the answer', async () => {
    const now = T0 + 100_000;
    const created = (await replies.createReply(newReply({ nowMs: now })))!;
    const [claimed] = await replies.claimDueReplies({ nowMs: now, limit: 1, leaseMs: 5000, owner: 'a' });
    expect(claimed!.reply.id).toBe(created.id);
    const sent = await replies.completeReply({
      replyId: created.id,
      owner: 'a',
      outcome: 'sent',
      error: null,
      externalId: 'sent-1',
      resourcePayloadJson: '{"external_id":"sent-1"}',
      newMetadata: 'meta-2',
      metadataNeedsUpdate: true,
      nowMs: now + 1,
    });
    expect(sent).toMatchObject({ status: 'sent', externalId: 'sent-1', sentAt: now + 1, lastError: null });
    const resources = await store.channels.listResources(accountA, instance.id, threadId);
    expect(resources.map((r) => r.externalId)).toEqual(['m1', 'sent-1']);
    expect(resources[1]!.payloadJson).toBe('{"external_id":"sent-1"}');
    expect((await store.channels.listThreads(accountA, instance.id))[0]!.resourceCount).toBe(2);
    expect(await store.channels.getInstance(accountA, instance.id)).toMatchObject({
      metadata: 'meta-2',
      metadataNeedsUpdate: true,
    });
    // Never claimed again.
    expect(await replies.claimDueReplies({ nowMs: now + 10_000_000, limit: 10, leaseMs: 1, owner: 'b' })).toEqual([]);

    // A later pull of the same external id is a duplicate.
    const pulled = await store.channels.completePull({
      instanceId: instance.id,
      startedAt: now + 2,
      durationMs: 1,
      outcome: 'ok',
      httpStatus: 200,
      error: null,
      stateVersionAtStart: instance.stateVersion,
      resources: [{ externalId: 'sent-1', parentId: null, threadId: null, payloadJson: '{}' }],
      nextPullAt: now + 60_000,
      deactivateAfter: 10,
      nowMs: now + 3,
    });
    expect(pulled).toMatchObject({ resourcesStored: 0, duplicates: 1 });

    // report_error marks it failed, by external id, on its own instance only.
    expect(
      await replies.reportReplyError({ instanceId: instance.id + 1000, externalId: 'sent-1', error: 'e', nowMs: now }),
    ).toBe(0);
    expect(
      await replies.reportReplyError({ instanceId: instance.id, externalId: 'unknown', error: 'e', nowMs: now }),
    ).toBe(0);
    expect(
      await replies.reportReplyError({
        instanceId: instance.id,
        externalId: 'sent-1',
        error: 'blocked',
        nowMs: now + 4,
      }),
    ).toBe(1);
    expect(await replies.getReply(accountA, instance.id, created.id)).toMatchObject({
      status: 'failed',
      lastError: 'blocked',
      externalId: 'sent-1',
    });
    expect((await replies.getResource(accountA, instance.id, resources[1]!.id))?.externalId).toBe('sent-1');
    expect(await replies.getResource(accountB, instance.id, resources[1]!.id)).toBeUndefined();
  });

  it('a sent reply enqueues its events when the integration takes them, and looks for none when the claim saw no event callback URL', async () => {
    const now = T0 + 200_000;
    const takingEvents = JSON.parse(manifestJson) as { urls: Record<string, unknown> };
    takingEvents.urls.event_callback_url = {
      href: 'https://chat.example/events',
      scheme: 'https',
      written: './events',
    };
    await store.channels.updateIntegrationManifest(accountA, instance.integrationId, {
      manifestJson: JSON.stringify(takingEvents),
      name: 'Chat',
      nowMs: now,
    });
    const eventsNow = async () => (await store.channels.listEvents(accountA, instance.integrationId, 1000)).length;
    const send = async (externalId: string, integrationTakesEvents?: boolean) => {
      const created = (await replies.createReply(newReply({ nowMs: now })))!;
      await replies.claimDueReplies({ nowMs: now, limit: 1, leaseMs: 5000, owner: 'ev' });
      const base = { replyId: created.id, owner: 'ev', outcome: 'sent', error: null, externalId } as const;
      const payload = { resourcePayloadJson: JSON.stringify({ external_id: externalId }), nowMs: now + 1 };
      expect(await replies.completeReply({ ...base, ...payload, integrationTakesEvents })).toMatchObject({
        status: 'sent',
      });
    };
    const before = await eventsNow();
    // The integration took events when claimed: `channelback` and the resource's event.
    await send('ev-1');
    expect(await eventsNow()).toBe(before + 2);
    // The claim read a manifest without an event callback URL: no events looked for.
    await send('ev-2', false);
    expect(await eventsNow()).toBe(before + 2);
    await store.channels.updateIntegrationManifest(accountA, instance.integrationId, {
      manifestJson,
      name: 'Chat',
      nowMs: now + 2,
    });
  });

  it('deleting the instance removes its replies', async () => {
    const created = (await replies.createReply(newReply()))!;
    expect(await store.channels.deleteInstance(accountA, instance.id)).toBe(true);
    expect(await replies.getReply(accountA, instance.id, created.id)).toBeUndefined();
  });
});
