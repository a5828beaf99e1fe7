// Throughput: N due instances pulled once each, beside the raw undici baseline.
import { coreBusySeconds, postgresCpuSeconds, processMemory } from '../machine.js';
import { metadataOf, type BenchDatabase, type PullRow } from './databases.js';
import { runRawClient, serverCpu, startSwitchboard, type RunningProcess } from './processes.js';
import type { ThroughputResult } from './pull-report.js';
import { percentile, rates, round } from './stats.js';
import { dropDatabase, log, options, prepare, profileDir, quiet, schedulerEnv, sleep } from './bench-context.js';

/** Waits until `db` holds `expected` pulls; false on timeout or when they stop coming for 15 s. */
export async function waitForPulls(db: BenchDatabase, expected: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const count = await db.countPulls();
    if (count >= expected) return true;
    if (count !== last) [last, lastChange] = [count, Date.now()];
    if (Date.now() > deadline || Date.now() - lastChange > 15_000) return false;
    // Not more often: a count reads the whole table, and PostgreSQL's CPU is measured over the
    // run (polling every 25 ms cost 12 µs of it per pull at 20,000). The rate comes from the
    // pulls' own timestamps, so noticing the end later changes no figure.
    await sleep(100);
  }
}

export function pullChecks(rows: PullRow[], instanceIds: number[]) {
  const perInstance = new Map<number, number>();
  for (const row of rows) perInstance.set(row.instanceId, (perInstance.get(row.instanceId) ?? 0) + 1);
  return {
    doublePulls: [...perInstance.values()].filter((n) => n > 1).length,
    missed: instanceIds.filter((id) => !perInstance.has(id)).length,
    okPulls: rows.filter((row) => row.outcome === 'ok').length,
  };
}

export async function measureThroughput(
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

export async function measureBaseline(
  concurrency: number,
  integration: RunningProcess,
  count = options.throughputInstances,
) {
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
export function median(rounds: ThroughputResult[]): ThroughputResult & { rounds?: ThroughputResult[] } {
  const sorted = [...rounds].sort((a, b) => a.pullsPerSecond - b.pullsPerSecond);
  const chosen = sorted[Math.floor(sorted.length / 2)]!;
  return rounds.length > 1 ? { ...chosen, rounds } : chosen;
}

// --- Lateness -------------------------------------------------------------------------------
