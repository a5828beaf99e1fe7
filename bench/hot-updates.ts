/**
 * Sustained updates on PostgreSQL: `node --import tsx bench/hot-updates.ts --long` (runs only
 * under `--long`; `npm run bench -- --long` passes it).
 *
 * Three `serve` nodes on one PostgreSQL database (pinned to core 0, as a load balancer's
 * pool would share a machine) take PATCH, PUT, create and delete on a few hot scopes for
 * five minutes, from 48 connections in this process. Reports successful operations per
 * 10 s, the last minute's rate against the first minute's (goal ≥ 0.9×: hot updates stay
 * cheap), and, at the end, the configs table's live and dead rows, its HOT share of updates
 * and how often autovacuum ran on it. The first minute is the baseline: same run, same nodes.
 *
 * Environment:
 *   BENCH_POSTGRES_URL        the server (default postgres://postgres@127.0.0.1:5432/test; "off" skips)
 *   BENCH_HOT_SECONDS         how long the load runs (default 300)
 *   BENCH_HOT_NODES           serve processes (default 3)
 *   SWITCHBOARD_CONFIG_HISTORY passed to the nodes: "off" measures without revisions (on by default)
 *   BENCH_HOT_DEFAULT_STORAGE set to 1: first reset the configs table's storage settings to
 *                             PostgreSQL's defaults (as before migration 0011), for comparison
 *
 * Writes bench/results/hot-updates-latest.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describeMachine, numberFromEnv } from './machine.js';
import { killStartedProcesses, runCli, startSwitchboard, type RunningProcess } from './pull/processes.js';
import { withSessionSettings } from './seed-postgres.js';

if (!process.argv.includes('--long')) {
  process.stderr.write('hot-updates: a --long row; skipped (run `npm run bench -- --long`).\n');
  process.exit(0);
}

const baseUrl =
  process.env.BENCH_POSTGRES_URL === 'off'
    ? undefined
    : process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const seconds = numberFromEnv('BENCH_HOT_SECONDS', 300);
const nodeCount = numberFromEnv('BENCH_HOT_NODES', 3);
const defaultStorage = process.env.BENCH_HOT_DEFAULT_STORAGE === '1';
/** Config history as the nodes run it (SWITCHBOARD_CONFIG_HISTORY, on by default): every write also bumps a counter row and adds a revision. */
const history = process.env.SWITCHBOARD_CONFIG_HISTORY !== 'off';
const connections = 48;
const hotScopes = Array.from({ length: 8 }, (_, i) => `hot-${i}`);
const log = (message: string) => process.stderr.write(`${message}\n`);

if (!baseUrl) {
  log('hot-updates: skipped (BENCH_POSTGRES_URL=off).');
  process.exit(0);
}

const schema = `hot_${process.pid}`;
const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
await admin.query(`CREATE SCHEMA "${schema}"`);
const url = withSessionSettings(baseUrl, { search_path: schema });
const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-hot-'));
const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_PULL_SCHEDULER: 'off' };
const nodes: RunningProcess[] = [];

async function tableStats() {
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query<Record<string, string | null>>(
    `SELECT n_live_tup, n_dead_tup, n_tup_upd, n_tup_hot_upd, autovacuum_count, autoanalyze_count,
            pg_relation_size(relid) AS bytes, pg_indexes_size(relid) AS index_bytes,
            current_setting('autovacuum') = 'on' AS autovacuum_on
     FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'configs'`,
    [schema],
  );
  const row = rows[0]!;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as Record<string, number>;
}

try {
  await runCli(['accounts', 'create', '--subdomain', 'hot', '--json', '--database', url], env);
  const issued = JSON.parse(
    await runCli(['tokens', 'create', '--account', 'hot', '--integration', 'crm', '--json', '--database', url], env),
  ) as { access_token: string };
  if (defaultStorage) {
    await admin.query(`ALTER TABLE "${schema}".configs RESET (fillfactor, autovacuum_vacuum_scale_factor,
      autovacuum_vacuum_threshold, autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor,
      autovacuum_analyze_threshold, autovacuum_vacuum_cost_delay)`);
  }
  for (let n = 0; n < nodeCount; n++) nodes.push(await startSwitchboard(url, env));
  const headers = { authorization: `Bearer ${issued.access_token}`, 'content-type': 'application/json' };
  const base = (node: RunningProcess) => `${node.origin}/api/services/zis/integrations/crm/configs`;
  for (const scope of hotScopes) {
    await fetch(base(nodes[0]!), { method: 'POST', headers, body: JSON.stringify({ scope, config: { n: 0 } }) });
  }

  const windows: number[] = [];
  let current = 0;
  let failures = 0;
  let serial = 0;
  const stopAt = Date.now() + seconds * 1000;
  const ticker = setInterval(() => {
    windows.push(current);
    log(`  ${windows.length * 10} s: ${current} ok operations in 10 s (${failures} failed so far)`);
    current = 0;
  }, 10_000);

  /** One connection's loop over one node. */
  async function worker(w: number) {
    const node = nodes[w % nodes.length]!;
    while (Date.now() < stopAt) {
      const scope = hotScopes[Math.floor(Math.random() * hotScopes.length)]!;
      const roll = Math.random();
      try {
        for (const status of await operation(node, scope, roll, ++serial, w)) {
          if (status >= 200 && status < 300) current++;
          else failures++;
        }
      } catch {
        // A keep-alive socket the server closed as it was reused: a failed operation, not the end.
        failures++;
      }
    }
  }

  /** PATCH 50 %, PUT 30 %, a create then its delete 20 %; answers the statuses. */
  async function operation(node: RunningProcess, scope: string, roll: number, n: number, w: number) {
    const send = async (path: string, method: string, body?: unknown) => {
      const response = await fetch(`${base(node)}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      await response.arrayBuffer();
      return response.status;
    };
    if (roll < 0.5) return [await send(`/${scope}`, 'PATCH', { config: { [`k${n % 16}`]: n, at: Date.now() } })];
    if (roll < 0.8) return [await send(`/${scope}`, 'PUT', { config: { n, note: 'replaced' } })];
    const temp = `temp-${w}-${n}`;
    return [await send('', 'POST', { scope: temp, config: { n } }), await send(`/${temp}`, 'DELETE')];
  }
  log(
    `hot updates: ${nodeCount} node(s), ${connections} connections, ${seconds} s, storage ` +
      (defaultStorage ? "PostgreSQL's defaults" : 'as migrated (0011)'),
  );
  await Promise.all(Array.from({ length: connections }, (_, w) => worker(w)));
  clearInterval(ticker);
  const stats = await tableStats();

  const perMinute = (from: number, to: number) => windows.slice(from, to).reduce((a, b) => a + b, 0);
  const first = perMinute(0, 6);
  const last = perMinute(windows.length - 6, windows.length);
  const ratio = Math.round((last / first) * 100) / 100;
  const machine = describeMachine();
  const result = {
    finishedAt: new Date().toISOString(),
    machine,
    nodes: nodeCount,
    connections,
    seconds,
    storage: defaultStorage ? 'defaults' : 'migration 0011',
    history,
    okPer10s: windows,
    failures,
    firstMinute: first,
    lastMinute: last,
    ratio,
    configs: stats,
  };
  const hotShare = stats.n_tup_upd ? Math.round((stats.n_tup_hot_upd! / stats.n_tup_upd) * 1000) / 10 : 0;
  process.stdout.write(
    `\n| Workload | Figure | Baseline | Ratio | Target | Met? |\n|---|---|---|---|---|---|\n` +
      `| Sustained PATCH/PUT/create/delete on ${hotScopes.length} hot scopes, PostgreSQL, ${nodeCount} nodes, ` +
      `${seconds} s (${result.storage}, revisions ${history ? 'on' : 'off'}) | last minute ${last} ok ops; end: ${stats.n_live_tup} live, ` +
      `${stats.n_dead_tup} dead rows, ${hotShare} % of updates HOT, table ${Math.round(stats.bytes! / 1024)} KB + ` +
      `indexes ${Math.round(stats.index_bytes! / 1024)} KB, autovacuum ran ${stats.autovacuum_count}×` +
      (stats.autovacuum_on ? '' : ' (autovacuum is off on this server)') +
      ' ' +
      `| first minute ${first} ok ops | ${ratio} | ≥ 0.9 | ${ratio >= 0.9 ? 'yes' : 'no'} |\n`,
  );
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'hot-updates-latest.json'), JSON.stringify(result, null, 2) + '\n');
  if (ratio < 0.9) process.exitCode = 1;
} finally {
  await Promise.all(nodes.map((node) => node.stop()));
  killStartedProcesses();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}
