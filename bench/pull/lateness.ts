// Lateness: instances on the 2-minute interval in steady state; how late each pull starts.
import type { PullRow } from './databases.js';
import { startSwitchboard, type RunningProcess } from './processes.js';
import type { LatenessResult } from './pull-report.js';
import { percentile, round } from './stats.js';
import { dropDatabase, log, options, prepare, quiet, schedulerEnv, sleep } from './bench-context.js';

export async function measureLateness(
  engine: 'sqlite' | 'postgres',
  nodeCount: number,
  concurrency: number,
  integration: RunningProcess,
): Promise<LatenessResult> {
  const count = options.latenessInstances;
  const windowMs = options.latenessWindowSeconds * 1000;
  log(
    `\nlateness: ${count} instances on a ${options.intervalMs / 1000} s interval, ${engine}, ${nodeCount} node(s), ` +
      `window ${options.latenessWindowSeconds} s, concurrency ${concurrency}`,
  );
  const prepared = await prepare(engine, integration);
  const { db } = prepared;
  try {
    await quiet();
    // Due times spread evenly over one interval from the window's start (a little ahead,
    // for the server to start), assigned to instances in a shuffled order.
    const slots = Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * options.intervalMs) / count));
    for (let i = slots.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [slots[i], slots[j]] = [slots[j]!, slots[i]!];
    }
    const windowStart = Date.now() + 6000;
    const dueAt = slots.map((offset) => windowStart + offset);
    const ids = await db.insertInstances(prepared.accountId, prepared.integrationId, dueAt);
    const dueOf = new Map(ids.map((id, n) => [id, dueAt[n]!]));
    const nodes = await Promise.all(
      Array.from({ length: nodeCount }, () => startSwitchboard(db.url, schedulerEnv(concurrency, options.intervalMs))),
    );
    if (Date.now() > windowStart) log(`  (the server started ${Date.now() - windowStart} ms after the window began)`);
    let cpuSeconds: number;
    try {
      await sleep(Math.max(0, windowStart - Date.now()));
      const cpuBefore = nodes.map((node) => node.cpuSeconds());
      await sleep(windowMs + options.graceMs);
      cpuSeconds = nodes.reduce((sum, node, i) => sum + node.cpuSeconds() - cpuBefore[i]!, 0);
    } finally {
      await Promise.all(nodes.map((node) => node.stop()));
    }
    const warnings = nodes.map((node) => node.stderr().trim()).filter(Boolean);
    if (warnings.length > 0) log(`  server stderr: ${warnings.join('\n').slice(0, 2000)}`);
    const windowEnd = windowStart + windowMs;
    const rows = await db.pulls();
    const byInstance = new Map<number, PullRow[]>();
    for (const row of rows) byInstance.set(row.instanceId, [...(byInstance.get(row.instanceId) ?? []), row]);
    const dueIds = ids.filter((id) => dueOf.get(id)! >= windowStart && dueOf.get(id)! <= windowEnd);
    const lateness: number[] = [];
    let pulledInWindow = 0;
    for (const id of dueIds) {
      const first = byInstance.get(id)?.[0];
      if (!first) continue;
      lateness.push(first.startedAt - dueOf.get(id)!);
      if (first.startedAt <= windowEnd) pulledInWindow++;
    }
    let pulledTooSoon = 0;
    let pulledTwiceInWindow = 0;
    for (const list of byInstance.values()) {
      const inWindow = list.filter((row) => row.startedAt <= windowEnd);
      if (inWindow.length > 1) pulledTwiceInWindow++;
      for (let k = 1; k < list.length; k++) {
        if (list[k]!.startedAt - list[k - 1]!.startedAt < options.intervalMs * 0.9) pulledTooSoon++;
      }
    }
    lateness.sort((a, b) => a - b);
    const result: LatenessResult = {
      engine,
      nodes: nodeCount,
      instances: count,
      intervalMs: options.intervalMs,
      windowSeconds: options.latenessWindowSeconds,
      concurrency,
      dueInWindow: dueIds.length,
      pulledOfDue: lateness.length,
      pulledInWindowFraction: round(pulledInWindow / dueIds.length, 4),
      pulledFraction: round(lateness.length / dueIds.length, 4),
      pulledTooSoon,
      pulledTwiceInWindow,
      failedPulls: rows.filter((row) => row.outcome !== 'ok').length,
      latenessMs: {
        p50: percentile(lateness, 50),
        p90: percentile(lateness, 90),
        p99: percentile(lateness, 99),
        max: lateness.at(-1) ?? NaN,
        mean: round(lateness.reduce((a, b) => a + b, 0) / lateness.length),
      },
      laterThanOneSecond: lateness.filter((ms) => ms > 1000).length,
      serverCores: round(cpuSeconds / ((windowMs + options.graceMs) / 1000), 3),
      serverCpuMicrosPerPull: round((cpuSeconds * 1e6) / Math.max(1, rows.length)),
    };
    log(
      `  ${result.pulledOfDue}/${result.dueInWindow} due instances pulled (${round(result.pulledInWindowFraction * 100, 2)}% ` +
        `within the window); lateness p50 ${result.latenessMs.p50} ms, p99 ${result.latenessMs.p99} ms, max ` +
        `${result.latenessMs.max} ms; ${result.laterThanOneSecond} over 1 s late; ${result.pulledTooSoon} pulled too soon, ` +
        `${result.pulledTwiceInWindow} twice in the window, ${result.failedPulls} failed; server ${result.serverCores} cores, ` +
        `${result.serverCpuMicrosPerPull} µs CPU/pull`,
    );
    return result;
  } finally {
    await dropDatabase(db);
  }
}
