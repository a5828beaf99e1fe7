/**
 * The pull benchmark's baseline: the raw ceiling of pulling one local integration from one
 * core. `concurrency` loops POST the same form body Switchboard sends (with headers of the
 * same size) through an undici Agent configured like Switchboard's outbound client, `count`
 * times in all, and read each answer to its end. Nothing is validated or stored.
 *
 * Reads its spec as JSON on stdin; prints its result as one JSON line on stdout.
 * Run: `node --import tsx bench/pull/raw-pull-client.ts` (the benchmark pins it to core 0).
 */
import { Agent } from 'undici';
import { rates } from './stats.js';

export interface RawPullSpec {
  pullUrl: string;
  /** The form body, e.g. `metadata=…&state=`. */
  body: string;
  count: number;
  concurrency: number;
  /** Sockets per origin: Switchboard's outbound client keeps one per pull in flight. */
  connections: number;
}

export interface RawPullResult {
  requests: number;
  failures: number;
  seconds: number;
  perSecond: number;
  /** The rate between the 10th and the 90th percentile of completions (no warm-up, no tail). */
  steadyPerSecond: number;
  /** CPU time of the loop (user + system), seconds. */
  cpuSeconds: number;
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const spec = JSON.parse(input) as RawPullSpec;

const agent = new Agent({ connections: spec.connections, keepAliveTimeout: 10_000 });
const url = new URL(spec.pullUrl);
const headers = {
  'user-agent': 'Switchboard',
  'x-switchboard-request-id': '00000000-0000-4000-8000-000000000000',
  'content-type': 'application/x-www-form-urlencoded',
  // Same length as a real signature header: `t=<seconds>,v1=<64 hex>`.
  'x-switchboard-signature': `t=1700000000,v1=${'0'.repeat(64)}`,
};

let issued = 0;
let failures = 0;
const completions: number[] = [];
const started = performance.now();
const cpuAtStart = process.cpuUsage();

async function loop(): Promise<void> {
  while (issued < spec.count) {
    issued++;
    try {
      const response = await agent.request({
        origin: url.origin,
        path: url.pathname,
        method: 'POST',
        headers,
        body: spec.body,
      });
      await response.body.text();
      if (response.statusCode !== 200) failures++;
    } catch {
      failures++;
    }
    completions.push(performance.now());
  }
}

await Promise.all(Array.from({ length: spec.concurrency }, loop));
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
await agent.close();
const result: RawPullResult = {
  requests: completions.length,
  failures,
  seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  ...rates(completions.map((t) => t - started)),
};
process.stdout.write(JSON.stringify(result) + '\n');
