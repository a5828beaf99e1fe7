import type { LoadResult, LoadSpec } from './load.js';
import { runLoad, type RunningServer } from './processes.js';

/** One or more loads run at once against one server, with the server's cost beside them. */
export interface LoadsMeasurement {
  /** One per load, in the order given. */
  loads: LoadResult[];
  /** Server CPU over the measured runs, per request of all loads together. */
  serverCpuMicrosPerRequest: number;
  /** Server resident memory at the end of the measured runs. */
  serverRssMegabytes: number;
}

/**
 * Runs every spec's load generator at once (each its own process, on the load core) and
 * measures the server's CPU from the first measured start to the last measured end.
 */
export async function measureLoads(
  server: RunningServer,
  specs: Omit<LoadSpec, 'origin'>[],
): Promise<LoadsMeasurement> {
  let started = 0;
  let ended = 0;
  let cpuAtStart = 0;
  let cpuAtEnd = 0;
  let rss = NaN;
  const loads = await Promise.all(
    specs.map((spec) =>
      runLoad({ origin: server.origin, ...spec }, (phase) => {
        if (phase === 'measure-start' && started++ === 0) cpuAtStart = server.cpuSeconds();
        if (phase === 'measure-end' && ++ended === specs.length) {
          cpuAtEnd = server.cpuSeconds();
          rss = server.memory().rssMb;
        }
      }),
    ),
  );
  const requests = loads.reduce((sum, load) => sum + load.requests, 0);
  return {
    loads,
    serverCpuMicrosPerRequest: Math.round(((cpuAtEnd - cpuAtStart) * 1e6) / Math.max(1, requests)),
    serverRssMegabytes: rss,
  };
}

/** `1234 req/s, p50 0.81 ms, p99 3.20 ms` and the failures, if any. */
export function loadSummary(load: LoadResult): string {
  const failures = load.non2xx + load.errors + load.timeouts;
  return (
    `${Math.round(load.requestsPerSecond)} req/s, p50 ${load.latency.p50.toFixed(2)} ms, p99 ${load.latency.p99.toFixed(2)} ms` +
    (failures > 0 ? `, ${load.non2xx} non-2xx, ${load.errors} errors, ${load.timeouts} timeouts` : '')
  );
}

/** ` (N of M requests failed: INVALID)` when any failed, for a table cell; empty otherwise. */
export function failed(load: LoadResult): string {
  const failures = load.non2xx + load.errors + load.timeouts;
  return failures > 0 ? ` (${failures} of ${load.requests} requests failed: INVALID)` : '';
}
