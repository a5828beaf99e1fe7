// `npm run bench`: the HTTP benchmark, the pull loop, then the channel framework's push,
// channelback and event-callback benchmarks, encryption at rest, the change feed, the SQLite
// writer thread and etcd as a peer, with the same flags (`--quick`, `--only TEXT`) passed to each.
import { spawnSync } from 'node:child_process';

const flags = process.argv.slice(2);
let failed = false;
const scripts = [
  'bench/run.ts',
  'bench/pull/run-pull.ts',
  'bench/channels/push.ts',
  'bench/channels/channelback.ts',
  'bench/channels/events.ts',
  'bench/encryption.ts',
  'bench/changes/feed-latency.ts',
  'bench/writer.ts',
  'bench/peers/etcd.ts',
];
for (const script of scripts) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...flags], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
