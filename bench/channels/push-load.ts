/**
 * The push benchmark's load generator, run on its own core: reads a spec as JSON on stdin,
 * keeps `connections` pushes in flight (each with new external ids, so every resource is
 * really stored) for a warm-up, then for `seconds`, and prints its figures as one JSON line.
 */
import { text } from 'node:stream/consumers';
import { Pool } from 'undici';

export interface PushLoadSpec {
  origin: string;
  token: string;
  instancePushId: string;
  perRequest: number;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** Distinguishes this run's external ids from every other run's. */
  runId: string;
}

export interface PushLoadResult {
  requests: number;
  errors: number;
  /** Milliseconds, sorted ascending. */
  latenciesMs: number[];
  elapsedSeconds: number;
}

const spec = JSON.parse(await text(process.stdin)) as PushLoadSpec;
const pool = new Pool(spec.origin, { connections: spec.connections, pipelining: 1 });
let sequence = 0;

function body(): string {
  const n = sequence++;
  const resources = Array.from({ length: spec.perRequest }, (_, i) => ({
    external_id: `${spec.runId}-${n}-${i}`,
    message: `Benchmark message ${n}.${i}: the quick brown fox jumps over the lazy dog.`,
    created_at: '2024-01-01T12:00:00Z',
    author: { external_id: `customer-${i % 10}`, name: `Customer ${i % 10}` },
    // Ten conversations per request: some resources open threads, the rest join them.
    thread_id: `${spec.runId}-${n}-thread-${i % 10}`,
  }));
  return JSON.stringify({
    instance_push_id: spec.instancePushId,
    request_id: `${spec.runId}-${n}`,
    external_resources: resources,
  });
}

async function pushOnce(): Promise<{ ms: number; ok: boolean }> {
  const payload = body();
  const started = performance.now();
  const response = await pool.request({
    path: '/api/v2/any_channel/push',
    method: 'POST',
    headers: { authorization: `Bearer ${spec.token}`, 'content-type': 'application/json' },
    body: payload,
  });
  await response.body.arrayBuffer();
  return { ms: performance.now() - started, ok: response.statusCode === 200 };
}

async function run(seconds: number): Promise<PushLoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: spec.connections }, async () => {
      while (performance.now() < deadline) {
        const { ms, ok } = await pushOnce();
        if (ok) latencies.push(ms);
        else errors++;
      }
    }),
  );
  return {
    requests: latencies.length,
    errors,
    latenciesMs: latencies.sort((a, b) => a - b),
    elapsedSeconds: (performance.now() - started) / 1000,
  };
}

await run(spec.warmupSeconds);
process.stdout.write('measure-start\n');
const result = await run(spec.seconds);
process.stdout.write('measure-end\n');
await pool.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
