/**
 * What the per-account revision counter costs: concurrent durable config writes through
 * the store itself (no HTTP), on many scopes of ONE account (every write takes that
 * account's counter row, so their commits take turns) beside the same writes spread over
 * MANY accounts (one counter each), with history on and off; and the writes of one account
 * spread over 10,000 scopes, where each revision's place in a per-scope index is a page of
 * its own. Beside CPU, the bytes the process wrote per write (WAL and checkpoints, from
 * /proc/self/io on Linux): a figure the machine's load does not move. Run by run-history.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';

export interface ContentionSpec {
  engine: 'sqlite' | 'postgres';
  /** PostgreSQL: a URL whose search_path is a fresh schema. */
  postgresUrl?: string;
  /** Writer i: scope i of one account; the one scope of account i + 1; or, on `many-scopes`, 10,000 scopes of one account in turn. */
  layout: 'one-account' | 'many-accounts' | 'many-scopes';
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
  /** Bytes this process wrote per write (`wchar` of /proc/self/io), undefined where there is no such file. */
  bytesPerWrite: number | undefined;
  rssMb: number;
}

/** Bytes this process has passed to write calls so far (Linux), or undefined. */
function bytesWritten(): number | undefined {
  if (!existsSync('/proc/self/io')) return undefined;
  const match = /^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  return match ? Number(match[1]) : undefined;
}

/** How many scopes `many-scopes` writes over. */
const manyScopes = 10_000;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

export async function measureContention(spec: ContentionSpec): Promise<ContentionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-history-bench-'));
  const url = spec.engine === 'sqlite' ? `sqlite:${join(dir, 'contention.db')}` : spec.postgresUrl!;
  const store: Store = await openStore(url, { synchronous: 'FULL', configHistory: spec.history });
  try {
    await store.migrate();
    const keyOf = (i: number) => ({ accountId: spec.layout === 'many-accounts' ? i + 1 : 1, integration: 'bench' });
    // On many-scopes, writer i's nth write goes to scope (i + n × writers) mod 10,000.
    const scopeOf = (i: number, n = 0) =>
      spec.layout === 'one-account'
        ? `scope-${i}`
        : spec.layout === 'many-scopes'
          ? `scope-${(i + n * spec.writers) % manyScopes}`
          : 'scope';
    const actor = { type: 'cli', id: 'bench' } as const;
    const seeds =
      spec.layout === 'many-scopes'
        ? Array.from({ length: manyScopes }, (_, s) => ({ key: keyOf(0), scope: `scope-${s}` }))
        : Array.from({ length: spec.writers }, (_, i) => ({ key: keyOf(i), scope: scopeOf(i) }));
    for (const { key, scope } of seeds) {
      await store.createConfig(key, { scope, configJson: '{"n":0}', nowSeconds: 1, actor });
    }
    const latencies: number[] = [];
    const deadline = performance.now() + spec.seconds * 1000;
    const cpuStart = process.cpuUsage();
    const bytesStart = bytesWritten();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: spec.writers }, async (_, i) => {
        let n = 0;
        while (performance.now() < deadline) {
          const t0 = performance.now();
          await store.updateConfig(keyOf(i), scopeOf(i, n), {
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
    const bytesEnd = bytesWritten();
    latencies.sort((a, b) => a - b);
    return {
      writesPerSecond: Math.round(latencies.length / elapsed),
      p50Ms: Math.round(percentile(latencies, 0.5) * 100) / 100,
      p99Ms: Math.round(percentile(latencies, 0.99) * 100) / 100,
      cpuMicrosPerWrite: Math.round((cpu.user + cpu.system) / latencies.length),
      bytesPerWrite:
        bytesStart === undefined || bytesEnd === undefined
          ? undefined
          : Math.round((bytesEnd - bytesStart) / latencies.length),
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
