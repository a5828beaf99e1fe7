// `npm run bench`: the HTTP benchmark, the pull loop, then the channel framework's push,
// channelback and event-callback benchmarks, encryption at rest, the change feed, config history, the SQLite write paths and etcd as a peer, with the same
// flags (`--quick`, `--only TEXT`, `--long`) passed to each. `--long` adds the rows that take minutes (10M configs,
// five minutes of updates on PostgreSQL); the default run stays short. First it builds dist/ if it is not current,
// so the servers measured run the compiled JavaScript, as `npm start` does.
import { spawnSync } from 'node:child_process';

const flags = process.argv.slice(2);
const build = spawnSync(process.execPath, ['scripts/build.js'], { stdio: 'inherit' });
if (build.status !== 0) process.stderr.write('bench: the build failed; servers will run the TypeScript sources\n');
let failed = false;
const scripts = [
  'bench/run.ts',
  'bench/pull/run-pull.ts',
  'bench/channels/push.ts',
  'bench/channels/channelback.ts',
  'bench/channels/events.ts',
  'bench/encryption.ts',
  'bench/changes/feed-latency.ts',
  'bench/history/run-history.ts',
  'bench/writer.ts',
  'bench/peers/etcd.ts',
  // Only under --long: five minutes of updates on PostgreSQL.
  'bench/hot-updates.ts',
];
for (const script of scripts) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...flags], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
