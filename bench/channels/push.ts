/**
 * Push API benchmark: a real `switchboard serve` on SQLite (synchronous=FULL) takes pushes
 * of 256 resources and of 1 resource per request, each beside a raw node:http server that
 * answers the same response bytes, in the same run. Server and baseline are pinned to
 * core 0, the load generator (push-load.ts) to core 1. Prints a markdown table.
 *
 *   node --import tsx bench/channels/push.ts
 *
 * Knobs: BENCH_PUSH_SECONDS (measured seconds per row, default 8), BENCH_PUSH_WARMUP
 * (seconds, default 2). Goal: one push of 256 resources under 100 ms p50 on SQLite.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, numberFromEnv, waitForQuietMachine } from '../machine.js';
import {
  killStartedProcesses,
  loadCpu,
  runJsonScript,
  startRawServer,
  startSwitchboard,
  type RunningServer,
} from '../processes.js';
import { percentile, round } from '../pull/stats.js';
import { generateSecret, hashSecret } from '../../src/security/secrets.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { PushLoadResult, PushLoadSpec } from './push-load.js';

const seconds = numberFromEnv('BENCH_PUSH_SECONDS', 8);
const warmupSeconds = numberFromEnv('BENCH_PUSH_WARMUP', 2);

interface Row {
  server: string;
  perRequest: number;
  connections: number;
  result: PushLoadResult;
  cpuMsPerRequest: number;
}

/** An account, a push-only integration and one instance, written before `serve` starts. */
async function seed(path: string): Promise<{ token: string; instancePushId: string }> {
  const store = new SqliteStore(path);
  await store.migrate();
  const now = Date.now();
  const account = await store.createAccount({
    id: 1,
    subdomain: 'bench',
    adminEmail: 'bench@example.com',
    adminTokenHash: hashSecret(generateSecret()),
    nowSeconds: Math.floor(now / 1000),
  });
  if (account === 'exists') throw new Error('the benchmark database is not fresh');
  const integration = await store.channels.createIntegration({
    accountId: account.id,
    remoteId: 'com.example.bench-push',
    name: 'Bench push',
    manifestUrl: 'http://127.0.0.1:9/manifest.json',
    manifestJson: JSON.stringify({
      name: 'Bench push',
      id: 'com.example.bench-push',
      push_client_id: 'bench',
      urls: { admin_ui: { href: 'http://127.0.0.1:9/admin_ui' } },
    }),
    nowMs: now,
  });
  const token = generateSecret('sbpt_');
  const instancePushId = randomUUID();
  await store.channels.createInstance({
    accountId: account.id,
    integrationId: integration.id,
    name: 'Bench',
    metadata: '',
    state: '',
    instancePushId,
    pushTokenHash: hashSecret(token),
    nowMs: now,
  });
  await store.close();
  return { token, instancePushId };
}

function runPushLoad(spec: PushLoadSpec): Promise<PushLoadResult> {
  return runJsonScript<PushLoadResult>(loadCpu, 'bench/channels/push-load.ts', spec);
}

/** One real push's answer, for the raw server to repeat byte for byte. */
async function capture(origin: string, token: string, instancePushId: string, perRequest: number) {
  const response = await fetch(`${origin}/api/v2/any_channel/push`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      instance_push_id: instancePushId,
      external_resources: Array.from({ length: perRequest }, (_, i) => ({
        external_id: `capture-${perRequest}-${i}`,
        message: 'capture',
        created_at: '2024-01-01T12:00:00Z',
        author: { external_id: 'c' },
      })),
    }),
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`capture push answered ${response.status}: ${body}`);
  return { status: 200, contentType: response.headers.get('content-type')!, bodyBase64: body.toString('base64') };
}

async function measure(
  name: string,
  server: RunningServer,
  spec: Omit<PushLoadSpec, 'origin' | 'runId' | 'seconds' | 'warmupSeconds'>,
): Promise<Row> {
  await waitForQuietMachine(10);
  const cpuBefore = server.cpuSeconds();
  const result = await runPushLoad({ ...spec, origin: server.origin, runId: randomUUID(), seconds, warmupSeconds });
  const cpuSeconds = server.cpuSeconds() - cpuBefore;
  // The warm-up's CPU is included; per request over both phases' requests would need the warm-up count, so
  // this is an upper bound scaled by the measured share of time.
  const share = seconds / (seconds + warmupSeconds);
  const cpuMsPerRequest = result.requests > 0 ? (cpuSeconds * share * 1000) / result.requests : NaN;
  return { server: name, perRequest: spec.perRequest, connections: spec.connections, result, cpuMsPerRequest };
}

function table(rows: Row[]): string {
  const lines = [
    '| server | resources/request | connections | p50 ms | p99 ms | requests/s | resources/s | server CPU ms/request | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { server, perRequest, connections, result, cpuMsPerRequest } of rows) {
    const perSecond = result.requests / result.elapsedSeconds;
    lines.push(
      `| ${server} | ${perRequest} | ${connections} | ${round(percentile(result.latenciesMs, 50), 2)} | ` +
        `${round(percentile(result.latenciesMs, 99), 2)} | ${round(perSecond)} | ${round(perSecond * perRequest)} | ` +
        `${round(cpuMsPerRequest, 2)} | ${result.errors} |`,
    );
  }
  return lines.join('\n');
}

process.once('SIGINT', () => {
  killStartedProcesses();
  process.exit(130);
});

const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-push-'));
const started: RunningServer[] = [];
try {
  const path = join(dir, 'switchboard.db');
  const { token, instancePushId } = await seed(path);
  const switchboard = await startSwitchboard(`sqlite:${path}`, { SWITCHBOARD_PULL_SCHEDULER: 'off' });
  started.push(switchboard);
  const rows: Row[] = [];
  for (const perRequest of [256, 1]) {
    const raw = await startRawServer(await capture(switchboard.origin, token, instancePushId, perRequest));
    started.push(raw);
    for (const connections of [1, 8]) {
      const spec = { token, instancePushId, perRequest, connections };
      rows.push(await measure('switchboard (SQLite, FULL)', switchboard, spec));
      rows.push(await measure('raw node:http', raw, spec));
    }
    await raw.stop();
  }
  const machine = describeMachine();
  console.log(
    `Push API, ${seconds} s per row after ${warmupSeconds} s warm-up; ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`,
  );
  console.log('');
  console.log(table(rows));
  const goal = rows.find((r) => r.server.startsWith('switchboard') && r.perRequest === 256 && r.connections === 1)!;
  const p50 = percentile(goal.result.latenciesMs, 50);
  console.log('');
  console.log(
    `Goal: one push of 256 resources under 100 ms p50 on SQLite: ${round(p50, 2)} ms, ${p50 < 100 ? 'met' : 'NOT met'}.`,
  );
} finally {
  for (const server of started) await server.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
