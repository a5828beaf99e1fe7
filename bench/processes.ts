import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load.js';
import { processCpuSeconds, processMemory, type ProcessMemory } from './machine.js';
import type { CapturedResponse } from './raw-server.js';
import { isBuildCurrent } from '../scripts/build-state.js';

/** The repository root: servers run from there, as `npm start` does. */
const root = fileURLToPath(new URL('..', import.meta.url));

/** Servers get core 0 and the load generator core 1, so they never compete for a core. */
export const serverCpu = 0;
export const loadCpu = 1;

const running = new Set<ChildProcess>();

/** Tracks a process started elsewhere, so `killStartedProcesses` stops it too. */
export function track(child: ChildProcess): void {
  running.add(child);
  child.on('exit', () => running.delete(child));
}

/** Kills every process this benchmark started and has not stopped yet (on Ctrl-C or a crash). */
export function killStartedProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Starts `node ARGS` pinned to one core, tracked so `killStartedProcesses` can stop it. */
export function spawnPinned(cpu: number, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn('taskset', ['-c', String(cpu), process.execPath, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

export interface RunningServer {
  origin: string;
  /** performance.now() when the process was spawned. */
  spawnedAt: number;
  /** The server's process id: for its RSS (`/proc/{pid}/status`). */
  pid: number;
  /** CPU time the server has used so far, in seconds (user + system). */
  cpuSeconds: () => number;
  /** The server's resident memory now, and its peak so far. */
  memory: () => ProcessMemory;
  stop: () => Promise<void>;
}

/** Starts a server and waits for the line that says where it listens. */
function startServer(args: string[], env: Record<string, string>, stdin: string): Promise<RunningServer> {
  const spawnedAt = performance.now();
  const child = spawnPinned(serverCpu, args, env);
  child.stdin!.end(stdin);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  return new Promise((resolve, reject) => {
    // BENCH_START_SECONDS: a loaded machine can take longer to start a TypeScript server.
    const startSeconds = Number(process.env.BENCH_START_SECONDS) || 30;
    const timer = setTimeout(
      () => fail(new Error(`server did not start within ${startSeconds} s`)),
      startSeconds * 1000,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n$ node ${args.join(' ')}\n${output}`));
    };
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', exitedEarly);
      // From here on its output is not needed, but must be drained so it never blocks.
      child.stdout!.resume();
      resolve({
        origin: match[1]!,
        spawnedAt,
        pid: child.pid!,
        cpuSeconds: () => processCpuSeconds(child.pid!),
        memory: () => processMemory(child.pid!),
        stop: async () => {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
    const exitedEarly = (code: number | null) => fail(new Error(`server exited with code ${code} before listening`));
    child.once('exit', exitedEarly);
  });
}

const benchKey = `bench:${randomBytes(32).toString('base64')}`;

let staleChecked = false;

/**
 * `bin/switchboard.js` runs the TypeScript sources through tsx when dist/ is older than
 * src/: slower and larger than what `npm start` runs. A script run alone (not through
 * `npm run bench`, which builds first) says so, once, rather than measure the wrong thing quietly.
 */
function warnIfStale(): void {
  if (staleChecked) return;
  staleChecked = true;
  if (!isBuildCurrent()) {
    process.stderr.write(
      'WARNING: dist/ is older than src/, so the servers run the sources through tsx: run `npm run build` first.\n',
    );
  }
}

/** `switchboard serve` on a free port, with no first-run credentials and no per-request logs. */
export function startSwitchboard(
  databaseUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  /** Another checkout's built entry point (a before/after comparison); this checkout's by default. */
  bin = 'bin/switchboard.js',
): Promise<RunningServer> {
  warnIfStale();
  return startServer(
    [...nodeArgs, bin, 'serve', '--port', '0', '--database', databaseUrl],
    // Production mode refuses to start without encryption keys: one fresh key per run.
    { LOG_LEVEL: 'warn', SWITCHBOARD_MODE: 'production', SWITCHBOARD_ENCRYPTION_KEYS: benchKey, ...env },
    '',
  );
}

/**
 * The start-up baseline: a node:http server in plain JavaScript (no TypeScript loader),
 * answering every request with a small JSON body.
 */
export function startPlainNodeServer(): Promise<RunningServer> {
  const program = [
    'const server = require(\'node:http\').createServer((q, s) => s.end(\'{"status":"ok"}\'));',
    "server.listen(0, '127.0.0.1', () => console.log('node:http listening on http://127.0.0.1:' + server.address().port));",
    "process.once('SIGTERM', () => server.close());",
  ].join('\n');
  return startServer(['-e', program], {}, '');
}

/** The raw node:http baseline, answering every request with `captured`. */
export function startRawServer(captured: CapturedResponse): Promise<RunningServer> {
  return startServer(['--import', 'tsx', 'bench/raw-server.ts'], {}, JSON.stringify(captured));
}

/**
 * Runs a bench script pinned to `cpu` with `spec` as JSON on its stdin, and resolves with the
 * JSON of the last line it prints. `onStdout` sees everything printed so far, as it arrives.
 */
export function runJsonScript<T>(
  cpu: number,
  script: string,
  spec: unknown,
  onStdout: (stdout: string) => void = () => {},
): Promise<T> {
  const child = spawnPinned(cpu, ['--import', 'tsx', script], {});
  child.stdin!.end(JSON.stringify(spec));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    onStdout(stdout);
  });
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const last = stdout.trim().split('\n').at(-1);
      if (code === 0 && last?.startsWith('{')) resolve(JSON.parse(last) as T);
      else reject(new Error(`${script} exited with code ${code}\n${stderr}`));
    });
  });
}

/**
 * Runs the load generator (bench/load.ts) on its own core and returns its measurement.
 * `onPhase` is called when the measured run starts and ends (after the warm-up).
 */
export function runLoad(
  spec: LoadSpec,
  onPhase: (phase: 'measure-start' | 'measure-end') => void = () => {},
): Promise<LoadResult> {
  const seen = new Set<string>();
  return runJsonScript<LoadResult>(loadCpu, 'bench/load.ts', spec, (stdout) => {
    for (const phase of ['measure-start', 'measure-end'] as const) {
      if (stdout.includes(`${phase}\n`) && !seen.has(phase)) {
        seen.add(phase);
        onPhase(phase);
      }
    }
  });
}
