/**
 * Push of 256 resources, this checkout beside another (built) one, in the same run:
 * each build serves its own fresh SQLite file (seeded by its own store code), and rounds
 * alternate between them (A B B A …) so the shared machine's load falls on both alike.
 * One connection, p50 over all rounds. For "auth before body must not cost more than 5%".
 *
 *   git worktree add --detach /tmp/push-base d990543   # then link node_modules, npm run build
 *   BENCH_PUSH_BASE=/tmp/push-base node --import tsx bench/channels/push-compare.ts
 *
 * Knobs: BENCH_PUSH_ROUNDS (default 6), BENCH_PUSH_SECONDS (per round and build, default 4),
 * BENCH_PUSH_WARMUP (seconds before the first round, default 2).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeMachine, numberFromEnv } from '../machine.js';
import { killStartedProcesses, loadCpu, runJsonScript, startSwitchboard, type RunningServer } from '../processes.js';
import { percentile, round } from '../pull/stats.js';
import type { PushLoadResult, PushLoadSpec } from './push-load.js';

const rounds = numberFromEnv('BENCH_PUSH_ROUNDS', 6);
const seconds = numberFromEnv('BENCH_PUSH_SECONDS', 4);
const warmupSeconds = numberFromEnv('BENCH_PUSH_WARMUP', 2);
const base = process.env.BENCH_PUSH_BASE;
if (!base) throw new Error('BENCH_PUSH_BASE: the path of the other, built checkout');
const root = resolve(import.meta.dirname, '../..');

/** Seeds with the checkout's own store code (its own migrations), as bench/channels/push.ts does. */
async function seed(checkout: string, path: string): Promise<{ token: string; instancePushId: string }> {
  const { SqliteStore } = (await import(
    join(checkout, 'src/store/sqlite/sqlite-store.ts')
  )) as typeof import('../../src/store/sqlite/sqlite-store.js');
  const { generateSecret, hashSecret } = (await import(
    join(checkout, 'src/security/secrets.ts')
  )) as typeof import('../../src/security/secrets.js');
  const store = new SqliteStore(path);
  await store.migrate();
  const now = Date.now();
  const account = await store.createAccount({
    id: 1,
    subdomain: 'bench',
    adminEmail: 'bench@example.com',
    adminTokenHash: hashSecret(generateSecret()),
    nowSeconds: Math.floor(now / 1000),
  });
  if (account === 'exists') throw new Error('the benchmark database is not fresh');
  const integration = await store.channels.createIntegration({
    accountId: account.id,
    remoteId: 'com.example.bench-push',
    name: 'Bench push',
    manifestUrl: 'http://127.0.0.1:9/manifest.json',
    manifestJson: JSON.stringify({
      name: 'Bench push',
      id: 'com.example.bench-push',
      push_client_id: 'bench',
      urls: { admin_ui: { href: 'http://127.0.0.1:9/admin_ui' } },
    }),
    nowMs: now,
  });
  const token = generateSecret('sbpt_');
  const instancePushId = randomUUID();
  await store.channels.createInstance({
    accountId: account.id,
    integrationId: integration.id,
    name: 'Bench',
    metadata: '',
    state: '',
    instancePushId,
    pushTokenHash: hashSecret(token),
    nowMs: now,
  });
  await store.close();
  return { token, instancePushId };
}

interface Build {
  name: string;
  server: RunningServer;
  credentials: { token: string; instancePushId: string };
  latencies: number[];
  roundP50s: number[];
  /** The server's CPU time over the measured rounds, s: less swayed by a busy machine than latency. */
  cpuSeconds: number;
}

async function start(name: string, checkout: string, dir: string): Promise<Build> {
  const path = join(dir, `${name}.db`);
  const credentials = await seed(checkout, path);
  const bin = join(checkout, 'bin/switchboard.js');
  const server = await startSwitchboard(`sqlite:${path}`, { SWITCHBOARD_PULL_SCHEDULER: 'off' }, [], bin);
  return { name, server, credentials, latencies: [], roundP50s: [], cpuSeconds: 0 };
}

function load(build: Build, runSeconds: number, warmup: number): Promise<PushLoadResult> {
  const spec: PushLoadSpec = {
    origin: build.server.origin,
    ...build.credentials,
    perRequest: 256,
    connections: 1,
    warmupSeconds: warmup,
    seconds: runSeconds,
    runId: randomUUID(),
  };
  return runJsonScript<PushLoadResult>(loadCpu, 'bench/channels/push-load.ts', spec);
}

process.once('SIGINT', () => {
  killStartedProcesses();
  process.exit(130);
});

const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-push-compare-'));
const builds: Build[] = [];
try {
  builds.push(await start('base', resolve(base), dir), await start('this', root, dir));
  for (const build of builds) await load(build, 1, warmupSeconds);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) {
      const cpuBefore = build.server.cpuSeconds();
      const result = await load(build, seconds, 0);
      build.cpuSeconds += build.server.cpuSeconds() - cpuBefore;
      if (result.errors > 0) throw new Error(`${build.name}: ${result.errors} pushes failed`);
      build.latencies.push(...result.latenciesMs);
      build.roundP50s.push(round(percentile(result.latenciesMs, 50), 2));
    }
  }
  const machine = describeMachine();
  console.log(
    `Push of 256 resources, 1 connection, SQLite: ${rounds} alternating rounds of ${seconds} s per build; ` +
      `${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`,
  );
  console.log('');
  console.log('| build | pushes | p50 ms | p99 ms | server CPU ms/push | p50 of each round, ms |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const build of builds) {
    const sorted = [...build.latencies].sort((a, b) => a - b);
    console.log(
      `| ${build.name} | ${sorted.length} | ${round(percentile(sorted, 50), 2)} | ${round(percentile(sorted, 99), 2)} | ` +
        `${round((build.cpuSeconds * 1000) / sorted.length, 2)} | ${build.roundP50s.join(', ')} |`,
    );
  }
  const [before, after] = builds.map((b) =>
    percentile(
      [...b.latencies].sort((x, y) => x - y),
      50,
    ),
  );
  console.log('');
  console.log(`p50 change: ${round(((after! - before!) / before!) * 100, 1)} % (this against base).`);
} finally {
  for (const build of builds) await build.server.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
