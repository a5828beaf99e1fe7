/**
 * `npm run bench` (also alone: `node --import tsx bench/writer.ts [--quick]`): SQLite writes
 * off the event loop. On one 10k-config SQLite database, Switchboard pinned to core 0 and
 * the load generators to core 1, it measures, before (writes and their fsync on the event
 * loop: SWITCHBOARD_SQLITE_WRITER=in-thread) and after (`pipelined`, the default: the WAL's fdatasync in the libuv pool):
 *   - config read p99 alone, and while a durable PATCH load runs beside it (goal: ≤ 2×);
 *   - durable PATCH req/s against synchronous=OFF (goal: ≥ 0.8×);
 *   - a durable PATCH's latency on one connection.
 * Prints a markdown table; writes the figures to bench/results/writer.json.
 *
 * Environment: BENCH_DURATION (default 5 s; 2 with --quick), BENCH_WARMUP (2 s; 1),
 * BENCH_READ_CONNECTIONS (10), BENCH_PATCH_CONNECTIONS (10).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { patchPaths, readPaths } from './dataset.js';
import type { LoadSpec } from './load.js';
import { describeMachine, numberFromEnv } from './machine.js';
import { failed, loadSummary, measureLoads, type LoadsMeasurement } from './measure-loads.js';
import { killStartedProcesses, startSwitchboard } from './processes.js';
import { seedSqlite } from './seed.js';

const quick = process.argv.includes('--quick');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only !== undefined && !'sqlite writer thread'.includes(only)) process.exit(0);

const configs = 10_000;
const durationSeconds = numberFromEnv('BENCH_DURATION', quick ? 2 : 5);
const warmupSeconds = numberFromEnv('BENCH_WARMUP', quick ? 1 : 2);
const readConnections = numberFromEnv('BENCH_READ_CONNECTIONS', 10);
const patchConnections = numberFromEnv('BENCH_PATCH_CONNECTIONS', 10);
const log = (message: string) => process.stderr.write(`${message}\n`);

const workDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-writer-'));
process.once('SIGINT', () => {
  killStartedProcesses();
  rmSync(workDir, { recursive: true, force: true });
  process.exit(130);
});

const path = join(workDir, 'writer.db');
log(`seeding ${configs} configs…`);
const { token } = await seedSqlite(path, configs);
const common = { token, warmupSeconds, durationSeconds };
const reads: Omit<LoadSpec, 'origin'> = {
  ...common,
  method: 'GET',
  paths: readPaths(configs),
  connections: readConnections,
};
const patches: Omit<LoadSpec, 'origin'> = {
  ...common,
  method: 'PATCH',
  paths: patchPaths(configs),
  connections: patchConnections,
};

type Writer = 'in-thread' | 'pipelined';
type Synchronous = 'FULL' | 'OFF';

/** Starts Switchboard on the database with this writer and durability, and runs `loads` at once. */
async function run(writer: Writer, synchronous: Synchronous, loads: Omit<LoadSpec, 'origin'>[]) {
  const server = await startSwitchboard(`sqlite:${path}`, {
    SWITCHBOARD_SQLITE_WRITER: writer,
    SWITCHBOARD_SQLITE_SYNCHRONOUS: synchronous,
  });
  try {
    return await measureLoads(server, loads);
  } finally {
    await server.stop();
  }
}

interface Side {
  readAlone: LoadsMeasurement;
  readBesidePatch: LoadsMeasurement;
  patchAlone: LoadsMeasurement;
  /** One connection: a durable PATCH's latency, with no batching to hide behind. */
  patchSingle: LoadsMeasurement;
}

const sides: Partial<Record<Writer, Side>> = {};
let patchOff: LoadsMeasurement | undefined;
/** The floor: reads alone and beside the PATCH load with no fsync at all (synchronous=OFF). */
let offReads: { alone: LoadsMeasurement; beside: LoadsMeasurement } | undefined;
try {
  for (const writer of ['in-thread', 'pipelined'] as const) {
    log(`\nwriter: ${writer}`);
    const readAlone = await run(writer, 'FULL', [reads]);
    log(
      `  reads alone:         ${loadSummary(readAlone.loads[0]!)}, ${readAlone.serverCpuMicrosPerRequest} µs CPU/req`,
    );
    const readBesidePatch = await run(writer, 'FULL', [reads, patches]);
    log(`  reads beside PATCH:  ${loadSummary(readBesidePatch.loads[0]!)}`);
    log(`  PATCH beside reads:  ${loadSummary(readBesidePatch.loads[1]!)}`);
    const patchAlone = await run(writer, 'FULL', [patches]);
    log(
      `  durable PATCH alone: ${loadSummary(patchAlone.loads[0]!)}, ${patchAlone.serverCpuMicrosPerRequest} µs CPU/req`,
    );
    const patchSingle = await run(writer, 'FULL', [{ ...patches, connections: 1 }]);
    log(
      `  PATCH, 1 connection: ${loadSummary(patchSingle.loads[0]!)}, ${patchSingle.serverCpuMicrosPerRequest} µs CPU/req`,
    );
    sides[writer] = { readAlone, readBesidePatch, patchAlone, patchSingle };
  }
  patchOff = await run('in-thread', 'OFF', [patches]);
  log(`\nPATCH, synchronous=OFF: ${loadSummary(patchOff.loads[0]!)}`);
  offReads = { alone: await run('in-thread', 'OFF', [reads]), beside: await run('in-thread', 'OFF', [reads, patches]) };
  log(
    `reads with synchronous=OFF, alone: ${loadSummary(offReads.alone.loads[0]!)}; beside PATCH: ${loadSummary(offReads.beside.loads[0]!)}`,
  );
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

const before = sides['in-thread']!;
const after = sides.pipelined!;
const p99 = (m: LoadsMeasurement, i = 0) => m.loads[i]!.latency.p99;
const rps = (m: LoadsMeasurement, i = 0) => m.loads[i]!.requestsPerSecond;
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const cell = (m: LoadsMeasurement, i = 0) =>
  `${Math.round(rps(m, i))} req/s, p99 ${p99(m, i).toFixed(2)} ms, ${m.serverCpuMicrosPerRequest} µs CPU/req, ${m.serverRssMegabytes} MB${failed(m.loads[i]!)}`;

const readRatio = (side: Side) =>
  `${cell(side.readBesidePatch)} vs ${cell(side.readAlone)}: **${ratio(p99(side.readBesidePatch), p99(side.readAlone))}×**`;
const patchRatio = (side: Side) =>
  `${cell(side.patchAlone)} vs ${cell(patchOff!)}: **${ratio(rps(side.patchAlone), rps(patchOff!))}×**`;
const single = (side: Side) => {
  const load = side.patchSingle.loads[0]!;
  return `${load.latency.p50.toFixed(2)} / ${load.latency.p99.toFixed(2)} ms, ${Math.round(load.requestsPerSecond)} req/s, ${side.patchSingle.serverCpuMicrosPerRequest} µs CPU/req${failed(load)}`;
};
const rows = [
  `| read p99 beside durable PATCH ÷ read p99 alone (goal ≤ 2×) | ${readRatio(before)} | ${readRatio(after)} |`,
  `| PATCH beside the reads | ${cell(before.readBesidePatch, 1)} | ${cell(after.readBesidePatch, 1)} |`,
  `| durable PATCH ÷ synchronous=OFF (goal ≥ 0.8×) | ${patchRatio(before)} | ${patchRatio(after)} |`,
  `| durable PATCH, 1 connection (p50 / p99) | ${single(before)} | ${single(after)} |`,
  `| the floor: read p99 beside PATCH ÷ alone with no fsync at all (in-thread, synchronous=OFF) | ${readRatio({ readAlone: offReads!.alone, readBesidePatch: offReads!.beside } as Side)} | |`,
];
const table = [
  `SQLite writer (${configs} configs; reads ${readConnections} connections, PATCH ${patchConnections}; ${durationSeconds} s measured). Server CPU and RSS are the server process's (both loads together in the "beside" runs).`,
  '',
  '| figure | before: writes and fsync on the event loop (`in-thread`) | after: fsync in the libuv pool, commits pipelined (`pipelined`) |',
  '| --- | --- | --- |',
  ...rows,
].join('\n');
process.stdout.write(`\n${table}\n`);

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, 'writer.json'),
  JSON.stringify(
    { finishedAt: new Date().toISOString(), machine: describeMachine(), quick, sides, patchOff, offReads, table },
    null,
    2,
  ) + '\n',
);
log('raw results: bench/results/writer.json');
