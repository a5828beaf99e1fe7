/**
 * Where a pulling node's time goes: reads a `.cpuprofile` written by `node --cpu-prof`
 * (BENCH_PULL_PROFILE=DIR with run-pull.ts), keeps the samples from the first to the last
 * one inside `pullInstance` (start-up and idle tail left out), and attributes each sample
 * to the first frame, from the leaf up, that belongs to a known part of the pull path.
 *
 * Run: `node --import tsx bench/pull/profile-summary.ts FILE.cpuprofile`
 */
import { readCpuProfile } from '../cpu-profile.js';

/** Parts of the pull path, by the source file a frame belongs to; the first match wins. */
const parts: [string, RegExp][] = [
  ['SQLite: statements, transactions, commit (fsync)', /better-sqlite3|sqlite-channel-store|group-commit/],
  ['PostgreSQL client (pg, the store)', /node_modules\/pg|pg-protocol|pg-pool|postgres-channel-store|postgres-store/],
  ['Response validation', /channels\/protocol\//],
  ['Signing (secret derivation, HMAC)', /signing-secret|outbound\/signature/],
  ['Outbound HTTP (undici, outbound client, sockets)', /undici|outbound-client|guarded-lookup|ssrf-guard|ip-address/],
  ['Metrics', /ops\/(metrics|prometheus-text|process-metrics)/],
  [
    'Pull logic and scheduler (incl. JSON.parse)',
    /pull-instance|pull-scheduler|channel-rules|channel-rows|channel-host/,
  ],
];

const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile');
const { profile, stackOf } = readCpuProfile(file);
const inPull = (id: number) => stackOf(id).some((node) => node.callFrame.functionName === 'pullInstance');

function partOf(id: number): string {
  const stack = stackOf(id);
  const leaf = stack[0]!.callFrame.functionName;
  if (leaf === '(garbage collector)' || leaf === '(idle)' || leaf === '(program)') return leaf;
  for (const node of stack) {
    for (const [name, pattern] of parts) if (pattern.test(node.callFrame.url)) return name;
  }
  return 'Node internals: event loop, promises, timers';
}

const first = profile.samples.findIndex(inPull);
if (first < 0) throw new Error(`${file}: no sample inside pullInstance (not a pulling node's profile?)`);
let last = profile.samples.length - 1;
while (last > first && !inPull(profile.samples[last]!)) last--;
const totals = new Map<string, number>();
let total = 0;
for (let i = first; i <= last; i++) {
  const delta = profile.timeDeltas[i] ?? 0;
  const part = partOf(profile.samples[i]!);
  totals.set(part, (totals.get(part) ?? 0) + delta);
  total += delta;
}
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms of pulling\n\n| Part | ms | share |\n|---|---|---|\n`);
for (const [part, micros] of [...totals].sort((a, b) => b[1] - a[1])) {
  process.stdout.write(`| ${part} | ${(micros / 1000).toFixed(0)} | ${((100 * micros) / total).toFixed(1)}% |\n`);
}
