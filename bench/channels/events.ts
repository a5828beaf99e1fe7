// Event-callback delivery benchmark: a real `serve` on SQLite, a local integration that
// records when each event arrives, and a raw undici loop POSTing the same batches as the
// baseline. Run: node --import tsx bench/channels/events.ts   (EVENTS=1000 by default)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { numberFromEnv } from '../machine.js';
import { percentile, round } from '../pull/stats.js';

const bin = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));
const count = numberFromEnv('EVENTS', 1000);
const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-events-'));
const database = `sqlite:${join(dir, 'switchboard.db')}`;
const baseEnv = {
  SWITCHBOARD_DATA_DIR: dir,
  SWITCHBOARD_MODE: 'development',
  SWITCHBOARD_PULL_SCHEDULER: 'off',
  LOG_LEVEL: 'warn',
};

/** The local integration: a manifest, and an event endpoint recording arrivals. */
const arrivals = new Map<string, { at: number; timestamp: number }>();
const bodies: string[] = [];
const integration = createServer(async (req, res) => {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  if (req.url === '/manifest.json') {
    const urls = { admin_ui: './admin_ui', event_callback_url: './events' };
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ name: 'Bench', id: 'bench', urls }));
    return;
  }
  if (req.url === '/events') {
    const at = Date.now();
    bodies.push(raw);
    for (const event of JSON.parse(raw).events as { id: string; timestamp: string }[]) {
      if (!arrivals.has(event.id)) arrivals.set(event.id, { at, timestamp: Date.parse(event.timestamp) });
    }
    res.writeHead(200).end();
    return;
  }
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => integration.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(integration.address() as { port: number }).port}`;

function startServe(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--database', database], {
      env: { ...process.env, ...baseEnv, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve({ url: match[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args, '--database', database], {
      env: { ...process.env, ...baseEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`switchboard ${args.join(' ')}: ${code}`)),
    );
  });
}

async function api(base: string, auth: string, path: string, body: unknown) {
  const response = await request(`${base}/api/switchboard/v1${path}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.body.json()) as any;
  if (response.statusCode >= 300) throw new Error(`${path}: ${response.statusCode} ${JSON.stringify(json)}`);
  return json;
}

/** Creates `n` instances, 20 requests at a time: one create_integration_instance event each. */
async function createInstances(base: string, auth: string, integrationId: number, n: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < n) {
        const i = next++;
        await api(base, auth, '/instances', { integration_id: integrationId, name: `i${i}` });
      }
    }),
  );
}

async function until(test: () => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for deliveries');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

try {
  const account = JSON.parse(await cli(['accounts', 'create', '--subdomain', 'bench', '--json']));
  const auth = 'Basic ' + Buffer.from(`${account.admin_email}/token:${account.api_token}`).toString('base64');

  // 1. Live: events delivered while they are being caused (lag = arrival − event timestamp).
  const live = await startServe({});
  const { integration: registered } = await api(live.url, auth, '/channel_integrations', {
    manifest_url: `${origin}/manifest.json`,
  });
  await until(() => arrivals.size === 1);
  arrivals.clear();
  const liveStart = Date.now();
  await createInstances(live.url, auth, registered.id, count);
  await until(() => arrivals.size === count);
  const liveAll = Date.now() - liveStart;
  const lags = [...arrivals.values()].map((arrival) => arrival.at - arrival.timestamp).sort((a, b) => a - b);
  await stop(live.child);

  // 2. Backlog: 1,000 events queued while no deliverer runs, then a node starts.
  const quiet = await startServe({ SWITCHBOARD_EVENTS_DELIVERER: 'off' });
  await createInstances(quiet.url, auth, registered.id, count);
  await stop(quiet.child);
  arrivals.clear();
  bodies.length = 0;
  const drainStart = Date.now();
  const draining = await startServe({});
  const listening = Date.now() - drainStart;
  await until(() => arrivals.size === count);
  const drainAll = Date.now() - drainStart;
  const batches = bodies.length;
  await stop(draining.child);

  // 3. Baseline: a raw undici loop POSTing the same batch bodies, one after another.
  const captured = [...bodies];
  const rawStart = Date.now();
  for (const body of captured) {
    const response = await request(`${origin}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await response.body.dump();
  }
  const rawAll = Date.now() - rawStart;

  console.log(`\n### Event callbacks: ${count} events, SQLite (synchronous=FULL), one node\n`);
  console.log('| measure | Switchboard | baseline (raw undici, same batches) |');
  console.log('|---|---|---|');
  console.log(`| live: lag p50 (arrival − event timestamp) | ${lags.length ? percentile(lags, 50) : '–'} ms | – |`);
  console.log(`| live: lag p99 | ${percentile(lags, 99)} ms | – |`);
  console.log(`| live: first create → all ${count} delivered (20 API clients creating) | ${liveAll} ms | – |`);
  const drained = drainAll - listening;
  console.log(`| backlog: process start → all ${count} delivered | ${drainAll} ms | – |`);
  console.log(`| backlog: listening → all ${count} delivered (${batches} batches) | ${drained} ms | ${rawAll} ms |`);
  console.log(
    `| backlog: events/s after listening | ${round((count / Math.max(drained, 1)) * 1000)} | ${round((count / Math.max(rawAll, 1)) * 1000)} |`,
  );
} finally {
  integration.close();
  rmSync(dir, { recursive: true, force: true });
}
