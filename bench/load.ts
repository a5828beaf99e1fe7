/**
 * The load generator, run as its own process on its own core: reads a LoadSpec as JSON on
 * stdin, runs autocannon for the warm-up (discarded) and then the measured run. On stdout
 * it prints `measure-start` and `measure-end` around the measured run (so the caller can
 * read the server's CPU time there), then a LoadResult as JSON.
 */
import autocannon, { type Request, type Result } from 'autocannon';
import { text } from 'node:stream/consumers';

export interface LoadSpec {
  /** Origin of the server under test, e.g. http://127.0.0.1:40123. */
  origin: string;
  method: 'GET' | 'PATCH' | 'POST';
  /** Request paths, taken in turn (see requestsFor). */
  paths: string[];
  /** POST: one JSON body per path (a peer's API: etcd's range and put). */
  bodies?: string[];
  /** Bearer token; empty sends no Authorization header. */
  token: string;
  /** PATCH: a bearer token per path, in place of `token` (paths of several accounts). */
  tokens?: string[];
  /** The whole Authorization header, when not `Bearer {token}` (admin basic auth). */
  authorization?: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  requests: number;
  /** Milliseconds, from every response's own time (fractional). */
  latency: { p50: number; p90: number; p99: number; mean: number; max: number };
  /** autocannon's own figures, which it records in whole milliseconds (truncated). */
  autocannonLatency: { p50: number; p99: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationSeconds: number;
  /** CPU the load generator used in the measured run, in cores (1 = its whole core: it may be the bottleneck). */
  loadGeneratorCores: number;
}

/**
 * GETs: one prebuilt request per path, which each connection sends in turn. Prebuilt
 * requests cost the load generator least, and it needs every cycle it has: on two cores
 * it, not the raw baseline, is what runs out first.
 * PATCHes: built per request, so that each merges a new value (into one of sixteen keys,
 * so configs stay small); the server's write costs far more than building the request.
 */
function requestsFor(spec: LoadSpec): Request[] {
  // No token: no Authorization header (a peer's API without authentication refuses an empty one).
  const authorization = spec.authorization ?? (spec.token ? `Bearer ${spec.token}` : undefined);
  const headers: Record<string, string> = authorization ? { authorization } : {};
  if (spec.method === 'GET') return spec.paths.map((path) => ({ method: 'GET', path, headers }));
  if (spec.method === 'POST') {
    headers['content-type'] = 'application/json';
    return spec.paths.map((path, i) => ({ method: 'POST', path, headers, body: spec.bodies![i] }));
  }

  headers['content-type'] = 'application/json';
  let sent = 0;
  return [
    {
      method: 'PATCH',
      path: spec.paths[0],
      headers,
      setupRequest: (request) => {
        const n = sent++;
        request.path = spec.paths[n % spec.paths.length];
        if (spec.tokens)
          request.headers = { ...headers, authorization: `Bearer ${spec.tokens[n % spec.tokens.length]}` };
        request.body = JSON.stringify({ config: { [`k${n % 16}`]: n } });
        return request;
      },
    },
  ];
}

/**
 * autocannon's histogram keeps whole milliseconds, too coarse when a request takes 1–3 ms,
 * so every response time is also kept here, as measured.
 */
async function run(spec: LoadSpec, seconds: number): Promise<{ result: Result; latencies: Float64Array }> {
  const latencies: number[] = [];
  const instance = autocannon({
    url: spec.origin,
    connections: spec.connections,
    duration: seconds,
    requests: requestsFor(spec),
  });
  instance.on('response', (_client, _status, _bytes, responseTimeMs) => latencies.push(responseTimeMs));
  const result = await instance;
  return { result, latencies: Float64Array.from(latencies).sort() };
}

/** The smallest latency at least `fraction` of the responses were as fast as. */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

const spec = JSON.parse(await text(process.stdin)) as LoadSpec;
if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds);
process.stdout.write('measure-start\n');
const cpuBefore = process.cpuUsage();
const { result, latencies } = await run(spec, spec.durationSeconds);
const cpuUsed = process.cpuUsage(cpuBefore);
process.stdout.write('measure-end\n');

const output: LoadResult = {
  requestsPerSecond: result.requests.average,
  requests: result.requests.total,
  latency: {
    p50: round3(percentile(latencies, 0.5)),
    p90: round3(percentile(latencies, 0.9)),
    p99: round3(percentile(latencies, 0.99)),
    mean: round3(latencies.reduce((sum, value) => sum + value, 0) / latencies.length),
    max: round3(latencies.at(-1) ?? NaN),
  },
  autocannonLatency: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.mean },
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
  durationSeconds: result.duration,
  loadGeneratorCores: round3((cpuUsed.user + cpuUsed.system) / 1e6 / result.duration),
};
process.stdout.write(JSON.stringify(output) + '\n');
