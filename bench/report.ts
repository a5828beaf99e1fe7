import type { LoadResult } from './load.js';
import type { Target, Workload } from './workloads.js';

/** A load result, with what the server's core did meanwhile (all in cores: 1 = all of one core). */
export type Measurement = LoadResult & {
  /** The server's share of its core: 1 = saturated. */
  serverCores: number;
  /** Server CPU time per request: disturbed less than req/s by other work on the core. */
  serverCpuMicrosPerRequest: number;
  /** Everything else that ran on the server's core: other processes, interrupts, hypervisor steal. */
  otherLoadOnServerCore: number;
  /** The server's peak resident memory (VmHWM) at the end of the measured run, MB. */
  serverPeakRssMb: number;
};

export interface RowResult {
  workload: Workload;
  /** Each side's best run (see bestRuns); absent when the row failed. */
  subject?: Measurement;
  baseline?: Measurement;
  /** Every round, as measured. */
  rounds: { subject: Measurement; baseline: Measurement }[];
  /** Why the row could not be measured. */
  failure?: string;
}

export interface Verdict {
  ratio?: number;
  ratioText: string;
  targetText: string;
  /** yes, NO (…), INVALID (…), or — when there is no target. */
  met: string;
}

const failedRequests = (result: LoadResult) => result.non2xx + result.errors + result.timeouts;

const times = (value: number) => `${value.toFixed(2)}×`;

function targetText(target: Target): string {
  if (target.kind === 'throughput') {
    const latency = target.p99AtMostMs === undefined ? '' : `, p99 ≤ ${target.p99AtMostMs} ms`;
    const cpu = target.cpuAtMost === undefined ? '' : `, CPU/req ≤ ${times(target.cpuAtMost)}`;
    return `≥ ${times(target.atLeast)} req/s${latency}${cpu}`;
  }
  if (target.kind === 'p50') return `p50 ≤ ${times(target.atMost)}`;
  return '—';
}

type Round = RowResult['rounds'][number];

/** What the target compares: p50 ÷ p50 for the p50 target, otherwise req/s ÷ req/s. */
function ratioOf(target: Target, subject: Measurement, baseline: Measurement): number {
  if (target.kind === 'p50') return subject.latency.p50 / baseline.latency.p50;
  return subject.requestsPerSecond / baseline.requestsPerSecond;
}

/**
 * Each side's best run (most req/s, so also the lowest latencies at a fixed number of
 * connections). On a shared machine the noise only ever takes CPU away, so a side's best
 * run is its truest; the rounds are otherwise identical, so best can be compared with best.
 */
export function bestRuns(rounds: Round[]): { subject: Measurement; baseline: Measurement } {
  const best = (runs: Measurement[]) => runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  return { subject: best(rounds.map((r) => r.subject)), baseline: best(rounds.map((r) => r.baseline)) };
}

/** The baseline's load generator used (nearly) its whole core: the baseline may be capped by it. */
const loadGeneratorBound = (baseline: Measurement) => baseline.loadGeneratorCores >= 0.9;

/** The row's ratio and whether it meets its target. A row with any failed request is invalid. */
export function evaluate(row: RowResult): Verdict {
  const target = row.workload.target;
  const { subject, baseline } = row;
  if (!subject || !baseline) return { ratioText: '—', targetText: targetText(target), met: `FAILED (${row.failure})` };

  const failed = row.rounds.reduce(
    (sum, round) => sum + failedRequests(round.subject) + failedRequests(round.baseline),
    0,
  );
  const invalid = failed > 0 ? `INVALID (${failed} non-2xx or failed requests)` : undefined;

  const ratio = ratioOf(target, subject, baseline);
  if (target.kind === 'p50') {
    const meanRatio = subject.latency.mean / baseline.latency.mean;
    const met = ratio <= target.atMost ? 'yes' : `NO (${times(ratio)} > ${times(target.atMost)})`;
    return {
      ratio,
      ratioText: `${times(ratio)} p50 (mean ${times(meanRatio)})`,
      targetText: targetText(target),
      met: invalid ?? met,
    };
  }

  const cpuText =
    target.kind === 'throughput' && target.cpuAtMost !== undefined
      ? `, CPU/req ${times(subject.serverCpuMicrosPerRequest / baseline.serverCpuMicrosPerRequest)}`
      : '';
  const ratioText = `${times(ratio)} req/s${cpuText}`;
  if (target.kind === 'report') return { ratio, ratioText, targetText: '—', met: invalid ?? '—' };
  const misses: string[] = [];
  if (ratio < target.atLeast) misses.push(`${times(ratio)} < ${times(target.atLeast)}`);
  if (target.p99AtMostMs !== undefined && subject.latency.p99 > target.p99AtMostMs) {
    misses.push(`p99 ${subject.latency.p99.toFixed(2)} ms > ${target.p99AtMostMs} ms`);
  }
  const cpuRatio = subject.serverCpuMicrosPerRequest / baseline.serverCpuMicrosPerRequest;
  if (target.cpuAtMost !== undefined && cpuRatio > target.cpuAtMost) {
    misses.push(`CPU/req ${times(cpuRatio)} > ${times(target.cpuAtMost)}`);
  }
  return {
    ratio,
    ratioText,
    targetText: targetText(target),
    met: invalid ?? (misses.length ? `NO (${misses.join('; ')})` : 'yes'),
  };
}

const perSecond = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => `${value.toFixed(2)} ms`;

export function markdownTable(rows: RowResult[]): string {
  const header = [
    'workload',
    'Switchboard req/s',
    'p50',
    'p99',
    'mean',
    'baseline req/s',
    'baseline p50',
    'baseline mean',
    'ratio',
    'other load on server core',
    'server CPU/req',
    'server peak RSS',
    'target',
    'met?',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const verdict = evaluate(row);
    const { subject: s, baseline: b } = row;
    const cells = [
      row.workload.name,
      s ? perSecond(s.requestsPerSecond) : '—',
      s ? ms(s.latency.p50) : '—',
      s ? ms(s.latency.p99) : '—',
      s ? ms(s.latency.mean) : '—',
      b ? perSecond(b.requestsPerSecond) : '—',
      b ? ms(b.latency.p50) : '—',
      b ? ms(b.latency.mean) : '—',
      b && loadGeneratorBound(b) ? `${verdict.ratioText} †` : verdict.ratioText,
      s && b ? `${s.otherLoadOnServerCore.toFixed(2)} / ${b.otherLoadOnServerCore.toFixed(2)}` : '—',
      s && b ? `${s.serverCpuMicrosPerRequest} µs / ${b.serverCpuMicrosPerRequest} µs` : '—',
      s && b ? `${s.serverPeakRssMb} MB / ${b.serverPeakRssMb} MB` : '—',
      verdict.targetText,
      verdict.met,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  if (rows.some((row) => row.baseline && loadGeneratorBound(row.baseline))) {
    lines.push(
      '',
      '† The load generator used ≥ 0.9 of its core during the baseline run, so it may have capped the ' +
        'baseline: the ratio may be overstated. Server CPU/req compares the servers without that cap.',
    );
  }
  return lines.join('\n');
}
