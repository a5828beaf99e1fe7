import type { RawPullResult } from './raw-pull-client.js';
import { round } from './stats.js';

// What the pull-loop benchmark measures, and how each result becomes a row of its table.

/** The goals a row is judged against. */
export interface PullTargets {
  /** Pulls per second 10,000 instances on a 2-minute interval need (slow-integration rows). */
  requiredPullsPerSecond: number;
  /** Pulls per second one node should reach against a fast integration. */
  targetPullsPerSecond: number;
  targetP99LatenessMs: number;
}

export interface ThroughputResult {
  engine: 'sqlite' | 'postgres';
  /** PostgreSQL: most finished pulls per transaction (SWITCHBOARD_PULL_POSTGRES_BATCH), when not the default. */
  postgresBatch?: number;
  nodes: number;
  concurrency: number;
  /** How long the integration took to answer each pull, ms. */
  integrationDelayMs: number;
  instances: number;
  pulls: number;
  okPulls: number;
  resourcesStored: number;
  /** Instances pulled more than once: must be 0. */
  doublePulls: number;
  /** Instances never pulled: must be 0. */
  missed: number;
  seconds: number;
  pullsPerSecond: number;
  steadyPullsPerSecond: number;
  /** Server CPU per pull, µs (all nodes together), measured from "listening" to the last pull. */
  serverCpuMicrosPerPull: number;
  /** The largest peak RSS (VmHWM) among the nodes, MB. */
  serverPeakRssMb?: number;
  /** Cores the server nodes used over the run. */
  serverCores: number;
  /** How much of core 0 went to anything but the nodes meanwhile (other processes, the hypervisor). */
  otherLoadOnServerCore: number;
  integrationCpuMicrosPerPull: number;
  /** PostgreSQL: CPU of every postgres process on the machine per pull, µs (the database's own work). */
  postgresCpuMicrosPerPull?: number;
  pullDurationMs: { p50: number; p99: number; max: number };
  baseline?: RawPullResult & { cpuMicrosPerRequest: number; connections: number };
  error?: string;
}

export interface LatenessResult {
  engine: 'sqlite' | 'postgres';
  nodes: number;
  instances: number;
  intervalMs: number;
  windowSeconds: number;
  concurrency: number;
  dueInWindow: number;
  pulledOfDue: number;
  /** Fraction of the instances due in the window whose pull started by the window's end. */
  pulledInWindowFraction: number;
  /** Fraction of the instances due in the window pulled at all (by the end of the grace period). */
  pulledFraction: number;
  /** Instances pulled twice less than (1 − jitter) × interval apart: must be 0. */
  pulledTooSoon: number;
  /** Instances pulled more than once in the window (legitimate only when it exceeds 0.9 × interval). */
  pulledTwiceInWindow: number;
  failedPulls: number;
  latenessMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Pulls started more than one scheduler tick (1 s) late. */
  laterThanOneSecond: number;
  /** Cores the server nodes used over the window (all nodes together). */
  serverCores: number;
  serverCpuMicrosPerPull: number;
}

export interface Row {
  workload: string;
  figure: string;
  baseline: string;
  ratio: string;
  target: string;
  met: string;
}

export function throughputRow(result: ThroughputResult, withBaseline: boolean, targets: PullTargets): Row {
  const correct =
    !result.error &&
    result.okPulls === result.instances &&
    result.resourcesStored === result.instances &&
    result.doublePulls === 0 &&
    result.missed === 0;
  const slow = result.integrationDelayMs > 0;
  const targetPerSecond = slow ? targets.requiredPullsPerSecond : targets.targetPullsPerSecond;
  const meetsRate = result.pullsPerSecond >= targetPerSecond;
  const problems = [
    result.error,
    result.okPulls !== result.instances && `${result.instances - result.okPulls} not ok`,
    result.resourcesStored !== result.instances && `${result.resourcesStored} resources stored`,
    result.doublePulls > 0 && `${result.doublePulls} DOUBLE PULLS`,
    result.missed > 0 && `${result.missed} missed`,
  ].filter(Boolean);
  const engine = result.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const nodes = result.nodes === 1 ? 'one node' : `${result.nodes} nodes on one core`;
  const targetRate = slow
    ? `≥ ${round(targetPerSecond)} pulls/s (10,000 instances per 2 min)`
    : `≥ ${targetPerSecond.toLocaleString('en-US')} pulls/s`;
  return {
    workload:
      `Pull throughput, ${engine}, ${nodes}, ${result.instances.toLocaleString('en-US')} instances, concurrency ` +
      `${result.concurrency}` +
      (slow ? `, integration answering in ${result.integrationDelayMs} ms` : '') +
      (result.postgresBatch === 1 ? ', one transaction per pull (batching off)' : ''),
    figure:
      `${result.pullsPerSecond.toLocaleString('en-US')} pulls/s (${result.serverCpuMicrosPerPull} µs CPU/pull` +
      (result.serverPeakRssMb !== undefined ? `, peak RSS ${result.serverPeakRssMb} MB)` : ')') +
      (result.nodes > 1 ? `, ${result.doublePulls} double pulls` : '') +
      (result.postgresCpuMicrosPerPull ? `; ${postgresCapacity(result.postgresCpuMicrosPerPull)}` : ''),
    baseline:
      withBaseline && result.baseline
        ? `${round(result.baseline.perSecond).toLocaleString('en-US')} req/s raw undici`
        : '—',
    ratio: withBaseline && result.baseline ? `${round(result.pullsPerSecond / result.baseline.perSecond, 2)}` : '—',
    target: result.nodes > 1 ? `${targetRate}, 0 double pulls` : targetRate,
    met: !correct
      ? `FAILED: ${problems.join(', ')}`
      : meetsRate
        ? 'yes'
        : result.nodes > 1
          ? 'no (rate; 0 double pulls)'
          : 'no',
  };
}

export function latenessRow(result: LatenessResult, targets: PullTargets): Row {
  const allPulled = result.pulledFraction === 1;
  const onTime = result.latenessMs.p99 <= targets.targetP99LatenessMs;
  const correct = result.pulledTooSoon === 0 && result.failedPulls === 0;
  const problems = [
    result.pulledTooSoon > 0 && `${result.pulledTooSoon} PULLED TOO SOON`,
    result.failedPulls > 0 && `${result.failedPulls} failed pulls`,
    !allPulled && `only ${round(result.pulledFraction * 100, 2)}% pulled`,
    !onTime && 'p99 too late',
  ].filter(Boolean);
  const engine = result.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const nodes = result.nodes === 1 ? 'one node' : `${result.nodes} nodes on one core`;
  return {
    workload:
      `Pull lateness, ${engine}, ${nodes}, ${result.instances.toLocaleString('en-US')} instances every ` +
      `${result.intervalMs / 60_000} min, ${result.windowSeconds} s window`,
    figure:
      `lateness p50 ${result.latenessMs.p50} ms, p99 ${result.latenessMs.p99} ms, max ${result.latenessMs.max} ms; ` +
      `${round(result.pulledFraction * 100, 2)}% of ${result.dueInWindow.toLocaleString('en-US')} due pulled ` +
      `(${round(result.pulledInWindowFraction * 100, 2)}% before the window closed), ${result.pulledTooSoon} pulled twice ` +
      `within 0.9 interval`,
    baseline: '—',
    ratio: '—',
    target: `every due instance pulled once, p99 ≤ ${targets.targetP99LatenessMs / 1000} s`,
    met: !correct ? `FAILED: ${problems.join(', ')}` : allPulled && onTime ? 'yes' : `no (${problems.join(', ')})`,
  };
}

export function markdownTable(rows: Row[]): string {
  const header = ['Workload', 'Figure', 'Baseline', 'Ratio', 'Target', 'Met?'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    lines.push(`| ${[row.workload, row.figure, row.baseline, row.ratio, row.target, row.met].join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * What PostgreSQL's CPU per pull means at scale (issue 23's goal: 1M instances on the
 * vendor's 2-minute interval, 8.3k pulls/s, on one 8-core primary with room to spare):
 * the instances an 8-core primary could pull every 2 minutes if pulls were all it did.
 */
export function postgresCapacity(postgresMicrosPerPull: number): string {
  const instances = Math.floor(((8 * 1e6) / postgresMicrosPerPull) * 120);
  return `PostgreSQL ${postgresMicrosPerPull} µs CPU/pull: an 8-core primary at a 2-minute interval ≈ ${instances.toLocaleString('en-US')} instances`;
}
