/**
 * `node --import tsx bench/encryption.ts [--quick]`: encryption at rest, on SQLite.
 *   1. Instance reads (GET /api/switchboard/v1/instances/{id}?include=metadata) per second,
 *      rate limiting on (the defaults), against two `serve` processes pinned to core 0 in
 *      turn: one over a database whose metadata and state are encrypted, one over the same
 *      dataset stored in plaintext ("off": values without the prefix are read as they are).
 *      The load generator runs on core 1.
 *   2. `switchboard keys rotate` of every instance to a new key while the encrypted server
 *      keeps serving reads: its time, and read p99 during it beside p99 before it.
 * Instances: 100 000 (2 000 with --quick).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount } from '../src/accounts/provision.js';
import { systemClock } from '../src/clock.js';
import { ValueCipher, type EncryptionKey } from '../src/store/encryption/value-cipher.js';
import { openStore } from '../src/store/open-store.js';
import { killStartedProcesses, runLoad, serverCpu, spawnPinned, startSwitchboard } from './processes.js';
import type { LoadResult } from './load.js';

const quick = process.argv.includes('--quick');
const instances = quick ? 2_000 : 100_000;
const duration = quick ? 3 : 8;
const warmup = quick ? 1 : 2;
const rounds = quick ? 1 : 2;
const connections = 16;

const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const pair = (k: EncryptionKey) => `${k.id}:${k.key.toString('base64')}`;

async function seed(path: string, cipher: ValueCipher): Promise<{ authorization: string; ids: number[] }> {
  const store = await openStore(`sqlite:${path}`, { cipher, synchronous: 'OFF' });
  await store.migrate();
  const created = await createAccount(store, systemClock, { subdomain: 'bench' });
  if (created === 'exists') throw new Error('account exists');
  const accountId = created.account.id;
  const integration = await store.channels.createIntegration({
    accountId,
    remoteId: 'com.example.bench',
    name: 'Bench',
    manifestUrl: 'https://example.com/manifest.json',
    manifestJson: JSON.stringify({ name: 'Bench', id: 'com.example.bench', urls: {} }),
    nowMs: 0,
  });
  const ids: number[] = [];
  for (let start = 0; start < instances; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, instances - start) }, (_, j) => {
      const n = start + j;
      return store.channels.createInstance({
        accountId,
        integrationId: integration.id,
        name: `instance ${n}`,
        metadata: JSON.stringify({ account: `shop-${n}`, token: randomBytes(24).toString('base64url') }),
        state: JSON.stringify({ cursor: n, since: '2024-01-01T00:00:00Z' }),
        instancePushId: `push-${n}`,
        pushTokenHash: randomBytes(32).toString('hex'),
        nowMs: 0,
      });
    });
    for (const instance of await Promise.all(batch)) ids.push(instance.id);
  }
  await store.close();
  const authorization = 'Basic ' + Buffer.from(`${created.adminEmail}/token:${created.apiToken}`).toString('base64');
  return { authorization, ids };
}

const paths = (ids: number[]) =>
  Array.from(
    { length: 1000 },
    (_, i) => `/api/switchboard/v1/instances/${ids[(i * 7919) % ids.length]}?include=metadata`,
  );

async function reads(origin: string, authorization: string, ids: number[], seconds = duration): Promise<LoadResult> {
  const result = await runLoad({
    origin,
    method: 'GET',
    paths: paths(ids),
    token: '',
    authorization,
    connections,
    warmupSeconds: warmup,
    durationSeconds: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`reads failed: ${JSON.stringify(result.statusCodes)}`);
  return result;
}

const fmt = (r: LoadResult) => `${Math.round(r.requestsPerSecond)} req/s, p99 ${r.latency.p99.toFixed(2)} ms`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-enc-'));
  try {
    const [k1, k2] = [key('k1'), key('k2')];
    const dataDir = join(dir, 'data');
    process.stdout.write(`Seeding ${instances} instances twice (encrypted, plaintext)…\n`);
    let t = Date.now();
    const encrypted = await seed(join(dir, 'enc.db'), new ValueCipher([k1]));
    const plain = await seed(join(dir, 'plain.db'), new ValueCipher([]));
    process.stdout.write(`  seeded in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);

    // 1. Reads, encryption on beside off, alternating so drift hits both alike.
    const env = { SWITCHBOARD_ENCRYPTION_KEYS: pair(k1), SWITCHBOARD_DATA_DIR: dataDir };
    const on: LoadResult[] = [];
    const off: LoadResult[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const [db, seeded, results] of [
        ['enc.db', encrypted, on],
        ['plain.db', plain, off],
      ] as const) {
        const server = await startSwitchboard(`sqlite:${join(dir, db)}`, env);
        try {
          results.push(await reads(server.origin, seeded.authorization, seeded.ids));
        } finally {
          await server.stop();
        }
      }
    }
    const best = (results: LoadResult[]) =>
      results.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
    const [bestOn, bestOff] = [best(on), best(off)];
    process.stdout.write(
      `Instance reads (include=metadata), ${connections} connections, best of ${rounds}:\n` +
        `  encryption on : ${fmt(bestOn)}\n  encryption off: ${fmt(bestOff)}\n` +
        `  on/off: ${((bestOn.requestsPerSecond / bestOff.requestsPerSecond) * 100).toFixed(1)}%\n`,
    );

    // 2. Rotation to k2 while the server (already on the new ring) serves reads.
    const rotatedEnv = { ...env, SWITCHBOARD_ENCRYPTION_KEYS: `${pair(k2)},${pair(k1)}` };
    const url = `sqlite:${join(dir, 'enc.db')}`;
    const server = await startSwitchboard(url, rotatedEnv);
    try {
      const before = await reads(server.origin, encrypted.authorization, encrypted.ids);
      let rotation: { seconds: number; output: string } | undefined;
      let rotating: Promise<void> | undefined;
      let loadStart = 0;
      const during = await runLoad(
        {
          origin: server.origin,
          method: 'GET',
          paths: paths(encrypted.ids),
          token: '',
          authorization: encrypted.authorization,
          connections,
          warmupSeconds: warmup,
          durationSeconds: quick ? 5 : 15,
        },
        (phase) => {
          if (phase !== 'measure-start') return;
          loadStart = Date.now();
          t = Date.now();
          // The rotation shares the server's core: the worst case for the server.
          const child = spawnPinned(serverCpu, ['bin/switchboard.js', 'keys', 'rotate', '--database', url], {
            ...rotatedEnv,
            SWITCHBOARD_MODE: 'production',
          });
          let output = '';
          child.stdout!.on('data', (chunk) => (output += chunk));
          child.stderr!.on('data', (chunk) => (output += chunk));
          rotating = new Promise((resolve, reject) =>
            child.once('exit', (code) => {
              rotation = { seconds: (Date.now() - t) / 1000, output: output.trim() };
              if (code === 0) resolve();
              else reject(new Error(`keys rotate exited with ${code}: ${output}`));
            }),
          );
        },
      );
      const measuredSeconds = (Date.now() - loadStart) / 1000;
      await rotating;
      process.stdout.write(
        `Rotation of ${instances} encrypted instances to a new key (batches of 500), reads running:\n` +
          `  ${rotation!.output}\n  time: ${rotation!.seconds.toFixed(1)} s\n` +
          `  reads before: ${fmt(before)}\n  reads during: ${fmt(during)} ` +
          `(rotation ran through ${Math.min(100, (rotation!.seconds / measuredSeconds) * 100).toFixed(0)}% of the measured run)\n`,
      );
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.once('SIGINT', () => {
  killStartedProcesses();
  process.exit(130);
});
try {
  await main();
} catch (error) {
  killStartedProcesses();
  throw error;
}
