/**
 * `node --import tsx bench/profile-read.ts [read|list] [seconds]`: where a config read's
 * server CPU goes. Seeds 10k configs, starts `serve` under `--cpu-prof` on core 0, drives
 * the read workload from core 1, stops the server (which writes its profile) and prints
 * the functions with the most self time. The profile stays in the printed folder (open
 * it in Chrome's DevTools for the call tree). With `BENCH_POSTGRES_URL` set, on PostgreSQL
 * (a schema of its own, dropped after); extra `serve` settings from `BENCH_PROFILE_ENV`
 * (`NAME=value,NAME=value`).
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listPaths, readPaths } from './dataset.js';
import { topSelfTime } from './profile-summary.js';
import { runLoad, startSwitchboard } from './processes.js';
import { seedPostgres } from './seed-postgres.js';
import { seedSqlite } from './seed.js';

const request = process.argv[2] === 'list' ? 'list' : 'read';
const seconds = Number(process.argv[3] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'switchboard-profile-'));
const configs = 10_000;
const postgresUrl = process.env.BENCH_POSTGRES_URL;
const env = Object.fromEntries(
  (process.env.BENCH_PROFILE_ENV ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string]),
);
const seeded = postgresUrl
  ? await seedPostgres(postgresUrl, `sb_bench_profile_${process.pid}`, configs)
  : { ...(await seedSqlite(join(dir, 'profile.db'), configs)), databaseUrl: () => `sqlite:${join(dir, 'profile.db')}` };
const token = seeded.token;
const server = await startSwitchboard(seeded.databaseUrl(), env, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
const result = await runLoad({
  origin: server.origin,
  method: 'GET',
  paths: request === 'read' ? readPaths(configs) : listPaths(configs),
  token,
  connections: 50,
  warmupSeconds: 1,
  durationSeconds: seconds,
});
await server.stop();
if ('drop' in seeded) await seeded.drop();
const profile = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
process.stdout.write(
  `${request}: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.latency.p99.toFixed(2)} ms; profile in ${dir}\n\n`,
);
if (profile) process.stdout.write(topSelfTime(join(dir, profile), 30, 1000).join('\n') + '\n');
