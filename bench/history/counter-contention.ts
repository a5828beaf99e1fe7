/**
 * What the per-account revision counter costs: concurrent durable config writes through
 * the store itself (no HTTP), on many scopes of ONE account (every write takes that
 * account's counter row, so their commits take turns) beside the same writes spread over
 * MANY accounts (one counter each), with history on and off. Run by run-history.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';

export interface ContentionSpec {
  engine: 'sqlite' | 'postgres';
  /** PostgreSQL: a URL whose search_path is a fresh schema. */
  postgresUrl?: string;
  layout: 'one-account' | 'many-accounts';
  history: boolean;
  writers: number;
  seconds: number;
}

export interface ContentionResult {
  writesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Process CPU per write, µs (this process runs the store, so it is the server's share). */
  cpuMicrosPerWrite: number;
  rssMb: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

export async function measureContention(spec: ContentionSpec): Promise<ContentionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-history-bench-'));
  const url = spec.engine === 'sqlite' ? `sqlite:${join(dir, 'contention.db')}` : spec.postgresUrl!;
  const store: Store = await openStore(url, { synchronous: 'FULL', configHistory: spec.history });
  try {
    await store.migrate();
    // Writer i writes scope i of account 1, or the one scope of account i + 1.
    const keyOf = (i: number) => ({ accountId: spec.layout === 'one-account' ? 1 : i + 1, integration: 'bench' });
    const scopeOf = (i: number) => (spec.layout === 'one-account' ? `scope-${i}` : 'scope');
    const actor = { type: 'cli', id: 'bench' } as const;
    for (let i = 0; i < spec.writers; i++) {
      await store.createConfig(keyOf(i), { scope: scopeOf(i), configJson: '{"n":0}', nowSeconds: 1, actor });
    }
    const latencies: number[] = [];
    const deadline = performance.now() + spec.seconds * 1000;
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: spec.writers }, async (_, i) => {
        let n = 0;
        while (performance.now() < deadline) {
          const t0 = performance.now();
          await store.updateConfig(keyOf(i), scopeOf(i), {
            edit: { kind: 'replace', configJson: `{"n":${++n}}` },
            nowSeconds: 2,
            operation: 'merge',
            actor,
          });
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    latencies.sort((a, b) => a - b);
    return {
      writesPerSecond: Math.round(latencies.length / elapsed),
      p50Ms: Math.round(percentile(latencies, 0.5) * 100) / 100,
      p99Ms: Math.round(percentile(latencies, 0.99) * 100) / 100,
      cpuMicrosPerWrite: Math.round((cpu.user + cpu.system) / latencies.length),
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
