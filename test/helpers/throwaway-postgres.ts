// A PostgreSQL cluster of the test's own, in a temp dir on a free port, that a test may stop
// (even crash) and start again. The machine's shared server on 5432 is never touched.

import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowawayPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`; trust authentication. */
  url: string;
  port: number;
  /** `pg_ctl stop`: `fast` ends sessions cleanly, `immediate` is a crash (recovery on start). */
  stop: (mode: 'fast' | 'immediate') => Promise<void>;
  /** `pg_ctl start` on the same port and data dir; resolves once it accepts connections. */
  start: () => Promise<void>;
  /** Stops the server if it runs and removes its files. Safe to call more than once. */
  destroy: () => Promise<void>;
  /** The server's log so far (useful in failure messages). */
  log: () => string;
}

/** How to run the PostgreSQL binaries: where they are, and as whom. */
interface Toolchain {
  bin: string;
  /** Set when we are root: initdb and postgres refuse to run as root. */
  user?: { name: string; uid: number; gid: number };
}

/** The newest `/usr/lib/postgresql/N/bin` with initdb and pg_ctl, or one on the PATH. */
function findBinDir(): string | undefined {
  const override = process.env.SWITCHBOARD_TEST_PG_BIN;
  if (override) return existsSync(join(override, 'initdb')) ? override : undefined;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+(\.\d+)?$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

function run(toolchain: Toolchain, tool: string, args: string[], cwd: string): Promise<string> {
  const path = join(toolchain.bin, tool);
  const [file, argv] = toolchain.user ? ['runuser', ['-u', toolchain.user.name, '--', path, ...args]] : [path, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${tool} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

let toolchainProbe: Promise<Toolchain | string> | undefined;

/** The toolchain, or why there is none: binaries missing, or root without a way to switch user. */
function toolchain(): Promise<Toolchain | string> {
  toolchainProbe ??= (async () => {
    const bin = findBinDir();
    if (!bin) return 'no initdb/pg_ctl under /usr/lib/postgresql/*/bin or on the PATH';
    const chain: Toolchain = { bin };
    if (process.getuid?.() === 0) {
      let ids: string[];
      try {
        ids = ['-u', '-g'].map((flag) => execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
      } catch {
        return 'running as root and there is no "postgres" user to run PostgreSQL as';
      }
      chain.user = { name: 'postgres', uid: Number(ids[0]), gid: Number(ids[1]) };
    }
    try {
      await run(chain, 'initdb', ['--version'], tmpdir());
    } catch (error) {
      return `cannot run ${join(bin, 'initdb')}${chain.user ? ' as user postgres' : ''}: ${(error as Error).message}`;
    }
    return chain;
  })();
  return toolchainProbe;
}

/** Why no throwaway cluster can be made here, or undefined when one can. */
export async function throwawayPostgresProblem(): Promise<string | undefined> {
  const found = await toolchain();
  return typeof found === 'string' ? found : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** initdb + start a fresh cluster. Throws when that fails (see {@link throwawayPostgresProblem}). */
export async function createThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const found = await toolchain();
  if (typeof found === 'string') throw new Error(`no throwaway PostgreSQL: ${found}`);
  const chain = found;

  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sock');
  const logFile = join(dir, 'postgres.log');
  mkdirSync(sockets);
  if (chain.user) for (const path of [dir, sockets]) chownSync(path, chain.user.uid, chain.user.gid);

  const port = await freePort();
  const serverOptions = [
    `-p ${port}`,
    `-k ${sockets}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=on',
    '-c synchronous_commit=on',
    '-c max_connections=50',
    '-c shared_buffers=16MB',
  ].join(' ');
  const pgCtl = (args: string[]) => run(chain, 'pg_ctl', ['-D', data, ...args], dir);

  let running = false;
  let destroyed = false;
  // If the test process dies without destroy(), do not leave a server running.
  const onExit = () => {
    if (!running) return;
    const path = join(chain.bin, 'pg_ctl');
    const args = ['-D', data, '-m', 'immediate', 'stop'];
    try {
      if (chain.user)
        execFileSync('runuser', ['-u', chain.user.name, '--', path, ...args], { cwd: dir, stdio: 'ignore' });
      else execFileSync(path, args, { cwd: dir, stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  };
  process.once('exit', onExit);

  const cluster: ThrowawayPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: async () => {
      // -l: the server must not inherit our pipes, or execFile would wait for it to exit.
      await pgCtl(['-o', serverOptions, '-l', logFile, '-w', '-t', '30', 'start']);
      running = true;
    },
    stop: async (mode) => {
      await pgCtl(['-m', mode, '-w', '-t', '30', 'stop']);
      running = false;
    },
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      if (running) await cluster.stop('immediate').catch(() => {});
      process.removeListener('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };

  try {
    await run(
      chain,
      'initdb',
      ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'],
      dir,
    );
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

/** A streaming standby of a throwaway primary, which a test can promote. */
export interface ThrowawayStandby extends ThrowawayPostgres {
  /** `pg_ctl promote`; resolves once the server accepts writes. */
  promote: () => Promise<void>;
}

/**
 * A streaming standby of `primary` (`pg_basebackup -R`) on its own free port, started; its
 * own files, removed by `destroy()`. Asynchronous replication: a test that needs a write on
 * both waits for it to arrive.
 */
export async function createThrowawayStandby(primary: ThrowawayPostgres): Promise<ThrowawayStandby> {
  const found = await toolchain();
  if (typeof found === 'string') throw new Error(`no throwaway PostgreSQL: ${found}`);
  const chain = found;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pg-standby-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sock');
  const logFile = join(dir, 'postgres.log');
  mkdirSync(sockets);
  if (chain.user) for (const path of [dir, sockets]) chownSync(path, chain.user.uid, chain.user.gid);
  const port = await freePort();
  const serverOptions = [
    `-p ${port}`,
    `-k ${sockets}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=50',
    '-c shared_buffers=16MB',
  ].join(' ');
  const pgCtl = (args: string[]) => run(chain, 'pg_ctl', ['-D', data, ...args], dir);
  let running = false;
  let destroyed = false;
  const onExit = () => {
    if (!running) return;
    const path = join(chain.bin, 'pg_ctl');
    const args = ['-D', data, '-m', 'immediate', 'stop'];
    try {
      if (chain.user)
        execFileSync('runuser', ['-u', chain.user.name, '--', path, ...args], { cwd: dir, stdio: 'ignore' });
      else execFileSync(path, args, { cwd: dir, stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  };
  process.once('exit', onExit);
  const standby: ThrowawayStandby = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: async () => {
      await pgCtl(['-o', serverOptions, '-l', logFile, '-w', '-t', '30', 'start']);
      running = true;
    },
    stop: async (mode) => {
      await pgCtl(['-m', mode, '-w', '-t', '30', 'stop']);
      running = false;
    },
    promote: async () => {
      await pgCtl(['-w', '-t', '30', 'promote']);
    },
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      if (running) await standby.stop('immediate').catch(() => {});
      process.removeListener('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
  try {
    await run(
      chain,
      'pg_basebackup',
      ['-D', data, '-R', '-X', 'stream', '-c', 'fast', '-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres'],
      dir,
    );
    await standby.start();
  } catch (error) {
    await standby.destroy();
    throw error;
  }
  return standby;
}
