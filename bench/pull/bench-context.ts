// The pull benchmark's settings (from its arguments and environment), its work folder, and
// setting up and dropping its databases: shared by its modes (run-pull.ts).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { numberFromEnv, waitForQuietMachine } from '../machine.js';
import { postgresDatabase, sqliteDatabase, type BenchDatabase } from './databases.js';
import { runCli, startSwitchboard, type RunningProcess } from './processes.js';

export const args = process.argv.slice(2);
export const quick = args.includes('--quick');

export const options = {
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
export const postgresUrl =
  process.env.BENCH_POSTGRES_URL === 'off'
    ? undefined
    : process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
export const profileDir = process.env.BENCH_PULL_PROFILE || undefined;
export const only = process.env.BENCH_PULL_ONLY || undefined;
if (only !== undefined && !['throughput', 'lateness', 'postgres', 'inspector'].includes(only)) {
  throw new Error(`BENCH_PULL_ONLY must be "throughput", "lateness", "postgres" or "inspector"; got "${only}"`);
}

export const log = (message: string) => process.stderr.write(`${message}\n`);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const workDir = mkdtempSync(join(tmpdir(), 'switchboard-pull-bench-'));
export const dataDir = join(workDir, 'data');
mkdirSync(dataDir);
export const baseEnv = { SWITCHBOARD_DATA_DIR: dataDir };
let databaseSerial = 0;
const openDatabases = new Set<BenchDatabase>();

export async function quiet(): Promise<void> {
  if (options.quietWaitSeconds > 0 && !(await waitForQuietMachine(options.quietWaitSeconds))) {
    log(`  (the machine stayed busy for ${options.quietWaitSeconds} s; measuring anyway)`);
  }
}

// --- Setting up a database ----------------------------------------------------------------

export interface Prepared {
  db: BenchDatabase;
  accountId: number;
  integrationId: number;
}

/**
 * A new database with an account (the CLI) and the integration registered through the API,
 * by a node with its scheduler off, which is then stopped.
 */
export async function prepare(engine: 'sqlite' | 'postgres', integration: RunningProcess): Promise<Prepared> {
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

export async function dropDatabase(db: BenchDatabase): Promise<void> {
  openDatabases.delete(db);
  await db.drop();
}

export const schedulerEnv = (concurrency: number, intervalMs: number) => ({
  ...baseEnv,
  SWITCHBOARD_PULL_CONCURRENCY: String(concurrency),
  SWITCHBOARD_PULL_INTERVAL_MS: String(intervalMs),
});

export async function postgresProblem(): Promise<string | undefined> {
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

export async function cleanUp(): Promise<void> {
  for (const db of [...openDatabases]) {
    try {
      await dropDatabase(db);
    } catch (error) {
      log(`cleanup: ${(error as Error).message}`);
    }
  }
  rmSync(workDir, { recursive: true, force: true });
}
