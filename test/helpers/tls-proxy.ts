import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect, createServer, type AddressInfo } from 'node:net';
import { loadSettings, type Settings } from '../../src/settings.js';
import { startTlsListeners, type TlsListeners } from '../../src/server/tls/tls-listeners.js';
import type { Store } from '../../src/store/store.js';
import { startServer, tempDir, type TestServer } from './server.js';

// Helpers for HTTPS, the local CA and the forward proxy: reusable by any test that runs a
// client against `https://{subdomain}.zendesk.com` (push clients, ZIS setup scripts).

/** The vendor's base domain the tests answer as. */
export const vendorDomain = 'zendesk.com';

/** The in-process app with HTTPS and the forward proxy beside its HTTP port, and the CA to trust. */
export interface TlsTestServer extends TestServer {
  tls: TlsListeners;
  httpsPort: number;
  proxyUrl: string;
  /** The local CA's certificate file (in a temp data folder) and its text. */
  caPath: string;
  caPem: string;
  dataDir: string;
  settings: Settings;
}

/**
 * `startServer` with `SWITCHBOARD_BASE_DOMAIN=zendesk.com`, TLS on (the local CA in a temp
 * data folder) and the forward proxy, all on free loopback ports.
 */
export async function startTlsServer(
  store: Store,
  options: { settings?: Partial<Settings>; tls?: Partial<Settings['tls']> } = {},
): Promise<TlsTestServer> {
  const dir = tempDir();
  const base = loadSettings({});
  const settings: Settings = {
    ...base,
    baseDomain: vendorDomain,
    dataDir: dir.path,
    ...options.settings,
    tls: { ...base.tls, enabled: true, httpsPort: 0, proxyPort: 0, ...options.tls },
  };
  const server = await startServer(store, { settings });
  const tls = await startTlsListeners(server.app, settings);
  const caPath = tls.caCertPath!;
  return {
    ...server,
    tls,
    httpsPort: tls.httpsPort,
    proxyUrl: tls.proxyUrl!,
    caPath,
    caPem: readFileSync(caPath, 'utf8'),
    dataDir: dir.path,
    settings,
    close: async () => {
      await Promise.all([tls.close(), server.close()]);
      dir.remove();
    },
  };
}

/** One HTTPS request to 127.0.0.1:`port` as `host` (SNI and Host), trusting only `ca`. */
export function requestAs(
  host: string,
  port: number,
  ca: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; text: string; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        servername: host,
        ca,
        path,
        method: options.method ?? 'GET',
        headers: { host, ...options.headers },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode!, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends `CONNECT target` to the proxy and reads its answer (the connection is closed after). */
export function proxyConnect(proxyUrl: string, target: string): Promise<{ status: number; raw: string }> {
  const { hostname, port } = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let raw = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
    socket.on('data', (chunk) => {
      raw += chunk;
      // A tunnel stays open after its 200: the status line is all there is to read.
      if (/^HTTP\/1\.1 200 /.test(raw) && raw.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0), raw }));
  });
}

/** A TCP listener that accepts and records connections: proof of whether anything was dialled. */
export async function recordingListener(): Promise<{
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Runs a program to completion (no shell), with extra environment. */
export function runProgram(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Debian's Python, not whichever `python3` is first on PATH: the one python3-requests installs into. */
export const debianPython = '/usr/bin/python3';

/**
 * Why Python with `requests` cannot run here, or undefined when it can. In CI (CI=true) a
 * missing package is a failure, not a skip: `.ci/run` installs python3-requests.
 */
export function pythonRequestsMissing(): string | undefined {
  const probe = spawnSync(debianPython, ['-c', 'import requests'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const reason = `${debianPython} cannot import requests (apt-get install python3-requests): ${probe.stderr || probe.error?.message}`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.warn(`\n*** SKIPPED: ${reason} ***\n`);
  return reason;
}
