/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and says where the time went: self time per
 * package and per function, and total (inclusive) time per project function.
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile [--from-first-request SKIP_MS]
 *
 * With `--from-first-request`, only samples from SKIP_MS after the first HTTP request on
 * count, so start-up and warm-up do not blur a profile of serving.
 */
import { relative } from 'node:path';
import { readCpuProfile, type ProfileNode } from './cpu-profile.js';

/** Where code lives: a package, Node's internals, the project, or V8 itself. */
function areaOf(url: string, functionName: string): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1]!;
  if (url.startsWith('node:')) return 'node (internal)';
  if (/\/(src|dist)\//.test(url)) return 'switchboard';
  if (url) return 'other';
  return functionName.startsWith('(') ? functionName : 'native';
}

const nameOf = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '');
  const where = file ? `${relative(process.cwd(), file)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};

const share = (hits: number, total: number) => `${((hits * 100) / total).toFixed(1).padStart(5)}%`;

/**
 * Self time per area and per function, and inclusive time of the project's own functions,
 * as shares of the busy samples (idle left out, so a busy and a quiet run compare).
 */
export function topSelfTime(profilePath: string, count = 30, fromFirstRequestSkipMs?: number): string[] {
  const { profile, stackOf } = readCpuProfile(profilePath);

  let time = 0;
  let from = fromFirstRequestSkipMs === undefined ? 0 : Infinity;
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    time += profile.timeDeltas[i] ?? 0;
    const stack = stackOf(id);
    if (from === Infinity && stack.some((node) => node.callFrame.functionName === 'parserOnIncoming')) {
      from = time + fromFirstRequestSkipMs! * 1000;
    }
    const leaf = stack[0]!;
    if (time < from || leaf.callFrame.functionName === '(idle)') return;
    total++;
    self.set(nameOf(leaf), (self.get(nameOf(leaf)) ?? 0) + 1);
    const area = areaOf(leaf.callFrame.url, leaf.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + 1);
    const ours = new Set(stack.filter((node) => areaOf(node.callFrame.url, '') === 'switchboard').map(nameOf));
    for (const name of ours) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
  });
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, hits]) => `${share(hits, total)}  ${name}`);
  return [
    `${total} busy samples`,
    '',
    'self time by area:',
    ...top(areas, 12),
    '',
    'self time by function:',
    ...top(self, count),
    '',
    "total time of the project's functions (with what they call):",
    ...top(inclusive, 20),
  ];
}

if (process.argv[1]?.endsWith('profile-summary.ts') && process.argv[2]) {
  const skip = process.argv.indexOf('--from-first-request');
  const skipMs = skip > 0 ? Number(process.argv[skip + 1] ?? 1000) : undefined;
  process.stdout.write(topSelfTime(process.argv[2], 30, skipMs).join('\n') + '\n');
}
