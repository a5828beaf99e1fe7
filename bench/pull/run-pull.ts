/**
 * The pull-loop benchmark: `node --import tsx bench/pull/run-pull.ts [--quick]`.
 *
 * 1. Throughput: N instances, all due, one interval of an hour so each is pulled once;
 *    Switchboard (`serve`, pinned to core 0) pulls them from a local integration (pinned
 *    to core 1) at several concurrencies. The baseline is the raw ceiling: a bare undici
 *    loop on core 0 POSTing the same form body to the same integration, as often, at the
 *    same concurrency, through an Agent configured like Switchboard's outbound client.
 *    SQLite, then PostgreSQL with one node (first with batching off, one transaction per
 *    finished pull as before, then as configured: the pulls that finish together share one)
 *    and with two nodes sharing the work, checking that no instance is ever pulled twice.
 *    Then against an integration that takes 200 ms to answer (as one calling a remote API
 *    would): can one node keep up with 10,000 instances every 2 minutes (83 pulls/s)?
 * 2. Lateness: 10,000 instances on the 2-minute interval, due times spread evenly over one
 *    interval from the start (steady state); over a window, how late each pull started
 *    against its due time, and whether every due instance was pulled, once: SQLite on one
 *    node, then PostgreSQL with two nodes sharing the schedule.
 *
 * Prints a markdown table, writes bench/results/pull-latest.json.
 *
 * Environment:
 *   BENCH_PULL_COUNT        instances in a throughput run (default 5000; quick 2000)
 *   BENCH_PULL_CONCURRENCY  comma-separated SWITCHBOARD_PULL_CONCURRENCY values to try
 *                           (default 32,64,128; quick 64)
 *   BENCH_PULL_SLOW_MS      the slow integration's answer time, ms (default 200)
 *   BENCH_PULL_SLOW_COUNT   instances in the slow-integration run (default 1000; quick 300)
 *   BENCH_PULL_INSTANCES    instances in the lateness run (default 10000; quick 2000)
 *   BENCH_PULL_WINDOW       seconds the lateness run observes (default 120; quick 10)
 *   BENCH_POSTGRES_URL      PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test;
 *                           "off" skips it); the benchmark works in its own schemas and drops them
 *   BENCH_PULL_ROUNDS       runs of each SQLite throughput configuration, alternating with
 *                           its baseline; the median by pulls/s is reported (default 3; quick 1)
 *   BENCH_QUIET_WAIT        before each measured run, wait up to this many seconds for both
 *                           cores to go idle (default 30; quick 5; 0 turns it off)
 *   BENCH_PULL_ONLY         "throughput" or "lateness": run only those rows; "postgres": only
 *                           one PostgreSQL node, batched, BENCH_PULL_ROUNDS times, each
 *                           beside the raw baseline (for comparing two builds run by turns)
 *                           "inspector": SQLite throughput with SWITCHBOARD_INSPECTOR_EXCHANGES at 0,
 *                           errors (production's default), 0 and 200 (development's default),
 *                           interleaved, BENCH_PULL_ROUNDS times (bench/results/pull-inspector-latest.json)
 *   BENCH_PULL_PROFILE      set to a directory: the throughput nodes run with --cpu-prof and
 *                           write their profiles there (bench/pull/profile-summary.ts reads them)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  coreBusySeconds,
  describeMachine,
  numberFromEnv,
  processMemory,
  postgresCpuSeconds,
  waitForQuietMachine,
} from '../machine.js';
import { metadataOf, postgresDatabase, sqliteDatabase, type BenchDatabase, type PullRow } from './databases.js';
import {
  killStartedProcesses,
  runCli,
  runRawClient,
  serverCpu,
  startIntegration,
  startSwitchboard,
  type RunningProcess,
} from './processes.js';
import {
  latenessRow,
  markdownTable,
  throughputRow,
  type LatenessResult,
  type Row,
  type ThroughputResult,
} from './pull-report.js';
import { percentile, rates, round } from './stats.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');

const options = {
  quick,
  throughputInstances: numberFromEnv('BENCH_PULL_COUNT', quick ? 2000 : 5000),
  concurrencies: (process.env.BENCH_PULL_CONCURRENCY || (quick ? '64' : '32,64,128')).split(',').map(Number),
  /** The slow-integration row: it answers each pull after this long, like one calling a remote API. */
  slowIntegrationDelayMs: numberFromEnv('BENCH_PULL_SLOW_MS', 200),
  slowInstances: numberFromEnv('BENCH_PULL_SLOW_COUNT', quick ? 300 : 1000),
  /** 10,000 instances every 2 minutes. */
  requiredPullsPerSecond: 10_000 / 120,
  latenessInstances: numberFromEnv('BENCH_PULL_INSTANCES', quick ? 2000 : 10_000),
  latenessWindowSeconds: numberFromEnv('BENCH_PULL_WINDOW', quick ? 10 : 120),
  intervalMs: 120_000,
  /** After the window, the scheduler keeps running this long, so pulls due at its very end are seen too. */
  graceMs: 5000,
  /** Runs of each SQLite throughput configuration; the median (by pulls/s) is reported. */
  rounds: numberFromEnv('BENCH_PULL_ROUNDS', quick ? 1 : 3),
  quietWaitSeconds: process.env.BENCH_QUIET_WAIT === '0' ? 0 : numberFromEnv('BENCH_QUIET_WAIT', quick ? 5 : 30),
  targetPullsPerSecond: 1000,
  /**
   * On time: p99 of pulls start within 2 s of their due time. The scheduler polls every
   * second (so up to ~1 s late by design); the schedule's own jitter is ±10 % (±12 s).
   */
  targetP99LatenessMs: 2000,
};
const postgresUrl =
  process.env.BENCH_POSTGRES_URL === 'off'
    ? undefined
    : process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const profileDir = process.env.BENCH_PULL_PROFILE || undefined;
const only = process.env.BENCH_PULL_ONLY || undefined;
if (only !== undefined && !['throughput', 'lateness', 'postgres', 'inspector'].includes(only)) {
  throw new Error(`BENCH_PULL_ONLY must be "throughput", "lateness", "postgres" or "inspector"; got "${only}"`);
}

const log = (message: string) => process.stderr.write(`${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const workDir = mkdtempSync(join(tmpdir(), 'switchboard-pull-bench-'));
const dataDir = join(workDir, 'data');
mkdirSync(dataDir);
const baseEnv = { SWITCHBOARD_DATA_DIR: dataDir };
let databaseSerial = 0;
const openDatabases = new Set<BenchDatabase>();

async function quiet(): Promise<void> {
  if (options.quietWaitSeconds > 0 && !(await waitForQuietMachine(options.quietWaitSeconds))) {
    log(`  (the machine stayed busy for ${options.quietWaitSeconds} s; measuring anyway)`);
  }
}

// --- Setting up a database ----------------------------------------------------------------

interface Prepared {
  db: BenchDatabase;
  accountId: number;
  integrationId: number;
}

/**
 * A new database with an account (the CLI) and the integration registered through the API,
 * by a node with its scheduler off, which is then stopped.
 */
async function prepare(engine: 'sqlite' | 'postgres', integration: RunningProcess): Promise<Prepared> {
  const name = `pull_${process.pid}_${++databaseSerial}`;
  const db = engine === 'sqlite' ? sqliteDatabase(workDir, name) : await postgresDatabase(postgresUrl!, name);
  openDatabases.add(db);
  const account = JSON.parse(
    await runCli(['accounts', 'create', '--subdomain', 'pullbench', '--json', '--database', db.url], baseEnv),
  ) as { id: number; admin_email: string; api_token: string };
  const node = await startSwitchboard(db.url, { ...baseEnv, SWITCHBOARD_PULL_SCHEDULER: 'off' });
  try {
    const response = await fetch(`${node.origin}/api/switchboard/v1/channel_integrations`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${account.admin_email}/token:${account.api_token}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ manifest_url: `${integration.origin}/manifest.json` }),
    });
    const body = (await response.json()) as { integration?: { id: number } };
    if (response.status !== 201 || !body.integration) {
      throw new Error(`registering the integration answered ${response.status}: ${JSON.stringify(body)}`);
    }
    return { db, accountId: account.id, integrationId: body.integration.id };
  } finally {
    await node.stop();
  }
}

async function dropDatabase(db: BenchDatabase): Promise<void> {
  openDatabases.delete(db);
  await db.drop();
}

const schedulerEnv = (concurrency: number, intervalMs: number) => ({
  ...baseEnv,
  SWITCHBOARD_PULL_CONCURRENCY: String(concurrency),
  SWITCHBOARD_PULL_INTERVAL_MS: String(intervalMs),
});

// --- Throughput -----------------------------------------------------------------------------

/** Waits until `db` holds `expected` pulls; false on timeout or when they stop coming for 15 s. */
async function waitForPulls(db: BenchDatabase, expected: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const count = await db.countPulls();
    if (count >= expected) return true;
    if (count !== last) [last, lastChange] = [count, Date.now()];
    if (Date.now() > deadline || Date.now() - lastChange > 15_000) return false;
    await sleep(25);
  }
}

function pullChecks(rows: PullRow[], instanceIds: number[]) {
  const perInstance = new Map<number, number>();
  for (const row of rows) perInstance.set(row.instanceId, (perInstance.get(row.instanceId) ?? 0) + 1);
  return {
    doublePulls: [...perInstance.values()].filter((n) => n > 1).length,
    missed: instanceIds.filter((id) => !perInstance.has(id)).length,
    okPulls: rows.filter((row) => row.outcome === 'ok').length,
  };
}

async function measureThroughput(
  engine: 'sqlite' | 'postgres',
  nodeCount: number,
  concurrency: number,
  integration: RunningProcess,
  count = options.throughputInstances,
  integrationDelayMs = 0,
  postgresBatch?: number,
  /** More settings for the nodes (the inspector comparison's SWITCHBOARD_INSPECTOR_EXCHANGES). */
  extraEnv: Record<string, string> = {},
): Promise<ThroughputResult> {
  const label =
    `${engine}, ${nodeCount} node(s), concurrency ${concurrency}` +
    (integrationDelayMs > 0 ? `, integration answering in ${integrationDelayMs} ms` : '') +
    (postgresBatch !== undefined ? `, at most ${postgresBatch} pull(s) per transaction` : '');
  log(`\nthroughput: ${count} pulls, ${label}`);
  const prepared = await prepare(engine, integration);
  const { db } = prepared;
  try {
    const seededAt = Date.now();
    const ids = await db.insertInstances(
      prepared.accountId,
      prepared.integrationId,
      Array.from({ length: count }, () => seededAt),
    );
    await quiet();
    const integrationCpuBefore = integration.cpuSeconds();
    const postgresCpuBefore = postgresCpuSeconds();
    const profileArgs = (node: number) =>
      profileDir
        ? [
            '--cpu-prof',
            '--cpu-prof-dir',
            profileDir,
            '--cpu-prof-name',
            `pull-${engine}-n${nodeCount}-c${concurrency}-d${integrationDelayMs}-${node}-${Date.now()}.cpuprofile`,
          ]
        : [];
    const nodes = await Promise.all(
      Array.from({ length: nodeCount }, (_, node) =>
        startSwitchboard(
          db.url,
          {
            ...schedulerEnv(concurrency, 3_600_000),
            ...(postgresBatch !== undefined ? { SWITCHBOARD_PULL_POSTGRES_BATCH: String(postgresBatch) } : {}),
            ...extraEnv,
          },
          profileArgs(node),
        ),
      ),
    );
    const cpuBefore = nodes.map((node) => node.cpuSeconds());
    const coreBefore = coreBusySeconds(serverCpu);
    const wallBefore = performance.now();
    let otherLoad: number;
    let done: boolean;
    let cpuSeconds: number;
    let integrationCpu: number;
    let postgresCpu: number;
    let peakRssMb: number;
    try {
      done = await waitForPulls(db, count, Math.max(60_000, count * 20));
      cpuSeconds = nodes.reduce((sum, node, i) => sum + node.cpuSeconds() - cpuBefore[i]!, 0);
      const wall = (performance.now() - wallBefore) / 1000;
      otherLoad = Math.max(0, coreBusySeconds(serverCpu) - coreBefore - cpuSeconds) / wall;
      integrationCpu = integration.cpuSeconds() - integrationCpuBefore;
      postgresCpu = postgresCpuSeconds() - postgresCpuBefore;
      peakRssMb = Math.max(...nodes.map((node) => processMemory(node.pid).peakRssMb));
    } finally {
      await Promise.all(nodes.map((node) => node.stop()));
    }
    const warnings = nodes.map((node) => node.stderr().trim()).filter(Boolean);
    if (warnings.length > 0) log(`  server stderr: ${warnings.join('\n').slice(0, 2000)}`);
    const rows = await db.pulls();
    const checks = pullChecks(rows, ids);
    const first = Math.min(...rows.map((row) => row.startedAt));
    const ends = rows.map((row) => row.startedAt + row.durationMs - first);
    const seconds = Math.max(...ends) / 1000;
    const { perSecond, steadyPerSecond } = rates(ends);
    const durations = rows.map((row) => row.durationMs).sort((a, b) => a - b);
    const result: ThroughputResult = {
      engine,
      ...(postgresBatch !== undefined ? { postgresBatch } : {}),
      nodes: nodeCount,
      concurrency,
      integrationDelayMs,
      instances: count,
      pulls: rows.length,
      ...checks,
      resourcesStored: await db.countResources(),
      seconds: round(seconds, 3),
      pullsPerSecond: round(perSecond),
      steadyPullsPerSecond: round(steadyPerSecond),
      serverCpuMicrosPerPull: round((cpuSeconds * 1e6) / rows.length),
      serverPeakRssMb: peakRssMb,
      serverCores: round(cpuSeconds / seconds, 2),
      otherLoadOnServerCore: round(otherLoad, 2),
      integrationCpuMicrosPerPull: round((integrationCpu * 1e6) / rows.length),
      ...(engine === 'postgres' ? { postgresCpuMicrosPerPull: round((postgresCpu * 1e6) / rows.length) } : {}),
      pullDurationMs: { p50: percentile(durations, 50), p99: percentile(durations, 99), max: durations.at(-1)! },
      ...(done ? {} : { error: `only ${rows.length} of ${count} pulls were recorded` }),
    };
    log(
      `  switchboard: ${result.pullsPerSecond} pulls/s (steady ${result.steadyPullsPerSecond}) over ${result.seconds} s; ` +
        `${result.okPulls}/${count} ok, ${result.resourcesStored} resources, ${result.doublePulls} double, ` +
        `${result.missed} missed; server ${result.serverCpuMicrosPerPull} µs CPU/pull (${result.serverCores} cores), ` +
        `others on its core${engine === 'postgres' ? ' (PostgreSQL included)' : ''} ${result.otherLoadOnServerCore}; integration ${result.integrationCpuMicrosPerPull} µs/pull` +
        (result.postgresCpuMicrosPerPull !== undefined ? `, postgres ${result.postgresCpuMicrosPerPull} µs/pull` : '') +
        `; pull duration p50 ${result.pullDurationMs.p50} ms ` +
        `p99 ${result.pullDurationMs.p99} ms`,
    );
    return result;
  } finally {
    await dropDatabase(db);
  }
}

async function measureBaseline(concurrency: number, integration: RunningProcess, count = options.throughputInstances) {
  // As Switchboard's outbound client: one socket per pull in flight (channel-host.ts).
  const connections = concurrency;
  await quiet();
  const raw = await runRawClient({
    pullUrl: `${integration.origin}/pull`,
    body: new URLSearchParams({ metadata: metadataOf(0), state: '' }).toString(),
    count,
    concurrency,
    connections,
  });
  const baseline = { ...raw, connections, cpuMicrosPerRequest: round((raw.cpuSeconds * 1e6) / raw.requests) };
  log(
    `  baseline (raw undici, ${concurrency} in flight, ${connections} sockets): ` +
      `${round(raw.perSecond)} req/s (steady ${round(raw.steadyPerSecond)}), ${baseline.cpuMicrosPerRequest} µs CPU/req, ` +
      `${raw.failures} failures`,
  );
  return baseline;
}

/** The median round by pulls/s (the upper one of an even count); every round is kept with it. */
function median(rounds: ThroughputResult[]): ThroughputResult & { rounds?: ThroughputResult[] } {
  const sorted = [...rounds].sort((a, b) => a.pullsPerSecond - b.pullsPerSecond);
  const chosen = sorted[Math.floor(sorted.length / 2)]!;
  return rounds.length > 1 ? { ...chosen, rounds } : chosen;
}

// --- Lateness -------------------------------------------------------------------------------

async function measureLateness(
  engine: 'sqlite' | 'postgres',
  nodeCount: number,
  concurrency: number,
  integration: RunningProcess,
): Promise<LatenessResult> {
  const count = options.latenessInstances;
  const windowMs = options.latenessWindowSeconds * 1000;
  log(
    `\nlateness: ${count} instances on a ${options.intervalMs / 1000} s interval, ${engine}, ${nodeCount} node(s), ` +
      `window ${options.latenessWindowSeconds} s, concurrency ${concurrency}`,
  );
  const prepared = await prepare(engine, integration);
  const { db } = prepared;
  try {
    await quiet();
    // Due times spread evenly over one interval from the window's start (a little ahead,
    // for the server to start), assigned to instances in a shuffled order.
    const slots = Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * options.intervalMs) / count));
    for (let i = slots.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [slots[i], slots[j]] = [slots[j]!, slots[i]!];
    }
    const windowStart = Date.now() + 6000;
    const dueAt = slots.map((offset) => windowStart + offset);
    const ids = await db.insertInstances(prepared.accountId, prepared.integrationId, dueAt);
    const dueOf = new Map(ids.map((id, n) => [id, dueAt[n]!]));
    const nodes = await Promise.all(
      Array.from({ length: nodeCount }, () => startSwitchboard(db.url, schedulerEnv(concurrency, options.intervalMs))),
    );
    if (Date.now() > windowStart) log(`  (the server started ${Date.now() - windowStart} ms after the window began)`);
    let cpuSeconds: number;
    try {
      await sleep(Math.max(0, windowStart - Date.now()));
      const cpuBefore = nodes.map((node) => node.cpuSeconds());
      await sleep(windowMs + options.graceMs);
      cpuSeconds = nodes.reduce((sum, node, i) => sum + node.cpuSeconds() - cpuBefore[i]!, 0);
    } finally {
      await Promise.all(nodes.map((node) => node.stop()));
    }
    const warnings = nodes.map((node) => node.stderr().trim()).filter(Boolean);
    if (warnings.length > 0) log(`  server stderr: ${warnings.join('\n').slice(0, 2000)}`);
    const windowEnd = windowStart + windowMs;
    const rows = await db.pulls();
    const byInstance = new Map<number, PullRow[]>();
    for (const row of rows) byInstance.set(row.instanceId, [...(byInstance.get(row.instanceId) ?? []), row]);
    const dueIds = ids.filter((id) => dueOf.get(id)! >= windowStart && dueOf.get(id)! <= windowEnd);
    const lateness: number[] = [];
    let pulledInWindow = 0;
    for (const id of dueIds) {
      const first = byInstance.get(id)?.[0];
      if (!first) continue;
      lateness.push(first.startedAt - dueOf.get(id)!);
      if (first.startedAt <= windowEnd) pulledInWindow++;
    }
    let pulledTooSoon = 0;
    let pulledTwiceInWindow = 0;
    for (const list of byInstance.values()) {
      const inWindow = list.filter((row) => row.startedAt <= windowEnd);
      if (inWindow.length > 1) pulledTwiceInWindow++;
      for (let k = 1; k < list.length; k++) {
        if (list[k]!.startedAt - list[k - 1]!.startedAt < options.intervalMs * 0.9) pulledTooSoon++;
      }
    }
    lateness.sort((a, b) => a - b);
    const result: LatenessResult = {
      engine,
      nodes: nodeCount,
      instances: count,
      intervalMs: options.intervalMs,
      windowSeconds: options.latenessWindowSeconds,
      concurrency,
      dueInWindow: dueIds.length,
      pulledOfDue: lateness.length,
      pulledInWindowFraction: round(pulledInWindow / dueIds.length, 4),
      pulledFraction: round(lateness.length / dueIds.length, 4),
      pulledTooSoon,
      pulledTwiceInWindow,
      failedPulls: rows.filter((row) => row.outcome !== 'ok').length,
      latenessMs: {
        p50: percentile(lateness, 50),
        p90: percentile(lateness, 90),
        p99: percentile(lateness, 99),
        max: lateness.at(-1) ?? NaN,
        mean: round(lateness.reduce((a, b) => a + b, 0) / lateness.length),
      },
      laterThanOneSecond: lateness.filter((ms) => ms > 1000).length,
      serverCores: round(cpuSeconds / ((windowMs + options.graceMs) / 1000), 3),
      serverCpuMicrosPerPull: round((cpuSeconds * 1e6) / Math.max(1, rows.length)),
    };
    log(
      `  ${result.pulledOfDue}/${result.dueInWindow} due instances pulled (${round(result.pulledInWindowFraction * 100, 2)}% ` +
        `within the window); lateness p50 ${result.latenessMs.p50} ms, p99 ${result.latenessMs.p99} ms, max ` +
        `${result.latenessMs.max} ms; ${result.laterThanOneSecond} over 1 s late; ${result.pulledTooSoon} pulled too soon, ` +
        `${result.pulledTwiceInWindow} twice in the window, ${result.failedPulls} failed; server ${result.serverCores} cores, ` +
        `${result.serverCpuMicrosPerPull} µs CPU/pull`,
    );
    return result;
  } finally {
    await dropDatabase(db);
  }
}

// --- Report -----------------------------------------------------------------------------------

// --- Main -------------------------------------------------------------------------------------

async function postgresProblem(): Promise<string | undefined> {
  if (!postgresUrl) return 'BENCH_POSTGRES_URL=off';
  try {
    const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
    await client.connect();
    await client.end();
    return undefined;
  } catch (error) {
    return `cannot connect to ${postgresUrl} (${(error as Error).message})`;
  }
}

async function cleanUp(): Promise<void> {
  for (const db of [...openDatabases]) {
    try {
      await dropDatabase(db);
    } catch (error) {
      log(`cleanup: ${(error as Error).message}`);
    }
  }
  rmSync(workDir, { recursive: true, force: true });
}

process.once('SIGINT', () => {
  killStartedProcesses();
  void cleanUp().finally(() => process.exit(130));
});

/**
 * The inspector's cost: pulls/s with SWITCHBOARD_INSPECTOR_EXCHANGES at production's default
 * (`errors`: every pull here succeeds, so it records none and costs only its check) and at
 * development's (200: every pull's request and answer encrypted-as-configured and stored,
 * its ring pruned), each beside off, in the same run, interleaved off, errors, off, 200 (each
 * round rotated by one) so drifting load on a shared machine falls on every side. Goals: ≥ 0.95× and ≥ 0.85× of off,
 * peak RSS within 10 MB.
 */
async function compareInspector(integration: RunningProcess): Promise<void> {
  const concurrency = options.concurrencies[0]!;
  const sequence = [
    ['off', '0'],
    ['errors', 'errors'],
    ['off', '0'],
    ['200', '200'],
  ] as const;
  const runs: Record<string, ThroughputResult[]> = { off: [], errors: [], '200': [] };
  for (let round = 0; round < options.rounds; round++) {
    // Each round starts one step further along, so no setting always runs in the same place
    // (after a quiet wait, or right after another run) while the machine's load drifts.
    const shift = round % sequence.length;
    for (const [name, value] of [...sequence.slice(shift), ...sequence.slice(0, shift)]) {
      log(`\ninspector ${name} (SWITCHBOARD_INSPECTOR_EXCHANGES=${value}), round ${round + 1}`);
      const result = await measureThroughput('sqlite', 1, concurrency, integration, undefined, 0, undefined, {
        SWITCHBOARD_INSPECTOR_EXCHANGES: value,
      });
      runs[name]!.push(result);
    }
  }
  const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const summary = (name: string) => {
    const results = runs[name]!;
    return {
      pullsPerSecond: middle(results.map((r) => r.pullsPerSecond)),
      cpuMicrosPerPull: middle(results.map((r) => r.serverCpuMicrosPerPull)),
      peakRssMb: middle(results.map((r) => r.serverPeakRssMb ?? 0)),
      every: results.map((r) => r.pullsPerSecond),
    };
  };
  const off = summary('off');
  const lines = [
    '| inspector | pulls/s (median) | every run | × off | µs CPU/pull | peak RSS MB | Δ RSS MB | goal |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  let failed = false;
  for (const [name, goal] of [
    ['off', 1],
    ['errors', 0.95],
    ['200', 0.85],
  ] as const) {
    const s = summary(name);
    const ratio = round(s.pullsPerSecond / off.pullsPerSecond, 3);
    const rss = round(s.peakRssMb - off.peakRssMb, 1);
    const met =
      name === 'off' ? '' : ratio >= goal && rss <= 10 ? `met (≥ ${goal}×, ≤ 10 MB)` : `FAILED (≥ ${goal}×, ≤ 10 MB)`;
    if (met.startsWith('FAILED')) failed = true;
    lines.push(
      `| ${name} | ${s.pullsPerSecond} | ${s.every.join(', ')} | ${ratio} | ${s.cpuMicrosPerPull} | ${s.peakRssMb} | ${rss} | ${met} |`,
    );
  }
  const table = lines.join('\n');
  process.stdout.write(`\nSQLite, ${options.throughputInstances} pulls, concurrency ${concurrency}:\n\n${table}\n`);
  const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'pull-inspector-latest.json'),
    JSON.stringify(
      { finishedAt: new Date().toISOString(), machine: describeMachine(), options, runs, table },
      null,
      2,
    ) + '\n',
  );
  if (failed) process.exitCode = 1;
}

const machine = describeMachine();
const postgresSkipped = await postgresProblem();
log(
  `Switchboard pull benchmark${quick ? ' (quick)' : ''}: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; ` +
    `throughput ${options.throughputInstances} instances at concurrency ${options.concurrencies.join('/')}, lateness ` +
    `${options.latenessInstances} instances over ${options.latenessWindowSeconds} s; work in ${workDir}`,
);
if (postgresSkipped) log(`PostgreSQL rows skipped: ${postgresSkipped}.`);

const integration = await startIntegration();
if (only === 'inspector') {
  try {
    await compareInspector(integration);
  } finally {
    await integration.stop();
    await cleanUp();
  }
  process.exit(process.exitCode ?? 0);
}
const throughput: ThroughputResult[] = [];
const lateness: LatenessResult[] = [];
let chosen: ThroughputResult | undefined;
try {
  if (only === 'postgres') {
    if (postgresSkipped) throw new Error(`BENCH_PULL_ONLY=postgres, but ${postgresSkipped}`);
    const concurrency = options.concurrencies[0]!;
    const rounds: ThroughputResult[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const result = await measureThroughput('postgres', 1, concurrency, integration);
      result.baseline = await measureBaseline(concurrency, integration);
      rounds.push(result);
    }
    throughput.push(median(rounds));
  }
  for (const concurrency of only === 'lateness' || only === 'postgres' ? [] : options.concurrencies) {
    const rounds: ThroughputResult[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const result = await measureThroughput('sqlite', 1, concurrency, integration);
      result.baseline = await measureBaseline(concurrency, integration);
      rounds.push(result);
    }
    throughput.push(median(rounds));
  }
  // The concurrency that pulled fastest on SQLite is used from here on.
  chosen = throughput.reduce<ThroughputResult | undefined>(
    (best, r) => (!r.error && r.pullsPerSecond > (best?.pullsPerSecond ?? 0) ? r : best),
    undefined,
  );
  const concurrency = chosen?.concurrency ?? options.concurrencies[0]!;
  if (!postgresSkipped && only !== 'lateness' && only !== 'postgres') {
    // Batching off first (one transaction per finished pull, as before), then as configured.
    const unbatched = await measureThroughput('postgres', 1, concurrency, integration, undefined, 0, 1);
    unbatched.baseline = chosen?.baseline;
    throughput.push(unbatched);
    const one = await measureThroughput('postgres', 1, concurrency, integration);
    one.baseline = chosen?.baseline;
    throughput.push(one);
    throughput.push(await measureThroughput('postgres', 2, concurrency, integration));
  }
  if (only !== 'throughput' && only !== 'postgres') {
    lateness.push(await measureLateness('sqlite', 1, concurrency, integration));
    // Two nodes sharing a steady schedule: the leases must keep every pull single.
    if (!postgresSkipped) lateness.push(await measureLateness('postgres', 2, concurrency, integration));
  }
  if (only !== 'lateness' && only !== 'postgres') {
    // An integration that takes a realistic time to answer: the concurrency setting, not the
    // core, should bound the rate (concurrency ÷ answer time).
    const slowIntegration = await startIntegration(options.slowIntegrationDelayMs);
    try {
      const delay = options.slowIntegrationDelayMs;
      const slow = await measureThroughput('sqlite', 1, concurrency, slowIntegration, options.slowInstances, delay);
      slow.baseline = await measureBaseline(concurrency, slowIntegration, options.slowInstances);
      throughput.push(slow);
    } finally {
      await slowIntegration.stop();
    }
  }
} finally {
  await integration.stop();
  await cleanUp();
}

const rows: Row[] = [
  ...(chosen ? [throughputRow(chosen, true, options)] : []),
  ...throughput.filter((r) => r.engine === 'postgres').map((r) => throughputRow(r, r.nodes === 1, options)),
  ...throughput.filter((r) => r.integrationDelayMs > 0).map((r) => throughputRow(r, true, options)),
  ...lateness.map((r) => latenessRow(r, options)),
];
const table = markdownTable(rows);
const sweep = markdownTable(
  throughput
    .filter((r) => r.engine === 'sqlite' && r.integrationDelayMs === 0)
    .map((r) => throughputRow(r, true, options)),
);
process.stdout.write(`\n${table}\n\nSQLite concurrency sweep:\n\n${sweep}\n`);
if (postgresSkipped) process.stdout.write(`\nPostgreSQL rows skipped: ${postgresSkipped}.\n`);

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, 'pull-latest.json'),
  JSON.stringify(
    {
      finishedAt: new Date().toISOString(),
      machine: { ...machine, loadAverageAtEnd: describeMachine().loadAverage },
      options: { ...options, postgres: postgresUrl ?? 'off', postgresSkipped },
      throughput,
      lateness,
      chosenConcurrency: chosen?.concurrency,
      table,
      sweep,
    },
    null,
    2,
  ) + '\n',
);
log(`\nraw results: bench/results/pull-latest.json`);
if (rows.some((row) => row.met.startsWith('FAILED'))) process.exitCode = 1;
