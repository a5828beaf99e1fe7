// The change feed's load generator, run pinned to its own core by bench/changes/feed-latency.ts
// with a JSON spec on stdin: opens `watchers` SSE streams on `watchUrl`, then PATCHes one config
// `writes` times through `writeUrl`, `intervalMs` apart, and times each change's arrival at
// each watcher from the moment its PATCH was sent. Prints one JSON line: the result.
import { request, Agent, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { processCpuSeconds } from '../machine.js';
import { percentile, round } from '../pull/stats.js';

export interface WatchSpec {
  watchUrl: string;
  writeUrl: string;
  token: string;
  /** The servers whose RSS and CPU time are measured (the watched node first). */
  serverPids: number[];
  watchers: number;
  writes: number;
  intervalMs: number;
}

export interface WatchResult {
  watchers: number;
  writes: number;
  /** ms from a PATCH being sent to its change arriving, over every (write, watcher) pair. */
  latency: { p50: number; p99: number; max: number };
  /** ms from a PATCH's answer (the write durable) to its change arriving: the feed's own delay; negative when it came first. */
  afterAck: { p50: number; p99: number };
  /** ms from a PATCH being sent to its answer: the write's own cost, the baseline. */
  writeRoundTrip: { p50: number; p99: number };
  /** Changes that never arrived (should be 0), and arrived more than once (should be 0). */
  missing: number;
  repeated: number;
  /** The watched node's RSS growth from no watchers to all of them, idle, per watcher. */
  rssPerWatcherKb: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** Server CPU time per write (all servers), ms: the fan-out's cost. */
  serverCpuMsPerWrite: number;
}

const spec = JSON.parse(readFileSync(0, 'utf8')) as WatchSpec;
const scope = 'feed-bench';
const configsUrl = `${spec.writeUrl}/api/services/zis/integrations/bench_app/configs`;
const changesUrl = `${spec.watchUrl}/api/switchboard/v1/integrations/bench_app/changes?filter[scope]=${scope}`;
const auth = { authorization: `Bearer ${spec.token}` };

function rssKb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/\d+/.exec(line ?? '')?.[0] ?? NaN);
}

function send(method: string, url: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      { method, headers: { ...auth, ...(payload ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** One SSE stream: arrival times of raw chunks, parsed after the run so timing stays cheap. */
function openWatcher(agent: Agent, since: number): Promise<{ chunks: [number, string][]; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = request(`${changesUrl}&since=${since}`, { agent, headers: { ...auth, accept: 'text/event-stream' } });
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`watch answered ${res.statusCode}`));
      const chunks: [number, string][] = [];
      res.setEncoding('utf8').on('data', (chunk: string) => chunks.push([performance.now(), chunk]));
      resolve({ chunks, res });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The seq of every change event in a stream's chunks, with the arrival time of the chunk that completed it. */
function arrivals(chunks: [number, string][]): Map<number, number[]> {
  const seen = new Map<number, number[]>();
  let buffer = '';
  for (const [at, chunk] of chunks) {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame.split('\n').find((line) => line.startsWith('data: '));
      if (!data) continue;
      const seq = (JSON.parse(data.slice(6)) as { config: { seq: number } }).config.seq;
      seen.set(seq, [...(seen.get(seq) ?? []), at]);
    }
  }
  return seen;
}

// The config exists before any watcher connects; its creation is not measured.
const created = await send('POST', configsUrl, { scope, config: { seq: -1 } });
if (created.status !== 201 && created.status !== 422) throw new Error(`create answered ${created.status}`);
const since = (JSON.parse((await send('GET', `${changesUrl}`)).text) as { next_since: number }).next_since;

const rssBefore = rssKb(spec.serverPids[0]!);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const watchers: Awaited<ReturnType<typeof openWatcher>>[] = [];
for (let i = 0; i < spec.watchers; i += 50) {
  const batch = Math.min(50, spec.watchers - i);
  watchers.push(...(await Promise.all(Array.from({ length: batch }, () => openWatcher(agent, since)))));
}
// Idle streams settle (buffers, timers) before their memory is read.
await new Promise((resolve) => setTimeout(resolve, 2000));
const rssAfter = rssKb(spec.serverPids[0]!);

const cpuBefore = spec.serverPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
const sentAt: number[] = [];
const ackedAt: number[] = [];
const roundTrips: number[] = [];
for (let seq = 0; seq < spec.writes; seq++) {
  const began = performance.now();
  sentAt.push(began);
  const answer = await send('PATCH', `${configsUrl}/${scope}`, { config: { seq } });
  if (answer.status !== 200) throw new Error(`PATCH answered ${answer.status}: ${answer.text}`);
  ackedAt.push(performance.now());
  roundTrips.push(ackedAt[seq]! - began);
  await new Promise((resolve) => setTimeout(resolve, spec.intervalMs));
}
// The last change has time to reach every watcher.
await new Promise((resolve) => setTimeout(resolve, 2000));
const cpuAfter = spec.serverPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
for (const watcher of watchers) watcher.res.destroy();
agent.destroy();

const latencies: number[] = [];
const afterAck: number[] = [];
let missing = 0;
let repeated = 0;
for (const watcher of watchers) {
  const seen = arrivals(watcher.chunks);
  for (let seq = 0; seq < spec.writes; seq++) {
    const times = seen.get(seq);
    if (!times) missing++;
    else {
      if (times.length > 1) repeated++;
      latencies.push(times[0]! - sentAt[seq]!);
      afterAck.push(times[0]! - ackedAt[seq]!);
    }
  }
}
latencies.sort((a, b) => a - b);
afterAck.sort((a, b) => a - b);
roundTrips.sort((a, b) => a - b);
const result: WatchResult = {
  watchers: spec.watchers,
  writes: spec.writes,
  latency: {
    p50: round(percentile(latencies, 50), 1),
    p99: round(percentile(latencies, 99), 1),
    max: round(latencies.at(-1) ?? NaN, 1),
  },
  afterAck: { p50: round(percentile(afterAck, 50), 1), p99: round(percentile(afterAck, 99), 1) },
  writeRoundTrip: { p50: round(percentile(roundTrips, 50), 1), p99: round(percentile(roundTrips, 99), 1) },
  missing,
  repeated,
  rssPerWatcherKb: round((rssAfter - rssBefore) / spec.watchers, 1),
  rssBeforeMb: round(rssBefore / 1024, 1),
  rssAfterMb: round(rssAfter / 1024, 1),
  serverCpuMsPerWrite: round(((cpuAfter - cpuBefore) * 1000) / spec.writes, 2),
};
console.log(JSON.stringify(result));
