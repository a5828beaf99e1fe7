import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';

/** Linux reports CPU times in ticks of 1/100 s (USER_HZ). */
const ticksPerSecond = 100;

/**
 * Seconds core `cpu` has spent busy since boot: user, nice, system, irq, softirq, and
 * steal (time the hypervisor gave to another guest). Idle and iowait do not count.
 */
export function coreBusySeconds(cpu: number): number {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${cpu} `));
  if (!line) return NaN;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / ticksPerSecond;
}

/** CPU time a process has used so far (user + system), in seconds. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

export interface ProcessMemory {
  /** Resident set size now, MB (VmRSS). */
  rssMb: number;
  /** The highest resident set size the process has had, MB (VmHWM). */
  peakRssMb: number;
}

/** A process's resident memory, from /proc/PID/status. */
export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kilobytes('VmRSS') / 1024), peakRssMb: Math.round(kilobytes('VmHWM') / 1024) };
}

export function describeMachine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    kernel: release(),
    loadAverage: loadavg(),
  };
}

/**
 * Waits until both cores have been nearly idle for a second (other work on a shared
 * machine disturbs the figures), for at most `maxSeconds`. Returns whether it got quiet.
 */
export async function waitForQuietMachine(maxSeconds: number): Promise<boolean> {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const before = coreBusySeconds(0) + coreBusySeconds(1);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const busyCores = coreBusySeconds(0) + coreBusySeconds(1) - before;
    if (busyCores < 0.25) return true;
    if (Date.now() >= deadline) return false;
  }
}

/** A positive number from the environment (a benchmark knob), or the fallback when unset. */
export function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number; got "${raw}"`);
  return value;
}

/** CPU time of every process named `postgres` (the server and its backends), seconds. */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      total += processCpuSeconds(Number(entry));
    } catch {
      // It exited meanwhile.
    }
  }
  return total;
}
