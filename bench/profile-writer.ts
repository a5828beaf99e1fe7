/**
 * `node --import tsx bench/profile-writer.ts [pipelined|in-thread] [seconds]`: where a durable
 * PATCH's server CPU goes. Seeds 10k configs, starts `serve` under `--cpu-prof` on core 0
 * (one profile per thread: the main thread and the checkpoint thread), drives
 * the PATCH workload from core 1, stops the server and prints each profile's top self time.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patchPaths } from './dataset.js';
import { topSelfTime } from './profile-summary.js';
import { runLoad, startSwitchboard } from './processes.js';
import { seedSqlite } from './seed.js';

const writer = process.argv[2] ?? 'pipelined';
const seconds = Number(process.argv[3] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'switchboard-profile-writer-'));
const configs = 10_000;
const { token } = await seedSqlite(join(dir, 'profile.db'), configs);
const server = await startSwitchboard(`sqlite:${join(dir, 'profile.db')}`, { SWITCHBOARD_SQLITE_WRITER: writer }, [
  '--cpu-prof',
  `--cpu-prof-dir=${dir}`,
]);
const cpuAtStart = server.cpuSeconds();
const result = await runLoad({
  origin: server.origin,
  method: 'PATCH',
  paths: patchPaths(configs),
  token,
  connections: 10,
  warmupSeconds: 1,
  durationSeconds: seconds,
});
const cpu = server.cpuSeconds() - cpuAtStart;
await server.stop();
process.stdout.write(
  `PATCH (${writer}): ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.latency.p99.toFixed(2)} ms, ` +
    `~${Math.round((cpu * 1e6) / result.requests)} µs CPU/req (warm-up included); profiles in ${dir}\n\n`,
);
for (const profile of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
  process.stdout.write(`## ${profile}\n${topSelfTime(join(dir, profile), 25, 1000).join('\n')}\n\n`);
}
