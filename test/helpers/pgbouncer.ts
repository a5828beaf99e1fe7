// PgBouncer in transaction mode in front of the test PostgreSQL, on a free port: one per
// test process, started on first use, and gone when the process is (however it ends).
// Debian's `pgbouncer` (1.18: no prepared-statement support), run as user postgres when we are root.

import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgBouncer {
  port: number;
  /** `postgres://USER@127.0.0.1:PORT/DATABASE`: that database of the upstream server, through PgBouncer. */
  urlFor: (database: string) => string;
  stop: () => void;
}

/** Debian puts it in /usr/sbin, which a non-root PATH may lack. */
function findPgBouncer(): string | undefined {
  const dirs = ['/usr/sbin', '/usr/local/sbin', ...(process.env.PATH ?? '').split(':')].filter((d) =>
    d.startsWith('/'),
  );
  return dirs.map((dir) => join(dir, 'pgbouncer')).find((path) => existsSync(path));
}

const binary = findPgBouncer();

/** Why no PgBouncer can run here, or undefined. */
export const pgBouncerProblem: string | undefined =
  process.env.SWITCHBOARD_TEST_PGBOUNCER === 'off'
    ? 'turned off'
    : binary === undefined
      ? 'no pgbouncer binary (apt-get install -y pgbouncer)'
      : undefined;

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

/** The config: every database (`*`) of `upstream`, transaction pooling, trust for the upstream's user. */
function configText(dir: string, port: number, upstream: URL): string {
  // PgBouncer logs in to the server as the upstream URL says; clients are trusted.
  const password = upstream.password ? ` password=${decodeURIComponent(upstream.password)}` : '';
  return `[databases]
* = host=${upstream.hostname} port=${upstream.port || 5432}${password}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${join(dir, 'userlist.txt')}
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 10
; Test databases come and go: give their server connections back to the shared server soon.
server_idle_timeout = 5
server_lifetime = 60
logfile = ${join(dir, 'pgbouncer.log')}
`;
}

async function waitUntilServing(url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PgBouncer did not serve: ${(error as Error).message}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** Starts a PgBouncer in front of `upstreamUrl` (user postgres, trust); `stop()` or this process's end stops it. */
export async function startPgBouncer(upstreamUrl: string): Promise<PgBouncer> {
  if (pgBouncerProblem) throw new Error(`no PgBouncer: ${pgBouncerProblem}`);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pgbouncer-'));
  const port = await freePort();
  const configFile = join(dir, 'pgbouncer.ini');
  writeFileSync(configFile, configText(dir, port, new URL(upstreamUrl)));
  const upstream = new URL(upstreamUrl);
  const user = decodeURIComponent(upstream.username) || 'postgres';
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`);
  const asRoot = process.getuid?.() === 0;
  // PgBouncer refuses to run as root.
  if (asRoot) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' })));
    chownSync(dir, uid!, gid!);
  }
  const log = () => {
    try {
      return readFileSync(join(dir, 'pgbouncer.log'), 'utf8');
    } catch {
      return '';
    }
  };
  // A shell keeps PgBouncer for as long as our end of its stdin is open: when this process
  // ends, even killed, the pipe closes and the shell stops PgBouncer (vitest ends its workers
  // without an 'exit' event).
  const watchdog = `"$1" "$2" & child=$!; read -r _; kill $child; wait $child; rm -rf "$3"`;
  const command = ['sh', '-c', watchdog, 'pgbouncer-watchdog', binary!, configFile, dir];
  const child = asRoot
    ? spawn('runuser', ['-u', 'postgres', '--', ...command], { stdio: ['pipe', 'ignore', 'ignore'] })
    : spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'ignore', 'ignore'] });
  // Not a reason to keep this process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    // The watchdog stops PgBouncer and removes its folder.
    child.stdin?.end();
  };
  const urlFor = (database: string) =>
    `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  try {
    await waitUntilServing(urlFor(upstream.pathname.slice(1) || 'postgres'), log);
  } catch (error) {
    stop();
    throw error;
  }
  return { port, urlFor, stop };
}
