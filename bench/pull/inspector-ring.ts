/**
 * The inspector's ring at steady state: `node --import tsx bench/pull/inspector-ring.ts`.
 *
 * The pull benchmark pulls each instance once, so each ring holds one exchange and its prune
 * finds nothing to delete. Here, in process on a SQLite file (and PostgreSQL unless
 * BENCH_POSTGRES_URL=off), the same records go into empty rings and into rings already at
 * their 200, where each insert deletes the oldest: time per record, sequential and 64 at once.
 *
 * Environment: BENCH_RING_INSTANCES (default 200), BENCH_POSTGRES_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createAccount } from '../../src/accounts/provision.js';
import { systemClock } from '../../src/clock.js';
import { ValueCipher } from '../../src/store/encryption/value-cipher.js';
import type { NewExchange } from '../../src/store/exchange-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { numberFromEnv } from '../machine.js';

const ring = 200;
const instances = numberFromEnv('BENCH_RING_INSTANCES', 200);
const postgresUrl =
  process.env.BENCH_POSTGRES_URL === 'off'
    ? undefined
    : process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
const cipher = new ValueCipher([{ id: 'bench', key: randomBytes(32) }]);
const body = new URLSearchParams({ metadata: '{"account":"bench","token":"0123456789abcdef"}', state: '' }).toString();
const answer = JSON.stringify({ external_resources: [{ external_id: 'x', message: 'm'.repeat(200) }], state: 's' });

async function setUp(store: Store) {
  await store.migrate();
  const created = await createAccount(store, systemClock, { subdomain: 'ring' });
  if (created === 'exists') throw new Error('exists');
  const accountId = created.account.id;
  const integration = await store.channels.createIntegration({
    accountId,
    remoteId: 'bench',
    name: 'Bench',
    manifestUrl: 'http://127.0.0.1/manifest.json',
    manifestJson: JSON.stringify({ name: 'Bench', id: 'bench', urls: {} }),
    nowMs: Date.now(),
  });
  const ids: number[] = [];
  for (let n = 0; n < instances; n++) {
    const instance = await store.channels.createInstance({
      accountId,
      integrationId: integration.id,
      name: `i${n}`,
      metadata: '',
      state: '',
      instancePushId: `ring-${n}`,
      pushTokenHash: n.toString(16).padStart(64, '0'),
      nowMs: Date.now(),
    });
    ids.push(instance.id);
  }
  return { accountId, integrationId: integration.id, ids };
}

const exchange = (accountId: number, integrationId: number, instanceId: number): NewExchange => ({
  accountId,
  integrationId,
  instanceId,
  kind: 'pull',
  method: 'POST',
  url: 'http://127.0.0.1/pull',
  startedAt: Date.now(),
  durationMs: 3,
  httpStatus: 200,
  outcome: 'ok',
  error: null,
  findingsJson: '[]',
  requestBody: body,
  requestBytes: body.length,
  responseBody: answer,
  responseBytes: answer.length,
});

/** One record per instance, `inFlight` at once: µs per record. */
async function pass(store: Store, setup: Awaited<ReturnType<typeof setUp>>, inFlight: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < setup.ids.length; i += inFlight) {
    await Promise.all(
      setup.ids
        .slice(i, i + inFlight)
        .map((id) => store.exchanges.recordExchange(exchange(setup.accountId, setup.integrationId, id), ring)),
    );
  }
  return Math.round(((performance.now() - started) * 1000) / setup.ids.length);
}

async function measure(name: string, store: Store): Promise<void> {
  const setup = await setUp(store);
  const empty = await pass(store, setup, 1);
  for (let n = 1; n < ring; n++) await pass(store, setup, 64);
  const full = await pass(store, setup, 1);
  const fullConcurrent = await pass(store, setup, 64);
  process.stdout.write(
    `${name}: ${empty} µs per record into an empty ring, ${full} µs into a full one (one at a time), ` +
      `${fullConcurrent} µs per record 64 at a time\n`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'switchboard-ring-bench-'));
try {
  const sqlite = await openStore(`sqlite:${join(dir, 'ring.db')}`, { cipher });
  try {
    await measure('SQLite', sqlite);
  } finally {
    await sqlite.close();
  }
  if (postgresUrl) {
    const schema = `ring_${process.pid}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = new URL(postgresUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const postgres = await openStore(url.toString(), { cipher });
    try {
      await measure('PostgreSQL', postgres);
    } finally {
      await postgres.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
