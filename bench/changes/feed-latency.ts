// The change feed benchmark: change-to-watcher latency and memory per idle watcher.
// Run: node --import tsx bench/changes/feed-latency.ts [--quick]
//
// Real `serve` processes pinned to core 0, the watchers and the writer (bench/changes/
// watch-client.ts) pinned to core 1. Each row beside its baseline from the same run: one
// watcher beside 1,000 on one node, and one PostgreSQL node beside two (watchers on node A,
// writes through node B, the change crossing by LISTEN/NOTIFY).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine } from '../machine.js';
import { killStartedProcesses, loadCpu, runJsonScript, startSwitchboard, type RunningServer } from '../processes.js';
import { seedPostgres } from '../seed-postgres.js';
import { seedSqlite } from '../seed.js';
import type { WatchResult, WatchSpec } from './watch-client.js';

const quick = process.argv.includes('--quick');
const watchers = quick ? 200 : 1000;
const writes = quick ? 20 : 100;
const intervalMs = 50;
const postgresUrl = process.env.SWITCHBOARD_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// The benchmark's watchers all come from 127.0.0.1; the safety poll is left at its default.
const env = { SWITCHBOARD_MAX_STREAMS_PER_CLIENT: String(watchers + 10) };

const rows: string[] = [];
const row = (setup: string, result: WatchResult) => {
  const lost =
    result.missing + result.repeated === 0 ? '' : ` (${result.missing} missing, ${result.repeated} repeated!)`;
  rows.push(
    `| ${setup} | ${result.watchers} | ${result.latency.p50} | ${result.latency.p99} | ${result.latency.max} | ` +
      `${result.afterAck.p50} / ${result.afterAck.p99} | ` +
      `${result.writeRoundTrip.p50} / ${result.writeRoundTrip.p99} | ${result.serverCpuMsPerWrite} | ` +
      `${result.watchers > 1 ? `${result.rssPerWatcherKb} (${result.rssBeforeMb} → ${result.rssAfterMb} MB)` : '–'} |${lost}`,
  );
};

const measure = (watch: RunningServer, write: RunningServer, servers: RunningServer[], count: number, token: string) =>
  runJsonScript<WatchResult>(loadCpu, 'bench/changes/watch-client.ts', {
    watchUrl: watch.origin,
    writeUrl: write.origin,
    token,
    serverPids: servers.map((s) => s.pid),
    watchers: count,
    writes,
    intervalMs,
  } satisfies WatchSpec);

process.on('SIGINT', () => {
  killStartedProcesses();
  process.exit(130);
});

const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-feed-'));
try {
  // 1. One node on SQLite (synchronous=FULL): 1 watcher, then `watchers`.
  {
    const path = join(dir, 'feed.db');
    const { token } = await seedSqlite(path, 0);
    const node = await startSwitchboard(`sqlite:${path}`, env);
    try {
      row('SQLite, one node', await measure(node, node, [node], 1, token));
      row('SQLite, one node', await measure(node, node, [node], watchers, token));
    } finally {
      await node.stop();
    }
  }

  // 2. PostgreSQL: one node (watch and write on A), then two (watch on A, write through B).
  let seeded: Awaited<ReturnType<typeof seedPostgres>> | undefined;
  try {
    seeded = await seedPostgres(postgresUrl, `sb_bench_feed_${randomBytes(4).toString('hex')}`, 0);
  } catch (error) {
    rows.push(`| PostgreSQL | skipped: ${(error as Error).message.split('\n')[0]} | | | | | | | |`);
  }
  if (seeded) {
    const a = await startSwitchboard(seeded.databaseUrl(), env);
    const b = await startSwitchboard(seeded.databaseUrl(), env);
    try {
      row('PostgreSQL, one node (A → A)', await measure(a, a, [a], watchers, seeded.token));
      row('PostgreSQL, two nodes (B → A)', await measure(a, b, [a, b], watchers, seeded.token));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await seeded.drop();
    }
  }

  const machine = describeMachine();
  console.log(
    `\n### Change feed: ${writes} PATCHes ${intervalMs} ms apart, SSE watchers on one node ` +
      `(${machine.cpus} cores, ${machine.cpuModel}, Node ${machine.node})\n`,
  );
  console.log(
    '| setup | watchers | latency p50 ms | p99 ms | max ms | after the PATCH answer p50 / p99 ms | ' +
      'PATCH round trip p50 / p99 ms (baseline) | server CPU ms per write | RSS per idle watcher, KB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const line of rows) console.log(line);
  console.log(
    '\nLatency: from the PATCH being sent to the change arriving at a watcher, over every (write, watcher) pair; ' +
      '"after the PATCH answer": from the answer (the write durable) to the arrival, the feed\'s own delay. ' +
      'Goals: p99 ≤ 100 ms with 1,000 watchers on one node; ≤ 500 ms across two PostgreSQL nodes.',
  );
} finally {
  killStartedProcesses();
  rmSync(dir, { recursive: true, force: true });
}
