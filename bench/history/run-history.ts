/**
 * `npm run bench` (via bench/all.ts), or on its own:
 * `node --import tsx bench/history/run-history.ts [--quick] [--only TEXT]`.
 *
 * 1. Durable PATCH through HTTP with config history on (a revision and a counter bump in
 *    every write's transaction) beside the same with SWITCHBOARD_CONFIG_HISTORY=off,
 *    SQLite and (with BENCH_POSTGRES_URL) PostgreSQL, on one account and spread over 50.
 *    Goal: on ≥ 85% of off.
 * 2. What the per-account counter serialises: concurrent durable writes through the store on
 *    many scopes of one account vs spread over many accounts, and one account's writes over
 *    10k scopes, with the bytes written per write (counter-contention.ts).
 *
 * Same environment as bench/run.ts (BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS,
 * BENCH_ROUNDS, BENCH_POSTGRES_URL). Results also go to bench/results/history.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { patchPaths } from '../dataset.js';
import { describeMachine, numberFromEnv } from '../machine.js';
import { killStartedProcesses, runLoad, startSwitchboard } from '../processes.js';
import { seedPostgres, withSessionSettings } from '../seed-postgres.js';
import { seedSqlite } from '../seed.js';
import { measureContention, type ContentionResult, type ContentionSpec } from './counter-contention.js';
import { addAccounts } from './more-accounts.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const durationSeconds = numberFromEnv('BENCH_DURATION', quick ? 2 : 5);
const warmupSeconds = numberFromEnv('BENCH_WARMUP', quick ? 1 : 2);
const connections = numberFromEnv('BENCH_CONNECTIONS', 50);
const rounds = numberFromEnv('BENCH_ROUNDS', quick ? 1 : 3);
const postgresUrl = process.env.BENCH_POSTGRES_URL || undefined;
const configs = 10_000;
const log = (message: string) => process.stderr.write(`${message}\n`);

interface PatchRun {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  cpuMicrosPerRequest: number;
  non2xx: number;
}

/** What a PATCH row sends: one account's paths and token, or many accounts' (a token per path). */
interface PatchLoad {
  paths: string[];
  token: string;
  tokens?: string[];
}

async function patchRun(databaseUrl: string, load: PatchLoad, history: boolean): Promise<PatchRun> {
  const env = { SWITCHBOARD_CONFIG_HISTORY: history ? 'on' : 'off', SWITCHBOARD_HISTORY_COMPACTOR: 'off' };
  const server = await startSwitchboard(databaseUrl, env);
  try {
    let cpuStart = 0;
    let cpuEnd = 0;
    const result = await runLoad(
      {
        origin: server.origin,
        method: 'PATCH',
        ...load,
        connections,
        warmupSeconds,
        durationSeconds,
      },
      (phase) => (phase === 'measure-start' ? (cpuStart = server.cpuSeconds()) : (cpuEnd = server.cpuSeconds())),
    );
    return {
      requestsPerSecond: Math.round(result.requestsPerSecond),
      p50: result.latency.p50,
      p99: result.latency.p99,
      cpuMicrosPerRequest: Math.round(((cpuEnd - cpuStart) * 1e6) / result.requests),
      non2xx: result.non2xx + result.errors + result.timeouts,
    };
  } finally {
    await server.stop();
  }
}

const best = (runs: PatchRun[]) => runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
const rows: string[] = [];
const results: Record<string, unknown> = {};
const workDir = mkdtempSync(join(tmpdir(), 'switchboard-history-bench-'));
const schemas: string[] = [];

async function freshSchema(): Promise<string> {
  const schema = `switchboard_history_bench_${process.pid}_${schemas.length}`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`CREATE SCHEMA "${schema}"`);
  await client.end();
  schemas.push(schema);
  return withSessionSettings(postgresUrl!, { search_path: schema });
}

/**
 * Durable PATCH over HTTP, history on beside off: on 100 configs of one account (they share
 * the account's revision numbering), or, with `accounts` > 1, on 100 configs of each of that
 * many accounts, every request of the next account in turn.
 */
async function patchRow(engine: 'sqlite' | 'postgres', accounts = 1): Promise<void> {
  const spread = accounts > 1 ? `, ${accounts} accounts` : '';
  const name = `durable PATCH, history on vs off, ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'} (10k configs${spread})`;
  if (only && !name.includes(only)) return;
  log(`\n${name}`);
  let databaseUrl: string;
  let token: string;
  if (engine === 'sqlite') {
    const path = join(workDir, `patch-${accounts}.db`);
    token = (await seedSqlite(path, configs)).token;
    databaseUrl = `sqlite:${path}`;
  } else {
    const schema = `switchboard_history_bench_${process.pid}_patch_${accounts}`;
    const seeded = await seedPostgres(postgresUrl!, schema, configs);
    schemas.push(schema);
    token = seeded.token;
    databaseUrl = seeded.databaseUrl();
  }
  let load: PatchLoad = { paths: patchPaths(configs), token };
  if (accounts > 1) {
    const tokens = [token, ...(await addAccounts(databaseUrl, accounts - 1, configs))];
    const paths = patchPaths(configs);
    // Request n: account n mod `accounts`, so consecutive requests go to different accounts.
    const pairs = paths.flatMap((path) => tokens.map((each) => ({ path, token: each })));
    load = { paths: pairs.map((p) => p.path), token, tokens: pairs.map((p) => p.token) };
  }
  const on: PatchRun[] = [];
  const off: PatchRun[] = [];
  // Alternating which side goes first, so neither always gets the colder start.
  for (let round = 0; round < Math.max(rounds, 2); round++) {
    for (const history of round % 2 === 0 ? [false, true] : [true, false]) {
      const run = await patchRun(databaseUrl, load, history);
      (history ? on : off).push(run);
      log(`  ${history ? 'on: ' : 'off:'} ${JSON.stringify(run)}`);
    }
  }
  const [a, b] = [best(on), best(off)];
  const ratio = a.requestsPerSecond / b.requestsPerSecond;
  results[name] = { on, off, ratio };
  rows.push(
    `| ${name} | ${a.requestsPerSecond} req/s, p50 ${a.p50.toFixed(2)} ms, p99 ${a.p99.toFixed(2)} ms, ` +
      `${a.cpuMicrosPerRequest} µs CPU/req | ${b.requestsPerSecond} req/s, p50 ${b.p50.toFixed(2)} ms, ` +
      `p99 ${b.p99.toFixed(2)} ms, ${b.cpuMicrosPerRequest} µs CPU/req | ${(ratio * 100).toFixed(0)}% ` +
      `(goal ≥ 85%: ${ratio >= 0.85 ? 'met' : 'NOT met'})${a.non2xx + b.non2xx > 0 ? `, ${a.non2xx + b.non2xx} failed` : ''} |`,
  );
}

const describe = (r: ContentionResult) =>
  `${r.writesPerSecond} writes/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.cpuMicrosPerWrite} µs CPU/write, ` +
  `${r.bytesPerWrite === undefined ? '' : `${(r.bytesPerWrite / 1024).toFixed(1)} KiB written/write, `}RSS ${r.rssMb} MB`;

async function contentionRows(engine: 'sqlite' | 'postgres'): Promise<void> {
  const label = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const seconds = durationSeconds;
  const layouts = {
    'one-account': '50 scopes of 1 account',
    'many-accounts': '1 scope each of 50 accounts',
    'many-scopes': '10k scopes of 1 account',
  } as const;
  for (const layout of Object.keys(layouts) as (keyof typeof layouts)[]) {
    const name = `store writes, 50 writers, ${layouts[layout]}, ${label}, history on vs off`;
    if (only && !name.includes(only)) continue;
    log(`\n${name}`);
    const spec = async (history: boolean): Promise<ContentionSpec> => ({
      engine,
      postgresUrl: engine === 'postgres' ? await freshSchema() : undefined,
      layout,
      history,
      writers: 50,
      seconds,
    });
    const on = await measureContention(await spec(true));
    log(`  on:  ${describe(on)}`);
    const off = await measureContention(await spec(false));
    log(`  off: ${describe(off)}`);
    results[name] = { on, off };
    rows.push(
      `| ${name} | ${describe(on)} | ${describe(off)} | ${Math.round((on.writesPerSecond / off.writesPerSecond) * 100)}% |`,
    );
  }
}

process.once('SIGINT', () => {
  killStartedProcesses();
  process.exit(130);
});

const machine = describeMachine();
log(
  `History benchmark${quick ? ' (quick)' : ''}: ${durationSeconds} s after ${warmupSeconds} s warm-up, ${connections} ` +
    `connections, ${rounds} round(s); ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`,
);
try {
  await patchRow('sqlite');
  if (postgresUrl) await patchRow('postgres');
  await patchRow('sqlite', 50);
  if (postgresUrl) await patchRow('postgres', 50);
  await contentionRows('sqlite');
  if (postgresUrl) await contentionRows('postgres');
} finally {
  rmSync(workDir, { recursive: true, force: true });
  if (schemas.length > 0) {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}
const table = [
  '| workload | history on | history off (baseline) | on ÷ off |',
  '| --- | --- | --- | --- |',
  ...rows,
].join('\n');
process.stdout.write(`\n${table}\n`);
if (!postgresUrl)
  process.stdout.write('\nPostgreSQL rows skipped: set BENCH_POSTGRES_URL=postgres://USER@HOST/DB to run them.\n');
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, 'history.json'),
  JSON.stringify({ finishedAt: new Date().toISOString(), machine, results, table }, null, 2) + '\n',
);
