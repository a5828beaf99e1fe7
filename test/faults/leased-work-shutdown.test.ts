import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resource } from '../helpers/fake-integration.js';
import { pidOfClientPort, until } from '../helpers/node-kill.js';
import { runCli, startServeProcess, type ServeProcess } from '../helpers/processes.js';
import { call, tempDir } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable } from '../helpers/stores.js';

const api = '/api/switchboard/v1';
/** The lease of the nodes that take work over: short, so a killed node's work moves on soon. */
const leaseMs = 5000;
/** The lease of the first node: far longer than its handover takes, so a quick one was a release. */
const longLeaseMs = 30_000;
/** How long a stopping node lets its work under way finish. */
const graceMs = 3000;

/** One POST the integration received. */
interface Seen {
  path: string;
  /** Which item it is about: the pull's metadata, the reply's message, the event's instance metadata. */
  item: string;
  /** The process that sent it. */
  pid: number;
  at: number;
  /** Its connection closed before an answer (the sender cut it off, or died). */
  cutOff: boolean;
  answered: boolean;
  answer: () => void;
}

/**
 * A real integration on loopback: a manifest with pull, channelback and event URLs; records
 * every POST with the process that sent it, and holds the ones about a held item until the
 * test answers them.
 */
async function startRecordingIntegration() {
  const seen: Seen[] = [];
  const held = new Set<string>();
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    const path = new URL(request.url!, 'http://x').pathname;
    const reply = (body: object) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/manifest.json') {
      return reply({
        name: 'Recorder',
        id: 'com.example.recorder',
        urls: {
          admin_ui: './admin',
          pull_url: './pull',
          channelback_url: './channelback',
          event_callback_url: './events',
        },
      });
    }
    const form = Object.fromEntries(new URLSearchParams(raw));
    const item =
      path === '/pull'
        ? form.metadata!
        : path === '/channelback'
          ? form.message!
          : String((JSON.parse(raw) as { events: { data?: { metadata?: string } }[] }).events[0]?.data?.metadata);
    const body =
      path === '/pull'
        ? { external_resources: [resource(`r-${item}`, { author: { external_id: 'c' } })], state: 'pulled' }
        : path === '/channelback'
          ? { external_id: `sent-${item}` }
          : {};
    const entry: Seen = {
      path,
      item,
      pid: pidOfClientPort(request.socket.remotePort!, request.socket.localPort),
      at: Date.now(),
      cutOff: false,
      answered: false,
      answer: () => {
        if (entry.answered || response.destroyed) return;
        entry.answered = true;
        reply(body);
      },
    };
    response.on('close', () => (entry.cutOff = !entry.answered));
    seen.push(entry);
    if (!held.has(item)) entry.answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    manifestUrl: `http://127.0.0.1:${port}/manifest.json`,
    seen,
    /** The calls about `item` on `path`, in order. */
    calls: (path: string, item: string) => seen.filter((entry) => entry.path === path && entry.item === item),
    hold: (item: string) => held.add(item),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Integration = Awaited<ReturnType<typeof startRecordingIntegration>>;
type Admin = (method: string, path: string, body?: unknown) => ReturnType<typeof call>;

/** One leased worker: how to make one item of its work due, and how to see it done. */
interface WorkerCase {
  name: string;
  /** Where its calls go. */
  path: string;
  /** Only this worker runs; its lease setting. */
  env: Record<string, string>;
  leaseVar: string;
  setup: (admin: Admin, integration: Integration) => Promise<void>;
  /** Makes item `label` due now. */
  create: (admin: Admin, label: string) => Promise<void>;
  /** The item's work is recorded as done. */
  done: (admin: Admin, label: string) => Promise<boolean>;
}

function workerCases(): WorkerCase[] {
  let integrationId = 0;
  let instanceId = 0;
  let threadId = 0;
  const instances = new Map<string, number>();
  const replies = new Map<string, number>();
  const register = async (admin: Admin, integration: Integration) => {
    const registered = await admin('POST', '/channel_integrations', { manifest_url: integration.manifestUrl });
    expect(registered.status, registered.text).toBe(201);
    integrationId = registered.json.integration.id;
  };
  const newInstance = async (admin: Admin, label: string) => {
    const created = await admin('POST', '/instances', {
      integration_id: integrationId,
      name: label,
      metadata: label,
      state: '',
    });
    expect(created.status, created.text).toBe(201);
    instances.set(label, created.json.instance.id);
  };
  return [
    {
      name: 'the pull scheduler',
      path: '/pull',
      env: {
        SWITCHBOARD_CHANNELBACK_SENDER: 'off',
        SWITCHBOARD_EVENTS_DELIVERER: 'off',
        SWITCHBOARD_PULL_INTERVAL_MS: '3600000',
      },
      leaseVar: 'SWITCHBOARD_PULL_LEASE_MS',
      setup: register,
      // A new instance is due at once.
      create: newInstance,
      done: async (admin, label) => {
        const pulls = await admin('GET', `/instances/${instances.get(label)}/pulls`);
        return pulls.json.pulls.some((pull: { outcome: string }) => pull.outcome === 'ok');
      },
    },
    {
      name: 'the reply sender',
      path: '/channelback',
      env: { SWITCHBOARD_PULL_SCHEDULER: 'off', SWITCHBOARD_EVENTS_DELIVERER: 'off' },
      leaseVar: 'SWITCHBOARD_CHANNELBACK_LEASE_MS',
      setup: async (admin, integration) => {
        await register(admin, integration);
        await newInstance(admin, 'thread-holder');
        instanceId = instances.get('thread-holder')!;
        // An on-demand pull makes the thread the replies answer.
        expect((await admin('POST', `/instances/${instanceId}/pull`)).status).toBe(200);
        threadId = (await admin('GET', `/instances/${instanceId}/threads`)).json.threads[0].id;
      },
      create: async (admin, label) => {
        const created = await admin('POST', `/instances/${instanceId}/threads/${threadId}/replies`, { message: label });
        expect(created.status, created.text).toBe(202);
        replies.set(label, created.json.reply.id);
      },
      done: async (admin, label) =>
        (await admin('GET', `/instances/${instanceId}/replies/${replies.get(label)}`)).json.reply.status === 'sent',
    },
    {
      name: 'the event deliverer',
      path: '/events',
      // One event a batch: each instance's creation is one item.
      env: {
        SWITCHBOARD_PULL_SCHEDULER: 'off',
        SWITCHBOARD_CHANNELBACK_SENDER: 'off',
        SWITCHBOARD_EVENTS_POLL_MS: '100',
        SWITCHBOARD_EVENTS_BATCH_SIZE: '1',
      },
      leaseVar: 'SWITCHBOARD_EVENTS_LEASE_MS',
      setup: register,
      // Creating an instance enqueues its create_integration_instance event, with its metadata.
      create: newInstance,
      done: async (admin, label) => {
        const listed = await admin('GET', `/channel_integrations/${integrationId}/events?limit=1000`);
        return listed.json.events.some(
          (event: { status: string; type_id: string; instance_id: number | null }) =>
            event.status === 'delivered' &&
            event.type_id === 'create_integration_instance' &&
            event.instance_id === instances.get(label),
        );
      },
    },
  ];
}

const kinds = [
  {
    name: 'sqlite',
    database: async (dir: string) => ({ url: `sqlite:${join(dir, 'shared.db')}`, drop: async () => {} }),
  },
  ...(postgresAvailable ? [{ name: 'postgres', database: async () => createPostgresSchema() }] : []),
];

const matrix = kinds.flatMap((kind) => workerCases().map((worker) => ({ kind, worker, label: worker.name })));

/**
 * Each leased worker (pull scheduler, reply sender, event deliverer) in real `serve`
 * processes on one database, against a real integration on loopback. A node stopped
 * (SIGTERM) while its call about an item is held either finishes it (the answer comes within
 * the grace: recorded, never sent again) or hands it back (no answer: the call is cut off
 * at the grace and another node sends the item long before the stopped node's lease would
 * have ended); a stopped node sends nothing after the signal. A node killed (SIGKILL) with a
 * call held leaves its lease, and another node sends the item once more after the lease
 * ends, within 15 s.
 */
describe.each(matrix)('$label when its node stops mid-item, on $kind.name', ({ kind, worker }) => {
  const dir = tempDir();
  let database: { url: string; drop: () => Promise<void> };
  let integration: Integration;
  const nodes: ServeProcess[] = [];
  let auth: string;
  const env = {
    SWITCHBOARD_DATA_DIR: dir.path,
    SWITCHBOARD_MODE: 'development',
    SWITCHBOARD_SECRET_KEY: 'shared-by-all-nodes',
    SWITCHBOARD_PULL_TIMEOUT_MS: '60000',
    SWITCHBOARD_SHUTDOWN_GRACE_MS: String(graceMs),
    LOG_LEVEL: 'warn',
    ...worker.env,
  };
  const startNode = async (lease: number) => {
    const node = await startServeProcess(database.url, { ...env, [worker.leaseVar]: String(lease) }, 60_000);
    nodes.push(node);
    return node;
  };
  const alive = (node: ServeProcess) => node.child.exitCode === null && node.child.signalCode === null;
  /** Through a live node, never one stopping. */
  const admin: Admin = (method, path, body) =>
    call(nodes.filter(alive).at(-1)!.baseUrl, method, `${api}${path}`, { auth, body });
  const callsAbout = (label: string) => integration.calls(worker.path, label);
  /** The node whose call about `label` is held, once it is. */
  const heldBy = async (label: string) => {
    await until(() => callsAbout(label).length > 0, 20_000, `the call about ${label}`);
    const holder = nodes.find((node) => node.child.pid === callsAbout(label)[0]!.pid);
    expect(holder).toBeDefined();
    return holder!;
  };
  const sentAfter = (node: ServeProcess, at: number) =>
    integration.seen.filter((entry) => entry.pid === node.child.pid && entry.at > at);

  beforeAll(async () => {
    database = await kind.database(dir.path);
    integration = await startRecordingIntegration();
    const account = await runCli(['accounts', 'create', '--subdomain', 'acme', '--json', '--database', database.url], {
      SWITCHBOARD_DATA_DIR: dir.path,
    });
    const { admin_email, api_token } = JSON.parse(account.stdout) as { admin_email: string; api_token: string };
    auth = 'Basic ' + Buffer.from(`${admin_email}/token:${api_token}`).toString('base64');
    await startNode(longLeaseMs);
    await worker.setup(admin, integration);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(nodes.filter(alive).map((node) => node.stop('SIGKILL')));
    await integration?.close();
    await database?.drop();
    dir.remove();
  });

  it('SIGTERM, no answer within the grace: cut off and handed back; another node sends it long before the lease ends', async () => {
    integration.hold('released');
    await worker.create(admin, 'released');
    const victim = await heldBy('released');
    const survivor = await startNode(leaseMs);
    const signalAt = Date.now();
    expect(await victim.stop('SIGTERM')).toBe(0);
    // Its call was cut off at the grace: the victim's exit closed no call still open.
    await until(() => callsAbout('released')[0]!.cutOff, 5000, 'the held call cut off');

    await until(() => callsAbout('released').length >= 2, 20_000, 'the item sent again');
    const again = callsAbout('released')[1]!;
    again.answer();
    expect(again.pid).toBe(survivor.child.pid);
    // Handed back: the victim's 30 s lease would have kept it until well after this.
    expect(again.at - signalAt).toBeLessThan(longLeaseMs / 3);
    expect(sentAfter(victim, signalAt)).toEqual([]);
    await until(() => worker.done(admin, 'released'), 10_000, 'the item recorded');
  }, 90_000);

  it('SIGTERM, answered within the grace: finished and recorded, never sent again; nothing sent after the signal', async () => {
    integration.hold('finished');
    await worker.create(admin, 'finished');
    const victim = await heldBy('finished');
    const survivor = await startNode(leaseMs);
    const signalAt = Date.now();
    const exited = victim.stop('SIGTERM');
    // Work that comes due while the victim drains goes to the survivor.
    const dueDuringDrain = worker.create(admin, 'during-drain');
    await new Promise((resolve) => setTimeout(resolve, 300));
    callsAbout('finished')[0]!.answer();
    await dueDuringDrain;
    expect(await exited).toBe(0);

    await until(() => worker.done(admin, 'finished'), 10_000, 'the item recorded');
    await until(() => worker.done(admin, 'during-drain'), 20_000, 'the item due during the drain');
    expect(callsAbout('during-drain').map((seen) => seen.pid)).toEqual([survivor.child.pid]);
    // Time for a stray second send, were there one.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(callsAbout('finished')).toHaveLength(1);
    expect(callsAbout('finished')[0]!.cutOff).toBe(false);
    expect(sentAfter(victim, signalAt)).toEqual([]);
  }, 90_000);

  it('SIGKILL: another node sends the item once more after its lease ends, within 15 s', async () => {
    integration.hold('killed');
    await worker.create(admin, 'killed');
    const victim = await heldBy('killed');
    const survivor = await startNode(leaseMs);
    await victim.stop('SIGKILL');
    const killedAt = Date.now();

    await until(() => callsAbout('killed').length >= 2, 20_000, 'the item sent again');
    const again = callsAbout('killed')[1]!;
    again.answer();
    expect(again.pid).toBe(survivor.child.pid);
    // Not before the lease ran out (renewed every third of it, so at least two thirds were left).
    expect(again.at - killedAt).toBeGreaterThanOrEqual((leaseMs * 2) / 3 - 250);
    expect(again.at - killedAt).toBeLessThanOrEqual(15_000);
    await until(() => worker.done(admin, 'killed'), 10_000, 'the item recorded');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(callsAbout('killed')).toHaveLength(2);
  }, 90_000);
});
