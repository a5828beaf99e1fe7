import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplySender } from '../../src/channels/channelback/reply-sender.js';
import { EventDeliverer } from '../../src/channels/events/event-deliverer.js';
import { OutboundClient } from '../../src/channels/outbound/outbound-client.js';
import type { ChannelIntegration, Instance } from '../../src/store/channel-store.js';
import type { Store } from '../../src/store/store.js';
import { createTenant } from '../helpers/server.js';
import { storeKinds, type OpenedStore } from '../helpers/stores.js';

/** Short, yet long enough that a renewal delayed on a loaded machine keeps it. */
const leaseMs = 3000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface Held {
  path: string;
  /** The caller closed the connection before an answer. */
  cutOff: boolean;
  answered: boolean;
  answer: (status: number, body: object) => void;
}

/** An integration that holds every POST until the test answers it, noting calls cut off. */
async function startHoldingIntegration() {
  const calls: Held[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    const held: Held = {
      path: new URL(request.url!, 'http://x').pathname,
      cutOff: false,
      answered: false,
      answer: (status, body) => {
        if (response.destroyed) return;
        held.answered = true;
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
    };
    response.on('close', () => (held.cutOff = !held.answered));
    calls.push(held);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    base,
    calls,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const url = (base: string, path: string) => ({ href: `${base}${path}`, scheme: 'http', written: `.${path}` });

/**
 * The event deliverer and the reply sender keep their short leases while a call runs, and
 * cut the call off, recording nothing, once a renewal finds the lease taken by another node.
 */
describe.each(storeKinds)('delivery and reply leases on $name', (kind) => {
  let opened: OpenedStore;
  let store: Store;
  let integrationSide: Awaited<ReturnType<typeof startHoldingIntegration>>;
  let accountId: number;
  let n = 0;
  const client = new OutboundClient({ mode: 'development', timeoutMs: 30_000 });

  beforeAll(async () => {
    opened = await kind.open();
    store = opened.store;
    accountId = (await createTenant(store, 'acme', [])).accountId;
    integrationSide = await startHoldingIntegration();
  });
  afterAll(async () => {
    await integrationSide?.close();
    await opened?.cleanup();
  });

  /** An integration with events and channelback: creating it enqueues `create_integration`. */
  const integration = (): Promise<ChannelIntegration> =>
    store.channels.createIntegration({
      accountId,
      remoteId: 'com.example.held',
      name: 'Held',
      manifestUrl: `${integrationSide.base}/manifest.json`,
      manifestJson: JSON.stringify({
        name: 'Held',
        id: 'com.example.held',
        urls: {
          admin_ui: url(integrationSide.base, '/admin'),
          pull_url: url(integrationSide.base, '/pull'),
          event_callback_url: url(integrationSide.base, '/events'),
          channelback_url: url(integrationSide.base, '/channelback'),
        },
      }),
      nowMs: Date.now(),
    });
  const deliverer = () =>
    new EventDeliverer({
      store: store.channels,
      client,
      nowMs: Date.now,
      secretKey: 'secret',
      pollMs: 50,
      batchSize: 10,
      concurrency: 2,
      maxAttempts: 5,
      retryBaseMs: 50,
      maxBackoffMs: 100,
      leaseMs,
    });
  const otherNodeClaimsEvents = () =>
    store.channels.claimEventBatches({ nowMs: Date.now(), keys: 10, batchSize: 10, leaseMs, owner: 'other-node' });
  const newCall = async (path: string, before: number) => {
    await until(() => integrationSide.calls.length > before, 5000, `a call to ${path}`);
    const call = integrationSide.calls[before]!;
    expect(call.path).toBe(path);
    return call;
  };

  it("keeps a slow batch's lease past two lease lengths, then records its delivery", async () => {
    const made = await integration();
    const before = integrationSide.calls.length;
    const events = deliverer();
    events.start();
    try {
      const call = await newCall('/events', before);
      for (let i = 0; i < 5; i++) {
        await sleep(leaseMs / 2);
        // Another node finds nothing to claim: the lease is renewed while the call runs.
        expect(await otherNodeClaimsEvents()).toEqual([]);
      }
      expect(call.cutOff).toBe(false);
      call.answer(200, {});
      await until(
        async () => (await store.channels.listEvents(accountId, made.id, 10))[0]!.status === 'delivered',
        5000,
        'the delivery recorded',
      );
      expect(integrationSide.calls).toHaveLength(before + 1);
    } finally {
      await events.stop();
    }
  });

  it('cuts the call off and records nothing once another node holds the lease', async () => {
    const made = await integration();
    const before = integrationSide.calls.length;
    const events = deliverer();
    events.start();
    try {
      const call = await newCall('/events', before);
      // The lease ran out (as if renewals failed) and another node claimed the batch.
      const takenOver = await store.channels.claimEventBatches({
        nowMs: Date.now() + leaseMs,
        keys: 10,
        batchSize: 10,
        leaseMs: 60_000,
        owner: 'other-node',
      });
      expect(takenOver.map((batch) => batch.integrationId)).toContain(made.id);
      // The next renewal (a third of a lease) finds the lease gone and cuts the call off.
      await until(() => call.cutOff, leaseMs, 'the call cut off');
      await sleep(100);
      const [event] = await store.channels.listEvents(accountId, made.id, 10);
      expect(event).toMatchObject({ status: 'pending', attempts: 0, lastError: null });
      expect(integrationSide.calls).toHaveLength(before + 1);
    } finally {
      await events.stop();
    }
  });

  it("cuts a reply's send off and records nothing once another node holds its lease; keeps it while live", async () => {
    const made = await integration();
    // The deliverer is not running: the integration's events stay queued, out of the way.
    const instance: Instance = await store.channels.createInstance({
      accountId,
      integrationId: made.id,
      name: `instance ${++n}`,
      metadata: 'md',
      state: '',
      instancePushId: `push-${kind.name}-${n}`,
      pushTokenHash: 'hash',
      nowMs: Date.now(),
    });
    await store.channels.completePull({
      instanceId: instance.id,
      startedAt: Date.now(),
      durationMs: 1,
      outcome: 'ok',
      httpStatus: 200,
      error: null,
      stateVersionAtStart: instance.stateVersion,
      resources: [{ externalId: 'm1', parentId: null, threadId: null, payloadJson: '{"external_id":"m1"}' }],
      nextPullAt: Date.now() + 3_600_000,
      deactivateAfter: 10,
      nowMs: Date.now(),
    });
    const threadId = (await store.channels.listThreads(accountId, instance.id))[0]!.id;
    const newReply = (message: string) =>
      store.replies.createReply({
        accountId,
        instanceId: instance.id,
        threadId,
        message,
        fileUrls: [],
        parentId: 'm1',
        recipientId: '',
        threadKey: 'm1',
        requestUniqueIdentifier: `rui-${message}-${kind.name}`,
        nowMs: Date.now(),
      });
    const sender = new ReplySender(
      store.replies,
      {
        store: store.replies,
        client,
        nowMs: Date.now,
        attempts: 5,
        backoffMs: 50,
        maxBackoffMs: 100,
        leaseMs,
        signingSecretFor: () => 'secret',
      },
      { tickMs: 50, concurrency: 4 },
    );
    const otherNodeClaimsReplies = (nowMs = Date.now(), lease = leaseMs) =>
      store.replies.claimDueReplies({ nowMs, limit: 10, leaseMs: lease, owner: 'other-node' });
    sender.start();
    try {
      // Live: a slow send keeps its lease past two lease lengths and its answer is recorded.
      let before = integrationSide.calls.length;
      const slow = (await newReply('slow'))!;
      const slowCall = await newCall('/channelback', before);
      for (let i = 0; i < 5; i++) {
        await sleep(leaseMs / 2);
        expect(await otherNodeClaimsReplies()).toEqual([]);
      }
      slowCall.answer(200, { external_id: 'slow-1' });
      await until(
        async () => (await store.replies.getReply(accountId, instance.id, slow.id))!.status === 'sent',
        5000,
        'the slow reply recorded',
      );

      // Lost: another node took the lease over; the send is cut off and nothing recorded.
      before = integrationSide.calls.length;
      const lost = (await newReply('lost'))!;
      const lostCall = await newCall('/channelback', before);
      const [takenOver] = await otherNodeClaimsReplies(Date.now() + leaseMs, 60_000);
      expect(takenOver!.reply.id).toBe(lost.id);
      await until(() => lostCall.cutOff, leaseMs, 'the send cut off');
      await sleep(100);
      expect(await store.replies.getReply(accountId, instance.id, lost.id)).toMatchObject({
        status: 'pending',
        externalId: null,
        lastError: null,
        attempts: 2,
      });
      expect(integrationSide.calls).toHaveLength(before + 1);
    } finally {
      await sender.stop();
    }
  });
});
