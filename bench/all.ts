// `npm run bench`: the HTTP benchmark, then the pull-loop benchmark, with the same flags
// (`--quick`, `--only TEXT`) passed to both.
import { spawnSync } from 'node:child_process';

const flags = process.argv.slice(2);
let failed = false;
for (const script of ['bench/run.ts', 'bench/pull/run-pull.ts']) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...flags], { stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
