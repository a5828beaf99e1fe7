// BENCH_PULL_ONLY=inspector: the inspector's cost on pulls/s, interleaved beside it turned off.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine } from '../machine.js';
import type { RunningProcess } from './processes.js';
import type { ThroughputResult } from './pull-report.js';
import { round } from './stats.js';
import { log, options } from './bench-context.js';
import { measureThroughput } from './throughput.js';

/**
 * The inspector's cost: pulls/s with SWITCHBOARD_INSPECTOR_EXCHANGES at production's default
 * (`errors`: every pull here succeeds, so it records none and costs only its check) and at
 * development's (200: every pull's request and answer encrypted-as-configured and stored,
 * its ring pruned), each beside off, in the same run, interleaved off, errors, off, 200 (each
 * round rotated by one) so drifting load on a shared machine falls on every side. Goals: ≥ 0.95× and ≥ 0.85× of off,
 * peak RSS within 10 MB.
 */
export async function compareInspector(integration: RunningProcess): Promise<void> {
  const concurrency = options.concurrencies[0]!;
  const sequence = [
    ['off', '0'],
    ['errors', 'errors'],
    ['off', '0'],
    ['200', '200'],
  ] as const;
  const runs: Record<string, ThroughputResult[]> = { off: [], errors: [], '200': [] };
  for (let round = 0; round < options.rounds; round++) {
    // Each round starts one step further along, so no setting always runs in the same place
    // (after a quiet wait, or right after another run) while the machine's load drifts.
    const shift = round % sequence.length;
    for (const [name, value] of [...sequence.slice(shift), ...sequence.slice(0, shift)]) {
      log(`\ninspector ${name} (SWITCHBOARD_INSPECTOR_EXCHANGES=${value}), round ${round + 1}`);
      const result = await measureThroughput('sqlite', 1, concurrency, integration, undefined, 0, undefined, {
        SWITCHBOARD_INSPECTOR_EXCHANGES: value,
      });
      runs[name]!.push(result);
    }
  }
  const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const summary = (name: string) => {
    const results = runs[name]!;
    return {
      pullsPerSecond: middle(results.map((r) => r.pullsPerSecond)),
      cpuMicrosPerPull: middle(results.map((r) => r.serverCpuMicrosPerPull)),
      peakRssMb: middle(results.map((r) => r.serverPeakRssMb ?? 0)),
      every: results.map((r) => r.pullsPerSecond),
    };
  };
  const off = summary('off');
  const lines = [
    '| inspector | pulls/s (median) | every run | × off | µs CPU/pull | peak RSS MB | Δ RSS MB | goal |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  let failed = false;
  for (const [name, goal] of [
    ['off', 1],
    ['errors', 0.95],
    ['200', 0.85],
  ] as const) {
    const s = summary(name);
    const ratio = round(s.pullsPerSecond / off.pullsPerSecond, 3);
    const rss = round(s.peakRssMb - off.peakRssMb, 1);
    const met =
      name === 'off' ? '' : ratio >= goal && rss <= 10 ? `met (≥ ${goal}×, ≤ 10 MB)` : `FAILED (≥ ${goal}×, ≤ 10 MB)`;
    if (met.startsWith('FAILED')) failed = true;
    lines.push(
      `| ${name} | ${s.pullsPerSecond} | ${s.every.join(', ')} | ${ratio} | ${s.cpuMicrosPerPull} | ${s.peakRssMb} | ${rss} | ${met} |`,
    );
  }
  const table = lines.join('\n');
  process.stdout.write(`\nSQLite, ${options.throughputInstances} pulls, concurrency ${concurrency}:\n\n${table}\n`);
  const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'pull-inspector-latest.json'),
    JSON.stringify(
      { finishedAt: new Date().toISOString(), machine: describeMachine(), options, runs, table },
      null,
      2,
    ) + '\n',
  );
  if (failed) process.exitCode = 1;
}
