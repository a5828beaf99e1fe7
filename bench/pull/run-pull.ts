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
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from '../machine.js';
import { killStartedProcesses, startIntegration } from './processes.js';
import {
  latenessRow,
  markdownTable,
  throughputRow,
  type LatenessResult,
  type Row,
  type ThroughputResult,
} from './pull-report.js';
import { cleanUp, log, only, options, postgresProblem, postgresUrl, quick, workDir } from './bench-context.js';
import { compareInspector } from './inspector-compare.js';
import { measureLateness } from './lateness.js';
import { measureBaseline, measureThroughput, median } from './throughput.js';

process.once('SIGINT', () => {
  killStartedProcesses();
  void cleanUp().finally(() => process.exit(130));
});

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
