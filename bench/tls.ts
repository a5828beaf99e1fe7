/**
 * `node --import tsx bench/tls.ts`: what HTTPS and the forward proxy cost on a config read,
 * in one run beside plain HTTP. `switchboard serve` (SQLite, TLS on, the proxy on) is
 * pinned to core 0; this process, the client, pins itself to core 1. The same Node client
 * drives every row (closed loop, BENCH_TLS_CONNECTIONS connections, keep-alive unless the
 * row says otherwise), so the rows compare with each other, not with autocannon's figures.
 *
 *   BENCH_DURATION         seconds measured per row (default 3), after 1 s of warm-up
 *   BENCH_TLS_CONNECTIONS  concurrent connections (default 16)
 *   BENCH_ROUNDS           rounds; the rows take turns in each, and each row keeps its best (default 3)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { numberFromEnv } from './machine.js';
import { killStartedProcesses, loadCpu, serverCpu, spawnPinned } from './processes.js';

const durationMs = numberFromEnv('BENCH_DURATION', 3) * 1000;
const connections = numberFromEnv('BENCH_TLS_CONNECTIONS', 16);
const rounds = numberFromEnv('BENCH_ROUNDS', 3);
const path = '/api/services/zis/integrations/my_integration/configs/bench';

execFileSync('taskset', ['-pc', String(loadCpu), String(process.pid)], { stdio: 'ignore' });
const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-tls-'));
process.on('exit', () => {
  killStartedProcesses();
  rmSync(dataDir, { recursive: true, force: true });
});

const serve = spawnPinned(serverCpu, ['bin/switchboard.js', 'serve', '--port', '0'], {
  SWITCHBOARD_DATA_DIR: dataDir,
  DATABASE_URL: `sqlite:${join(dataDir, 'bench.db')}`,
  SWITCHBOARD_TLS: 'on',
  SWITCHBOARD_HTTPS_PORT: '0',
  SWITCHBOARD_PROXY_PORT: '0',
  SWITCHBOARD_BASE_DOMAIN: 'zendesk.com',
  SWITCHBOARD_PULL_SCHEDULER: 'off',
  LOG_LEVEL: 'warn',
});
const ports = await new Promise<{ http: number; https: number; proxy: number }>((resolve, reject) => {
  let out = '';
  serve.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    const http = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
    const https = /HTTPS on https:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
    const proxy = /host names on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
    if (http && https && proxy && out.includes('Console:')) {
      resolve({ http: Number(http), https: Number(https), proxy: Number(proxy) });
    }
  });
  serve.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
});
const credentials = JSON.parse(readFileSync(join(dataDir, 'dev-credentials.json'), 'utf8')) as { access_token: string };
const ca = readFileSync(join(dataDir, 'tls', 'ca.pem'));
const authorization = `Bearer ${credentials.access_token}`;

const created = await fetch(`http://127.0.0.1:${ports.http}/api/services/zis/integrations/my_integration/configs`, {
  method: 'POST',
  headers: { authorization, 'content-type': 'application/json' },
  body: JSON.stringify({ scope: 'bench', config: { enabled: true, tags: ['a', 'b'], since: '2024-01-01' } }),
});
if (created.status !== 201) throw new Error(`could not create the config: ${created.status}`);

/** One GET; resolves with its status once the body is read. */
function get(send: typeof httpRequest, options: RequestOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = send(options, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A CONNECT tunnel through the proxy, then TLS inside it: what HTTPS_PROXY clients do. */
class ProxyAgent extends HttpsAgent {
  override createConnection(
    _options: RequestOptions,
    done?: (error: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const callback = (error: Error | null, socket?: Duplex) => done!(error, socket!);
    const raw = netConnect(ports.proxy, '127.0.0.1');
    raw.once('connect', () => raw.write('CONNECT dev.zendesk.com:443 HTTP/1.1\r\nHost: dev.zendesk.com:443\r\n\r\n'));
    raw.once('data', (chunk: Buffer) => {
      if (!chunk.toString('latin1').startsWith('HTTP/1.1 200')) return callback(new Error('CONNECT refused'));
      const secure = tlsConnect({ socket: raw, servername: 'dev.zendesk.com', ca, ALPNProtocols: ['http/1.1'] });
      secure.once('secureConnect', () => callback(null, secure));
      secure.once('error', callback);
    });
    raw.once('error', callback);
    return undefined;
  }
}

interface Row {
  name: string;
  send: typeof httpRequest;
  options: () => RequestOptions;
}

const keepAlive = { keepAlive: true, maxSockets: connections };
const httpAgent = new HttpAgent(keepAlive);
const httpsAgent = new HttpsAgent({ ...keepAlive, ca });
const proxyAgent = new ProxyAgent({ ...keepAlive, ca });
const rows: Row[] = [
  {
    name: 'HTTP, keep-alive (fast lane)',
    send: httpRequest,
    options: () => ({ port: ports.http, host: '127.0.0.1', path, headers: { authorization }, agent: httpAgent }),
  },
  {
    name: 'HTTPS, keep-alive (fast lane)',
    send: httpsRequest,
    options: () => ({ port: ports.https, host: '127.0.0.1', path, headers: { authorization }, agent: httpsAgent }),
  },
  {
    name: 'HTTPS, a new TLS connection per request',
    send: httpsRequest,
    options: () => ({
      port: ports.https,
      host: '127.0.0.1',
      path,
      headers: { authorization, connection: 'close' },
      agent: false,
      ca,
    }),
  },
  {
    name: 'HTTP, Host dev.zendesk.com, keep-alive',
    send: httpRequest,
    options: () => ({
      port: ports.http,
      host: '127.0.0.1',
      path,
      headers: { authorization, host: 'dev.zendesk.com' },
      agent: httpAgent,
    }),
  },
  {
    name: 'HTTPS, Host dev.zendesk.com, keep-alive',
    send: httpsRequest,
    options: () => ({
      port: ports.https,
      host: '127.0.0.1',
      servername: 'dev.zendesk.com',
      path,
      headers: { authorization, host: 'dev.zendesk.com' },
      agent: httpsAgent,
    }),
  },
  {
    name: 'Through the proxy (CONNECT dev.zendesk.com:443), keep-alive',
    send: httpsRequest,
    options: () => ({ host: 'dev.zendesk.com', path, headers: { authorization }, agent: proxyAgent }),
  },
];

/** Closed loop: `connections` workers, each sending the next request when its last is answered. */
async function measure(row: Row, ms: number): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < end) {
      const start = performance.now();
      try {
        if ((await get(row.send, row.options())) !== 200) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0;
  return { rps: latencies.length / (ms / 1000), p50: at(0.5), p99: at(0.99), errors };
}

const lines = [
  `Config read (one config, SQLite), ${connections} connections, best of ${rounds} rounds of ${durationMs / 1000} s per row; server on core ${serverCpu}, client on core ${loadCpu}`,
  '',
  '| Path | req/s | p50 ms | p99 ms | errors |',
  '| --- | ---: | ---: | ---: | ---: |',
];
// Rows take turns, round after round, and each keeps its best round: on a shared machine the
// load moves during the run, and taking turns exposes every row to it alike.
const best = new Map<Row, Awaited<ReturnType<typeof measure>>>();
for (let round = 0; round < rounds; round++) {
  for (const row of rows) {
    await measure(row, 1000); // warm-up: connections made, JIT warm
    const result = await measure(row, durationMs);
    const kept = best.get(row);
    if (!kept || result.rps > kept.rps) best.set(row, result);
  }
}
for (const row of rows) {
  const result = best.get(row)!;
  lines.push(
    `| ${row.name} | ${Math.round(result.rps)} | ${result.p50.toFixed(2)} | ${result.p99.toFixed(2)} | ${result.errors} |`,
  );
}
for (const agent of [httpAgent, httpsAgent, proxyAgent]) agent.destroy();
process.stdout.write(lines.join('\n') + '\n');
serve.kill('SIGTERM');
process.exit(0);
