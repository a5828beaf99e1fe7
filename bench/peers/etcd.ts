/**
 * `npm run bench` (also alone: `node --import tsx bench/peers/etcd.ts [--quick]`): etcd as a
 * peer. A single etcd node (fsync on, as it always is without --unsafe-no-fsync; a temp
 * data dir, free ports) holds the same config values Switchboard holds; each is pinned to
 * core 0 in turn, the load generator (bench/load.ts) to core 1, and both are driven
 * through their HTTP APIs: a config GET against etcd's range read of the same value
 * (POST /v3/kv/range), a durable PATCH against an etcd put (POST /v3/kv/put). Skipped,
 * with a note, where etcd is not installed (Debian: `apt-get install etcd-server`).
 *
 * Environment: BENCH_ETCD (default /usr/bin/etcd, else etcd on PATH), BENCH_DURATION,
 * BENCH_WARMUP, BENCH_CONNECTIONS (default 50).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonAt, integrationName, patchPaths, readPaths, scatteredIndices, scopeAt } from '../dataset.js';
import type { LoadSpec } from '../load.js';
import { describeMachine, numberFromEnv, processCpuSeconds, processMemory } from '../machine.js';
import { failed, loadSummary, measureLoads, type LoadsMeasurement } from '../measure-loads.js';
import { killStartedProcesses, serverCpu, startSwitchboard, track, type RunningServer } from '../processes.js';
import { seedSqlite } from '../seed.js';

const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only !== undefined && !'etcd peer'.includes(only)) process.exit(0);

const configs = 10_000;
const durationSeconds = numberFromEnv('BENCH_DURATION', quick ? 2 : 5);
const warmupSeconds = numberFromEnv('BENCH_WARMUP', quick ? 1 : 2);
const connections = numberFromEnv('BENCH_CONNECTIONS', 50);
const log = (message: string) => process.stderr.write(`${message}\n`);

function findEtcd(): string | undefined {
  const candidates = [process.env.BENCH_ETCD, '/usr/bin/etcd'].filter((c): c is string => !!c);
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found) return found;
  const which = spawnSync('which', ['etcd'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

const etcd = findEtcd();
if (!etcd) {
  const note =
    'etcd peer rows skipped: etcd is not installed (Debian: apt-get install etcd-server; or set BENCH_ETCD).';
  process.stdout.write(`\n${note}\n`);
  process.exit(0);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** The etcd key of a config: the same scope under the same integration. */
const keyOf = (index: number) => `/configs/${integrationName}/${scopeAt(index)}`;

async function etcdPost(origin: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${origin}${path}`, { method: 'POST', body: JSON.stringify(body) });
}

/** One etcd node on free ports, pinned to the server core, answering its JSON gateway. */
async function startEtcd(dataDir: string): Promise<RunningServer> {
  const [client, peer] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const spawnedAt = performance.now();
  const child = spawn(
    'taskset',
    [
      '-c',
      String(serverCpu),
      etcd!,
      ...['--name', 'bench', '--data-dir', dataDir, '--log-level', 'error'],
      ...['--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl],
      ...['--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl],
      ...['--initial-cluster', `bench=${peerUrl}`],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  track(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await etcdPost(clientUrl, '/v3/kv/range', { key: b64('ping') })).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`etcd did not start:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    origin: clientUrl,
    spawnedAt,
    pid: child.pid!,
    cpuSeconds: () => processCpuSeconds(child.pid!),
    memory: () => processMemory(child.pid!),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const workDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-etcd-'));
process.once('SIGINT', () => {
  killStartedProcesses();
  rmSync(workDir, { recursive: true, force: true });
  process.exit(130);
});

const readIndices = scatteredIndices(1000, configs);
const patchIndices = scatteredIndices(100, configs);
const common = { token: '', connections, warmupSeconds, durationSeconds };

let results: { switchboard: LoadsMeasurement[]; etcd: LoadsMeasurement[] };
try {
  log(`seeding ${configs} configs…`);
  const { token } = await seedSqlite(join(workDir, 'switchboard.db'), configs);
  const switchboard = await startSwitchboard(`sqlite:${join(workDir, 'switchboard.db')}`);
  const sbResults: LoadsMeasurement[] = [];
  try {
    sbResults.push(await measureLoads(switchboard, [{ ...common, token, method: 'GET', paths: readPaths(configs) }]));
    log(`Switchboard config read: ${loadSummary(sbResults[0]!.loads[0]!)}`);
    sbResults.push(
      await measureLoads(switchboard, [{ ...common, token, method: 'PATCH', paths: patchPaths(configs) }]),
    );
    log(`Switchboard durable PATCH: ${loadSummary(sbResults[1]!.loads[0]!)}`);
  } finally {
    await switchboard.stop();
  }

  const peer = await startEtcd(join(workDir, 'etcd'));
  const etcdResults: LoadsMeasurement[] = [];
  try {
    // The same values under the same scopes: the read set and the PATCH set.
    for (const index of new Set([...readIndices, ...patchIndices])) {
      const put = await etcdPost(peer.origin, '/v3/kv/put', {
        key: b64(keyOf(index)),
        value: b64(configJsonAt(index)),
      });
      if (!put.ok) throw new Error(`etcd put answered ${put.status}`);
    }
    const range = await (await etcdPost(peer.origin, '/v3/kv/range', { key: b64(keyOf(readIndices[0]!)) })).json();
    if ((range as { count?: string }).count !== '1')
      throw new Error(`etcd range did not find the value: ${JSON.stringify(range)}`);
    const ranges: Omit<LoadSpec, 'origin'> = {
      ...common,
      method: 'POST',
      paths: readIndices.map(() => '/v3/kv/range'),
      bodies: readIndices.map((i) => JSON.stringify({ key: b64(keyOf(i)) })),
    };
    // Each put writes the config as a PATCH would leave it: one of sixteen keys changed.
    const puts: Omit<LoadSpec, 'origin'> = {
      ...common,
      method: 'POST',
      paths: Array.from({ length: 1000 }, () => '/v3/kv/put'),
      bodies: Array.from({ length: 1000 }, (_, n) => {
        const index = patchIndices[n % patchIndices.length]!;
        const value = { ...(JSON.parse(configJsonAt(index)) as object), [`k${n % 16}`]: n };
        return JSON.stringify({ key: b64(keyOf(index)), value: b64(JSON.stringify(value)) });
      }),
    };
    etcdResults.push(await measureLoads(peer, [ranges]));
    log(`etcd range read: ${loadSummary(etcdResults[0]!.loads[0]!)}`);
    etcdResults.push(await measureLoads(peer, [puts]));
    log(`etcd put: ${loadSummary(etcdResults[1]!.loads[0]!)}`);
  } finally {
    await peer.stop();
  }
  results = { switchboard: sbResults, etcd: etcdResults };
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

const version = spawnSync(etcd, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim() ?? 'etcd';
const cell = (m: LoadsMeasurement) =>
  `${Math.round(m.loads[0]!.requestsPerSecond)} req/s, p99 ${m.loads[0]!.latency.p99.toFixed(2)} ms, ` +
  `${m.serverCpuMicrosPerRequest} µs CPU/req, ${m.serverRssMegabytes} MB${failed(m.loads[0]!)}`;
const ratio = (i: number) =>
  (results.switchboard[i]!.loads[0]!.requestsPerSecond / results.etcd[i]!.loads[0]!.requestsPerSecond).toFixed(2);
const table = [
  `Peer: ${version}, single node, fsync on (${connections} connections, ${durationSeconds} s measured; each server alone on core 0).`,
  '',
  '| workload | Switchboard (SQLite) | etcd | Switchboard ÷ etcd req/s (goal > 1) |',
  '| --- | --- | --- | --- |',
  `| config read vs etcd range read | ${cell(results.switchboard[0]!)} | ${cell(results.etcd[0]!)} | **${ratio(0)}×** |`,
  `| durable PATCH vs etcd put | ${cell(results.switchboard[1]!)} | ${cell(results.etcd[1]!)} | **${ratio(1)}×** |`,
].join('\n');
process.stdout.write(`\n${table}\n`);

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, 'etcd.json'),
  JSON.stringify({ finishedAt: new Date().toISOString(), machine: describeMachine(), quick, results, table }, null, 2) +
    '\n',
);
log('raw results: bench/results/etcd.json');
