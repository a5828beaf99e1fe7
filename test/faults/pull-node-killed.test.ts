import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidOfClientPort, until } from '../helpers/node-kill.js';
import { runCli, startServeProcess, type ServeProcess } from '../helpers/processes.js';
import { call, tempDir } from '../helpers/server.js';
import { createPostgresSchema, postgresAvailable } from '../helpers/stores.js';

const api = '/api/switchboard/v1';

interface PullCall {
  pid: number;
  at: number;
  /** When the request ended: answered, or its connection closed (its node died). */
  endedAt?: number;
  answer: (state: string) => void;
}

/**
 * An integration whose pull endpoint stalls until the test answers, recording each call,
 * which node made it, and the most calls ever in flight at once.
 */
async function startStallingIntegration() {
  const calls: PullCall[] = [];
  let inFlight = 0;
  let mostAtOnce = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/manifest.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ name: 'Stall', id: 'com.example.stall', urls: { admin_ui: './admin', pull_url: './pull' } }),
      );
      return;
    }
    request.resume();
    inFlight++;
    mostAtOnce = Math.max(mostAtOnce, inFlight);
    const seen: PullCall = {
      pid: pidOfClientPort(request.socket.remotePort!, request.socket.localPort),
      at: Date.now(),
      answer: (state) => {
        if (response.writableEnded || response.destroyed) return;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ external_resources: [], state }));
      },
    };
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      inFlight--;
      seen.endedAt = Date.now();
    };
    response.on('finish', end);
    response.on('close', end);
    calls.push(seen);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    manifestUrl: `http://127.0.0.1:${port}/manifest.json`,
    calls,
    mostAtOnce: () => mostAtOnce,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const kinds = [
  {
    name: 'sqlite',
    database: async (dir: string) => ({ url: `sqlite:${join(dir, 'shared.db')}`, drop: async () => {} }),
  },
  ...(postgresAvailable ? [{ name: 'postgres', database: async () => createPostgresSchema() }] : []),
];

/**
 * Two real `serve` processes share one database, with the default (short) lease. A live
 * node's slow pull keeps its lease however long it runs; a node killed (SIGKILL) in the
 * middle of a pull leaves its instance leased, and the other node pulls it again within
 * 15 s. Never two pulls of one instance at once.
 */
describe.each(kinds)('a pull lost with its node, on $name', (kind) => {
  const dir = tempDir();
  let database: { url: string; drop: () => Promise<void> };
  let integration: Awaited<ReturnType<typeof startStallingIntegration>>;
  const nodes: ServeProcess[] = [];
  let auth: string;
  let integrationId: number;
  const env = {
    SWITCHBOARD_DATA_DIR: dir.path,
    SWITCHBOARD_MODE: 'development',
    SWITCHBOARD_SECRET_KEY: 'shared-by-both-nodes',
    SWITCHBOARD_PULL_INTERVAL_MS: '3600000',
    SWITCHBOARD_PULL_TIMEOUT_MS: '60000',
    LOG_LEVEL: 'warn',
  };
  const live = () => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
  const createInstance = async (name: string) => {
    const created = await call(live()[0]!.baseUrl, 'POST', `${api}/instances`, {
      auth,
      body: { integration_id: integrationId, name, metadata: name, state: '' },
    });
    expect(created.status).toBe(201);
    return created.json.instance.id as number;
  };

  beforeAll(async () => {
    database = await kind.database(dir.path);
    integration = await startStallingIntegration();
    const account = await runCli(['accounts', 'create', '--subdomain', 'acme', '--json', '--database', database.url], {
      SWITCHBOARD_DATA_DIR: dir.path,
    });
    const { admin_email, api_token } = JSON.parse(account.stdout) as { admin_email: string; api_token: string };
    auth = 'Basic ' + Buffer.from(`${admin_email}/token:${api_token}`).toString('base64');
    // One after the other, with time to spare: a busy machine starts them slowly.
    for (let n = 0; n < 2; n++) nodes.push(await startServeProcess(database.url, env, 60_000));
    const registered = await call(nodes[0]!.baseUrl, 'POST', `${api}/channel_integrations`, {
      auth,
      body: { manifest_url: integration.manifestUrl },
    });
    expect(registered.status).toBe(201);
    integrationId = registered.json.integration.id;
  }, 180_000);
  afterAll(async () => {
    await Promise.all(live().map((node) => node.stop('SIGKILL')));
    await integration?.close();
    await database?.drop();
    dir.remove();
  });

  it("keeps a live node's slow pull its own past two leases", async () => {
    const id = await createInstance('slow-pull');
    await until(() => integration.calls.length === 1, 10_000, 'the first pull');
    // 22 s: more than two 10 s leases. Renewals keep it one node's; the other never pulls.
    await new Promise((resolve) => setTimeout(resolve, 22_000));
    expect(integration.calls).toHaveLength(1);
    expect(integration.mostAtOnce()).toBe(1);
    integration.calls[0]!.answer('slow-but-alive');
    await until(() => integration.calls[0]!.endedAt !== undefined, 5000, 'the answer');
    // The answer has left the integration; the node records the pull a moment later.
    const pulls = async () =>
      (await call(nodes[0]!.baseUrl, 'GET', `${api}/instances/${id}/pulls`, { auth })).json.pulls as unknown[];
    await until(async () => (await pulls()).length > 0, 10_000, 'the pull recorded');
    expect(await pulls()).toEqual([expect.objectContaining({ outcome: 'ok' })]);
  }, 60_000);

  it('pulls the instance of a node killed mid-pull again within 15 s, never twice at once', async () => {
    await createInstance('killed-mid-pull');
    await until(() => integration.calls.length === 2, 10_000, 'the pull');
    const first = integration.calls[1]!;
    const [puller, other] = first.pid === nodes[0]!.child.pid ? [nodes[0]!, nodes[1]!] : [nodes[1]!, nodes[0]!];
    expect(first.pid).toBe(puller.child.pid);

    const killedAt = Date.now();
    await puller.stop('SIGKILL');
    await until(() => integration.calls.length === 3, 20_000, "the other node's pull");
    const again = integration.calls[2]!;
    expect(again.pid).toBe(other.child.pid);
    expect(again.at - killedAt).toBeLessThanOrEqual(15_000);
    // The killed node's call ended (its socket closed with it) before the other began.
    expect(first.endedAt).toBeLessThanOrEqual(again.at);
    expect(integration.mostAtOnce()).toBe(1);
    again.answer('after-failover');
    await until(() => again.endedAt !== undefined, 5000, 'the answer');
  }, 60_000);
});
