import { readFileSync } from 'node:fs';
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

/** A process's resident memory now, in MB (VmRSS). */
export function processRssMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return line ? Math.round(Number(line.split(/\s+/)[1]) / 1024) : NaN;
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
