/**
 * `npm run bench [-- --quick] [-- --long] [-- --only TEXT]`: seeds throwaway databases, then for each
 * workload (workloads.ts) measures Switchboard and its baseline one after the other,
 * servers pinned to core 0 and the load generator to core 1. Prints a markdown table and
 * writes every number to bench/results/latest.json. Then start-up time and memory of
 * `serve` beside a plain node:http server. `--long` adds the 10M-config rows (minutes to seed).
 *
 * Environment:
 *   BENCH_DURATION     seconds measured per run (default 5; 2 with --quick)
 *   BENCH_WARMUP       seconds of warm-up before each measured run (default 2; 1 with --quick)
 *   BENCH_CONNECTIONS  concurrent connections (default 50)
 *   BENCH_ROUNDS       runs of each side, alternating; each side's best run is kept
 *                      (default 3; 1 with --quick)
 *   BENCH_QUIET_WAIT   before each round, wait up to this many seconds for both cores to go
 *                      idle (default 30; 5 with --quick; 0 turns it off)
 *   BENCH_POSTGRES_URL adds PostgreSQL rows; the benchmark works in its own schemas there
 *                      and drops them afterwards. With Debian's `pgbouncer` installed, it adds
 *                      rows through a PgBouncer of its own in transaction mode (unnamed
 *                      statements) beside the same database direct, each on a database of its own.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exactListPaths, listPaths, patchPaths, readPaths } from './dataset.js';
import type { LoadSpec } from './load.js';
import { coreBusySeconds, describeMachine, numberFromEnv, waitForQuietMachine } from './machine.js';
import {
  killStartedProcesses,
  runLoad,
  startPlainNodeServer,
  serverCpu,
  startRawServer,
  startSwitchboard,
  type RunningServer,
} from './processes.js';
import type { CapturedResponse } from './raw-server.js';
import { bestRuns, evaluate, markdownTable, type Measurement, type RowResult } from './report.js';
import { seedPostgres, seedPostgresDatabase } from './seed-postgres.js';
import { pgBouncerProblem, startPgBouncer, type PgBouncer } from '../test/helpers/pgbouncer.js';
import { seedSqlite } from './seed.js';
import { measureStartup, startupRows, startupTable, type StartupMeasurement, type StartupRow } from './startup.js';
import { isBuildCurrent } from '../scripts/build-state.js';
import { allWorkloads, countLabel, type DatasetSpec, type SwitchboardSide, type Workload } from './workloads.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const long = args.includes('--long');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

const options = {
  quick,
  durationSeconds: numberFromEnv('BENCH_DURATION', quick ? 2 : 5),
  warmupSeconds: numberFromEnv('BENCH_WARMUP', quick ? 1 : 2),
  connections: numberFromEnv('BENCH_CONNECTIONS', 50),
  rounds: numberFromEnv('BENCH_ROUNDS', quick ? 1 : 3),
  quietWaitSeconds: process.env.BENCH_QUIET_WAIT === '0' ? 0 : numberFromEnv('BENCH_QUIET_WAIT', quick ? 5 : 30),
  small: 10_000,
  large: quick ? 100_000 : 1_000_000,
  huge: long ? 10_000_000 : undefined,
};
const postgresUrl = process.env.BENCH_POSTGRES_URL || undefined;

const log = (message: string) => process.stderr.write(`${message}\n`);

// --- Databases ---------------------------------------------------------------------------

interface Dataset {
  token: string;
  configs: number;
  /** How to start Switchboard on this database, durable or not, direct or through PgBouncer. */
  server: (durable: boolean, pgbouncer?: boolean) => { databaseUrl: string; env: Record<string, string> };
  drop: () => Promise<void>;
}

const workDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const datasets = new Map<string, Promise<Dataset>>();

async function seed(spec: DatasetSpec): Promise<Dataset> {
  const started = Date.now();
  log(`seeding ${spec.id}: ${countLabel(spec.configs)} configs…`);
  let dataset: Dataset;
  if (spec.engine === 'sqlite') {
    const path = join(workDir, `${spec.id}.db`);
    const { token } = await seedSqlite(path, spec.configs);
    dataset = {
      token,
      configs: spec.configs,
      server: (durable) => ({
        databaseUrl: `sqlite:${path}`,
        env: { SWITCHBOARD_SQLITE_SYNCHRONOUS: durable ? 'FULL' : 'OFF' },
      }),
      drop: async () => rmSync(path, { force: true }),
    };
  } else if (spec.ownDatabase) {
    const name = `switchboard_bench_${process.pid}_${spec.id.replace(/\W/g, '_')}`;
    const seeded = await seedPostgresDatabase(postgresUrl!, name, spec.configs);
    const through = await pgBouncer();
    dataset = {
      token: seeded.token,
      configs: spec.configs,
      // Durable only: synchronous_commit=off would be a session setting, which PgBouncer refuses.
      server: (_durable, throughPgBouncer): { databaseUrl: string; env: Record<string, string> } =>
        throughPgBouncer
          ? { databaseUrl: through.urlFor(name), env: { SWITCHBOARD_POSTGRES_STATEMENTS: 'unnamed' } }
          : { databaseUrl: seeded.url, env: {} },
      drop: seeded.drop,
    };
  } else {
    const schema = `switchboard_bench_${process.pid}_${spec.id.replace(/\W/g, '_')}`;
    const seeded = await seedPostgres(postgresUrl!, schema, spec.configs);
    dataset = {
      token: seeded.token,
      configs: spec.configs,
      server: (durable) => ({
        databaseUrl: seeded.databaseUrl(durable ? {} : { synchronous_commit: 'off' }),
        env: {},
      }),
      drop: seeded.drop,
    };
  }
  log(`  seeded ${spec.id} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dataset;
}

let bouncer: Promise<PgBouncer> | undefined;
/** One PgBouncer for the run (transaction mode, in front of BENCH_POSTGRES_URL's server), stopped at exit. */
function pgBouncer(): Promise<PgBouncer> {
  bouncer ??= startPgBouncer(postgresUrl!);
  return bouncer;
}

function dataset(spec: DatasetSpec): Promise<Dataset> {
  if (!datasets.has(spec.id)) datasets.set(spec.id, seed(spec));
  return datasets.get(spec.id)!;
}

// --- Measuring ---------------------------------------------------------------------------

function pathsFor(request: Workload['request'], configs: number): string[] {
  if (request === 'read') return readPaths(configs);
  if (request === 'list') return listPaths(configs);
  if (request === 'exact') return exactListPaths(configs);
  return patchPaths(configs);
}

/** One GET, so the raw baseline can answer exactly these bytes. */
async function capture(url: string, token: string): Promise<CapturedResponse> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${body.toString()}`);
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? 'application/json',
    bodyBase64: body.toString('base64'),
  };
}

/**
 * Runs the load against a started server. Over the measured run, notes the server's CPU
 * time and how much of its core went to anything else (other processes, the hypervisor).
 */
async function measure(server: RunningServer, spec: Omit<LoadSpec, 'origin'>): Promise<Measurement> {
  const sample = () => ({
    wall: performance.now() / 1000,
    server: server.cpuSeconds(),
    core: coreBusySeconds(serverCpu),
    memory: server.memory(),
  });
  let start = sample();
  let end = start;
  const result = await runLoad({ origin: server.origin, ...spec }, (phase) => {
    if (phase === 'measure-start') start = sample();
    else end = sample();
  });
  const wall = end.wall - start.wall;
  const serverCpuSeconds = end.server - start.server;
  const round2 = (value: number) => Math.round(value * 100) / 100;
  return {
    ...result,
    serverCores: round2(serverCpuSeconds / wall),
    serverCpuMicrosPerRequest: Math.round((serverCpuSeconds * 1e6) / result.requests),
    otherLoadOnServerCore: round2(Math.max(0, end.core - start.core - serverCpuSeconds) / wall),
    serverPeakRssMb: end.memory.peakRssMb,
  };
}

interface Measured {
  result: Measurement;
  /** What the raw baseline needs to answer and ask the same. */
  spec: Omit<LoadSpec, 'origin'>;
  captured?: CapturedResponse;
}

async function measureSwitchboard(workload: Workload, side: SwitchboardSide): Promise<Measured> {
  const data = await dataset(side.dataset);
  const { databaseUrl, env } = data.server(side.durable, side.pgbouncer);
  const server = await startSwitchboard(databaseUrl, { ...env, ...side.env });
  try {
    const spec: Omit<LoadSpec, 'origin'> = {
      method: workload.request === 'patch' ? 'PATCH' : 'GET',
      paths: pathsFor(workload.request, data.configs),
      token: data.token,
      connections: options.connections,
      warmupSeconds: options.warmupSeconds,
      durationSeconds: options.durationSeconds,
    };
    const captured = spec.method === 'GET' ? await capture(server.origin + spec.paths[0], data.token) : undefined;
    const result = await measure(server, spec);
    return { result, spec, captured };
  } finally {
    await server.stop();
  }
}

async function measureRaw(subject: Measured): Promise<Measurement> {
  if (!subject.captured) throw new Error('the raw baseline needs a GET workload to capture');
  const server = await startRawServer(subject.captured);
  try {
    // Same requests as the subject got, so the load generator does the same work.
    return await measure(server, subject.spec);
  } finally {
    await server.stop();
  }
}

const summary = (result: Measurement) =>
  `${Math.round(result.requestsPerSecond)} req/s, p50 ${result.latency.p50.toFixed(2)} ms, ` +
  `p99 ${result.latency.p99.toFixed(2)} ms; server ${result.serverCores} cores, ${result.serverCpuMicrosPerRequest} µs CPU/req, ` +
  `others on its core ${result.otherLoadOnServerCore}, peak RSS ${result.serverPeakRssMb} MB; ` +
  `load generator ${result.loadGeneratorCores} cores` +
  (result.non2xx + result.errors + result.timeouts > 0
    ? `, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`
    : '');

async function measureWorkload(workload: Workload): Promise<RowResult> {
  log(`\n${workload.name}`);
  const rounds: RowResult['rounds'] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      if (options.quietWaitSeconds > 0 && !(await waitForQuietMachine(options.quietWaitSeconds))) {
        log(`  (the machine stayed busy for ${options.quietWaitSeconds} s; measuring anyway)`);
      }
      const subject = await measureSwitchboard(workload, workload.subject);
      log(`  subject:  ${summary(subject.result)}`);
      const baseline =
        workload.baseline.kind === 'raw'
          ? await measureRaw(subject)
          : (await measureSwitchboard(workload, workload.baseline)).result;
      log(`  baseline: ${summary(baseline)}`);
      rounds.push({ subject: subject.result, baseline });
    }
  } catch (error) {
    log(`  failed: ${(error as Error).message}`);
    return { workload, rounds, failure: (error as Error).message.split('\n')[0] };
  }
  return { workload, rounds, ...bestRuns(rounds) };
}

// --- PostgreSQL availability ----------------------------------------------------------------

/** Why the PostgreSQL rows cannot run, or undefined when they can. */
async function postgresProblem(): Promise<string | undefined> {
  if (!postgresUrl) return 'set BENCH_POSTGRES_URL=postgres://USER@HOST/DB to run them';
  try {
    await import('../src/store/postgres/postgres-store.js');
  } catch (error) {
    return `the PostgreSQL store is not importable yet (${(error as Error).message.split('\n')[0]})`;
  }
  try {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.end();
  } catch (error) {
    return `cannot connect to BENCH_POSTGRES_URL (${(error as Error).message})`;
  }
  return undefined;
}

// --- Main ----------------------------------------------------------------------------------

async function cleanUp(): Promise<void> {
  for (const pending of datasets.values()) {
    try {
      await (await pending).drop();
    } catch (error) {
      log(`cleanup: ${(error as Error).message}`);
    }
  }
  rmSync(workDir, { recursive: true, force: true });
  if (bouncer) (await bouncer).stop();
}

process.once('SIGINT', () => {
  killStartedProcesses();
  rmSync(workDir, { recursive: true, force: true });
  process.exit(130);
});

const machine = describeMachine();

const postgresSkipped = await postgresProblem();
const workloads = allWorkloads({
  small: options.small,
  large: options.large,
  huge: options.huge,
  postgres: !postgresSkipped,
  pgbouncer: !pgBouncerProblem,
}).filter((workload) => only === undefined || workload.name.includes(only));
const startupLabel = `SQLite ${countLabel(options.large)} configs`;
const measureStartupRows = only === undefined || 'start-up and memory'.includes(only);

log(
  `Switchboard benchmark${quick ? ' (quick)' : ''}: ${options.durationSeconds} s measured after ${options.warmupSeconds} s ` +
    `warm-up, ${options.connections} connections, ${options.rounds} round(s); ${machine.cpus} × ${machine.cpuModel}, ` +
    `Node ${machine.node}; databases in ${workDir}`,
);
if (postgresSkipped) log(`PostgreSQL rows skipped: ${postgresSkipped}.`);
else if (pgBouncerProblem) log(`PgBouncer rows skipped: ${pgBouncerProblem}.`);
// bench/all.ts builds first; run alone on edited sources, the servers run through tsx.
const compiled = isBuildCurrent();
if (!compiled) log('dist/ is not current (npm run build): the servers run the TypeScript sources through tsx.');

/** `serve` on the large database, and a plain node:http server, each started `rounds` times. */
async function measureStartups(): Promise<{ switchboard: StartupMeasurement[]; plainNode: StartupMeasurement[] }> {
  log(`\nstart-up and memory, ${startupLabel}`);
  const data = await dataset({ engine: 'sqlite', configs: options.large, id: 'sqlite-read-large' });
  const switchboard: StartupMeasurement[] = [];
  const plainNode: StartupMeasurement[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    if (options.quietWaitSeconds > 0) await waitForQuietMachine(options.quietWaitSeconds);
    const { databaseUrl, env } = data.server(true);
    switchboard.push(await measureStartup(() => startSwitchboard(databaseUrl, env), 3));
    plainNode.push(await measureStartup(startPlainNodeServer, 3));
    log(`  serve: ${JSON.stringify(switchboard.at(-1))}; node:http: ${JSON.stringify(plainNode.at(-1))}`);
  }
  return { switchboard, plainNode };
}

const rows: RowResult[] = [];
let startup: StartupRow[] | undefined;
try {
  for (const workload of workloads) rows.push(await measureWorkload(workload));
  if (measureStartupRows) {
    const measured = await measureStartups();
    const loaded = rows.find((row) =>
      row.workload.name.startsWith(`config read p50, SQLite ${countLabel(options.large)} `),
    );
    startup = startupRows(
      startupLabel,
      measured.switchboard,
      measured.plainNode,
      loaded?.subject && loaded.baseline
        ? {
            label: `SQLite ${countLabel(options.large)} configs (the row "${loaded.workload.name}"; baseline: its 10k side)`,
            subjectPeakMb: loaded.subject.serverPeakRssMb,
            baselinePeakMb: loaded.baseline.serverPeakRssMb,
          }
        : undefined,
    );
  }
} finally {
  await cleanUp();
}

const table = markdownTable(rows);
process.stdout.write(`\n${table}\n`);
if (startup) {
  process.stdout.write(
    `\nStart-up and memory (baseline: a plain node:http server in JavaScript; best start of ${options.rounds}, ` +
      `largest idle RSS):\n\n${startupTable(startup)}\n`,
  );
}
process.stdout.write(
  `\nServers ran ${compiled ? 'the compiled JavaScript in dist/' : 'the TypeScript sources through tsx (dist/ not current)'}. ` +
    `The raw node:http baseline of the throughput rows runs through tsx; its RSS includes the loader.\n`,
);
const busiest = Math.max(
  0,
  ...rows.flatMap((row) => [row.subject, row.baseline].map((m) => m?.otherLoadOnServerCore ?? 0)),
);
if (busiest > 0.1) {
  process.stdout.write(
    `\nEven the best runs were disturbed: other work took up to ${busiest} of the server's core ` +
      `(column "other load on server core"). Their req/s and latencies are understated; server CPU/req ` +
      `is the steadier figure. Run again on a quieter machine, or with more BENCH_ROUNDS.\n`,
  );
}
if (postgresSkipped) process.stdout.write(`\nPostgreSQL rows skipped: ${postgresSkipped}.\n`);

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
const report = {
  finishedAt: new Date().toISOString(),
  machine: { ...machine, loadAverageAtEnd: describeMachine().loadAverage },
  options: { ...options, postgres: postgresUrl ? 'set' : 'unset', postgresSkipped },
  rows: rows.map((row) => ({ ...row, verdict: evaluate(row) })),
  startup,
  compiled,
  table,
};
writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
log(`\nraw results: bench/results/latest.json`);

// A failed or invalid row means the numbers above cannot be trusted.
if (rows.some((row) => /^(FAILED|INVALID)/.test(evaluate(row).met))) process.exitCode = 1;
