// How stale PostgreSQL's opt-in read cache (`SWITCHBOARD_POSTGRES_READ_CACHE=on`) reads.
// Run: npm run build && node --import tsx bench/read-cache-staleness.ts [--quick]
//
// Two `serve` processes on one PostgreSQL schema: A with the cache on, B with it off. Each
// round PATCHes one config through B and then reads it through A as fast as one client can,
// until A answers the new value: the lag from B's answer to A's first new answer is what a
// client of A can see of B's write (the change notification's delay, plus one read). The
// baseline beside it: the same, reading through B itself (no cache: the new value at once,
// so its lag is one read's round trip).
import { randomBytes } from 'node:crypto';
import { describeMachine } from './machine.js';
import { killStartedProcesses, startSwitchboard, type RunningServer } from './processes.js';
import { configsPath } from './dataset.js';
import { seedPostgres } from './seed-postgres.js';

const quick = process.argv.includes('--quick');
const rounds = quick ? 50 : 300;
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Milliseconds from B's PATCH answer to the first read through `reader` that shows it. */
async function lags(reader: RunningServer, writer: RunningServer, token: string): Promise<number[]> {
  const url = `${configsPath}/staleness`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const created = await fetch(writer.origin + configsPath, {
    method: 'POST',
    headers,
    body: JSON.stringify({ scope: 'staleness', config: { n: 0 } }),
  });
  // 422: made by the round before.
  if (created.status !== 201 && created.status !== 422)
    throw new Error(`create: ${created.status} ${await created.text()}`);
  const seen: number[] = [];
  for (let n = 1; n <= rounds; n++) {
    // The reader has the old value rendered and kept before the write.
    await fetch(reader.origin + url, { headers });
    const patched = await fetch(writer.origin + url, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ config: { n } }),
    });
    if (patched.status !== 200) throw new Error(`PATCH: ${patched.status}`);
    const answered = performance.now();
    for (;;) {
      const read = (await (await fetch(reader.origin + url, { headers })).json()) as {
        config: { config: { n: number } };
      };
      if (read.config.config.n === n) break;
      if (performance.now() - answered > 10_000) throw new Error(`round ${n}: not seen within 10 s`);
    }
    seen.push(performance.now() - answered);
  }
  return seen;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (value: number) => value.toFixed(2);

process.on('SIGINT', () => {
  killStartedProcesses();
  process.exit(130);
});

const seeded = await seedPostgres(postgresUrl, `sb_bench_staleness_${randomBytes(4).toString('hex')}`, 0);
try {
  const a = await startSwitchboard(seeded.databaseUrl(), { SWITCHBOARD_POSTGRES_READ_CACHE: 'on' });
  const b = await startSwitchboard(seeded.databaseUrl(), { SWITCHBOARD_POSTGRES_READ_CACHE: 'off' });
  try {
    const rows = [
      ['through A, read cache on (B → A)', await lags(a, b, seeded.token)],
      ['baseline: through B, no cache (B → B)', await lags(b, b, seeded.token)],
    ] as const;
    const machine = describeMachine();
    console.log(
      `\n### PostgreSQL read cache: staleness of another node's write, ${rounds} rounds ` +
        `(${machine.cpus} cores, ${machine.cpuModel}, Node ${machine.node})\n`,
    );
    console.log('| reader | p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|');
    for (const [name, values] of rows) {
      console.log(
        `| ${name} | ${ms(percentile(values, 50))} | ${ms(percentile(values, 99))} | ${ms(Math.max(...values))} |`,
      );
    }
    console.log(
      '\nFrom the PATCH answer through B to the first read that shows it. The baseline is one read round trip.',
    );
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
} finally {
  await seeded.drop();
  killStartedProcesses();
}
