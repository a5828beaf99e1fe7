/**
 * Start-up time and idle memory of `switchboard serve`, beside the raw node:http server
 * started the same way in the same run: time from spawn to the first 200 on /healthz, and
 * the resident memory (VmRSS) after a few idle seconds.
 */
import type { ProcessMemory } from './machine.js';
import type { RunningServer } from './processes.js';

export interface StartupMeasurement {
  /** Milliseconds from spawning the process to its first 200 on /healthz (the raw server answers any path). */
  readyMs: number;
  /** CPU time the process used to get there, ms: steadier than readyMs when other work shares the core. */
  readyCpuMs: number;
  /** Memory after `idleSeconds` without requests. */
  idle: ProcessMemory;
}

/** Asks /healthz until it answers 200; returns when it did (performance.now()). */
async function firstOk(origin: string): Promise<number> {
  for (;;) {
    try {
      const response = await fetch(`${origin}/healthz`);
      await response.arrayBuffer();
      if (response.status === 200) return performance.now();
    } catch {
      // Not accepting yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Starts a server, times it to its first 200, lets it idle, notes its memory and stops it. */
export async function measureStartup(
  start: () => Promise<RunningServer>,
  idleSeconds: number,
): Promise<StartupMeasurement> {
  const server = await start();
  try {
    const readyMs = Math.round((await firstOk(server.origin)) - server.spawnedAt);
    const readyCpuMs = Math.round(server.cpuSeconds() * 1000);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    return { readyMs, readyCpuMs, idle: server.memory() };
  } finally {
    await server.stop();
  }
}

export interface StartupRow {
  measure: string;
  subject: string;
  baseline: string;
  target: string;
  met: string;
}

/** Best of the rounds for time (other work only ever slows a start), worst for memory. */
export function startupRows(
  label: string,
  switchboard: StartupMeasurement[],
  plainNode: StartupMeasurement[],
  underLoad?: { label: string; subjectPeakMb: number; baselinePeakMb: number },
): StartupRow[] {
  const fastest = (runs: StartupMeasurement[]) => runs.reduce((a, b) => (b.readyMs < a.readyMs ? b : a));
  const largestIdle = (runs: StartupMeasurement[]) => Math.max(...runs.map((run) => run.idle.rssMb));
  const s = fastest(switchboard);
  const b = fastest(plainNode);
  const verdict = (ok: boolean, over: string) => (ok ? 'yes' : `NO (${over})`);
  const rows: StartupRow[] = [
    {
      measure: `ready to answer: spawn → first 200 on /healthz, ${label}`,
      subject: `${s.readyMs} ms (${s.readyCpuMs} ms CPU)`,
      baseline: `${b.readyMs} ms (${b.readyCpuMs} ms CPU)`,
      target: '≤ 1000 ms',
      met: verdict(s.readyMs <= 1000, `${s.readyMs} ms`),
    },
    {
      measure: `idle RSS, a few seconds after ready, ${label}`,
      subject: `${largestIdle(switchboard)} MB`,
      baseline: `${largestIdle(plainNode)} MB`,
      target: '≤ 100 MB',
      met: verdict(largestIdle(switchboard) <= 100, `${largestIdle(switchboard)} MB`),
    },
  ];
  if (underLoad) {
    rows.push({
      measure: `peak RSS under read load, ${underLoad.label}`,
      subject: `${underLoad.subjectPeakMb} MB`,
      baseline: `${underLoad.baselinePeakMb} MB`,
      target: '≤ 150 MB',
      met: verdict(underLoad.subjectPeakMb <= 150, `${underLoad.subjectPeakMb} MB`),
    });
  }
  return rows;
}

export function startupTable(rows: StartupRow[]): string {
  const header = ['measure', 'Switchboard', 'baseline', 'target', 'met?'];
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${[row.measure, row.subject, row.baseline, row.target, row.met].join(' | ')} |`),
  ].join('\n');
}
