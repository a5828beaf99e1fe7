/**
 * Processes of the pull benchmark: the integration, Switchboard nodes, the raw baseline
 * client and CLI calls, each pinned to a core with `taskset` where it matters. Every
 * process started here is tracked, so a Ctrl-C can kill exactly those (by pid).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { processCpuSeconds } from '../machine.js';
import { runJsonScript, spawnPinned, track } from '../processes.js';
import type { RawPullResult, RawPullSpec } from './raw-pull-client.js';

/** The repository root: everything runs from there, as `npm start` does. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** Switchboard (and the raw baseline standing in for it) on core 0; the integration on core 1. */
export const serverCpu = 0;
export const integrationCpu = 1;

// Process tracking and pinning are the HTTP benchmark's: one set of started processes.
export { killStartedProcesses } from '../processes.js';

export interface RunningProcess {
  origin: string;
  pid: number;
  /** CPU time used so far, seconds (user + system). */
  cpuSeconds: () => number;
  /** Everything it wrote to stderr so far (warnings, errors). */
  stderr: () => string;
  /** SIGTERM, then SIGKILL after 15 s; resolves once it exited. */
  stop: () => Promise<void>;
}

/** Starts a pinned process and waits for its `listening on URL` line. */
function startListening(cpu: number, args: string[], env: Record<string, string>): Promise<RunningProcess> {
  const child = spawnPinned(cpu, args, env);
  child.stdin!.end();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  let errors = '';
  child.stderr!.on('data', (chunk) => (errors += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('did not start within 30 s')), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n$ node ${args.join(' ')}\n${output}${errors}`));
    };
    const exitedEarly = (code: number | null) => fail(new Error(`exited with code ${code} before listening`));
    child.once('exit', exitedEarly);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', exitedEarly);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({
        origin: match[1]!,
        pid: child.pid!,
        cpuSeconds: () => processCpuSeconds(child.pid!),
        stderr: () => errors,
        stop: async () => {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
  });
}

/** The integration service (integration.ts), on its own core; `delayMs` before each answer. */
export function startIntegration(delayMs = 0): Promise<RunningProcess> {
  return startListening(integrationCpu, ['--import', 'tsx', 'bench/pull/integration.ts'], {
    BENCH_PULL_DELAY_MS: String(delayMs),
  });
}

/**
 * `switchboard serve` on a free port, in development mode (loopback integrations allowed).
 * `BENCH_SERVER_NODE_ARGS` adds node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profile`
 * to profile the server under any of these benchmarks.
 */
export function startSwitchboard(
  databaseUrl: string,
  env: Record<string, string>,
  extraNodeArgs: string[] = [],
): Promise<RunningProcess> {
  const fromEnv = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return startListening(
    serverCpu,
    [...fromEnv, ...extraNodeArgs, 'bin/switchboard.js', 'serve', '--port', '0', '--database', databaseUrl],
    { SWITCHBOARD_MODE: 'development', LOG_LEVEL: 'warn', ...env },
  );
}

/** `switchboard …` run to its end; its stdout. */
export function runCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['bin/switchboard.js', ...args],
      { cwd: root, env: { ...process.env, SWITCHBOARD_MODE: 'development', LOG_LEVEL: 'warn', ...env } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`switchboard ${args.join(' ')} failed: ${stderr || error.message}`));
        else resolve(stdout);
      },
    );
    track(child);
  });
}

/** The raw baseline (raw-pull-client.ts) on the server's core. */
export function runRawClient(spec: RawPullSpec): Promise<RawPullResult> {
  return runJsonScript<RawPullResult>(serverCpu, 'bench/pull/raw-pull-client.ts', spec);
}
