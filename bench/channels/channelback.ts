/**
 * The channelback benchmark: `node --import tsx bench/channels/channelback.ts [--quick]`.
 *
 * Seeds a SQLite database with N pending replies on one thread, starts `switchboard serve`
 * on it (pinned to core 0; its reply sender starts at once) against a local integration
 * (bench/channels/channelback-integration.ts, pinned to core 1), and measures how fast the
 * replies are sent and recorded as sent: sends per second and server CPU per send. The
 * baseline, in the same run: a bare undici loop on core 0 POSTing a channelback form body
 * of the same size to the same integration, as often, at the same concurrency
 * (bench/pull/raw-pull-client.ts). Prints a markdown table.
 *
 * Environment:
 *   BENCH_CHANNELBACK_COUNT        replies (default 5000; quick 1000)
 *   BENCH_CHANNELBACK_CONCURRENCY  SWITCHBOARD_CHANNELBACK_CONCURRENCY and the baseline's (default 50)
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelbackForm } from '../../src/channels/channelback/send-reply.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { describeMachine, numberFromEnv } from '../machine.js';
import { killStartedProcesses, spawnPinned } from '../processes.js';
import { integrationCpu, runRawClient, startSwitchboard } from '../pull/processes.js';
import { round } from '../pull/stats.js';

const quick = process.argv.includes('--quick');
const count = numberFromEnv('BENCH_CHANNELBACK_COUNT', quick ? 1000 : 5000);
const concurrency = numberFromEnv('BENCH_CHANNELBACK_CONCURRENCY', 50);
const metadata = JSON.stringify({ token: 'x'.repeat(200), account: 'bench' });
const message = 'Thanks for getting in touch! We are looking into it and will come back to you shortly.';

process.once('SIGINT', () => {
  killStartedProcesses();
  process.exit(130);
});

/** The integration, pinned to its core; resolves with its origin once it listens. */
function startIntegration(): Promise<{ origin: string; stop: () => void }> {
  const child = spawnPinned(integrationCpu, ['--import', 'tsx', 'bench/channels/channelback-integration.ts'], {});
  child.stdin!.end();
  return new Promise((resolve, reject) => {
    let output = '';
    child.once('exit', (code) => reject(new Error(`integration exited with ${code}`)));
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ origin: match[1]!, stop: () => child.kill('SIGTERM') });
    });
  });
}

/** A database with one instance, one thread and `count` pending replies, all due. */
async function seed(path: string, channelbackUrl: string): Promise<void> {
  const store = new SqliteStore(path);
  await store.migrate();
  const account = await store.createAccount({
    subdomain: 'bench',
    adminEmail: 'admin@bench.example',
    adminTokenHash: 'unused',
    nowSeconds: 1,
  });
  if (account === 'exists') throw new Error('seeded twice');
  const integration = await store.channels.createIntegration({
    accountId: account.id,
    remoteId: 'com.example.bench-channelback',
    name: 'Bench Channelback',
    manifestUrl: `${channelbackUrl.replace('/channelback', '')}/manifest.json`,
    manifestJson: JSON.stringify({
      name: 'Bench Channelback',
      id: 'com.example.bench-channelback',
      urls: {
        admin_ui: { href: `${channelbackUrl}/../admin_ui`, scheme: 'http', written: './admin_ui' },
        channelback_url: { href: channelbackUrl, scheme: 'http', written: './channelback' },
      },
    }),
    nowMs: 0,
  });
  const instance = await store.channels.createInstance({
    accountId: account.id,
    integrationId: integration.id,
    name: 'Bench',
    metadata,
    state: '',
    instancePushId: 'bench-push',
    pushTokenHash: 'unused',
    nowMs: 0,
  });
  await store.channels.completePull({
    instanceId: instance.id,
    startedAt: 0,
    durationMs: 0,
    outcome: 'ok',
    httpStatus: 200,
    error: null,
    stateVersionAtStart: instance.stateVersion,
    resources: [{ externalId: 'customer-message', parentId: null, threadId: null, payloadJson: '{}' }],
    nextPullAt: Number.MAX_SAFE_INTEGER,
    deactivateAfter: 10,
    nowMs: 0,
  });
  const [thread] = await store.channels.listThreads(account.id, instance.id);
  // Batches: one group commit each.
  for (let done = 0; done < count; done += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, count - done) }, (_, i) =>
        store.replies.createReply({
          accountId: account.id,
          instanceId: instance.id,
          threadId: thread!.id,
          message,
          fileUrls: [],
          parentId: 'customer-message',
          recipientId: 'customer-1',
          threadKey: 'customer-message',
          requestUniqueIdentifier: `sb-reply-00000000-0000-4000-8000-${String(done + i).padStart(12, '0')}`,
          nowMs: 0,
        }),
      ),
    );
  }
  await store.close();
}

const sentCount = (db: Database.Database) =>
  db.prepare(`SELECT count(*) AS n FROM replies WHERE status = 'sent'`).pluck().get() as number;

const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-channelback-'));
try {
  const integration = await startIntegration();
  const channelbackUrl = `${integration.origin}/channelback`;
  const path = join(dir, 'switchboard.db');
  await seed(path, channelbackUrl);

  const db = new Database(path, { readonly: true });
  const node = await startSwitchboard(`sqlite:${path}`, {
    SWITCHBOARD_DATA_DIR: dir,
    SWITCHBOARD_SECRET_KEY: 'bench',
    SWITCHBOARD_PULL_SCHEDULER: 'off',
    SWITCHBOARD_CHANNELBACK_CONCURRENCY: String(concurrency),
  });
  const started = performance.now();
  const cpuAtStart = node.cpuSeconds();
  while (sentCount(db) < count) {
    if (performance.now() - started > 300_000) throw new Error(`only ${sentCount(db)} of ${count} sent in 5 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = node.cpuSeconds() - cpuAtStart;
  const stats = (await (await fetch(`${integration.origin}/stats`)).json()) as {
    channelbacks: number;
    repeated: number;
  };
  await node.stop();
  db.close();

  // The same form body Switchboard sends (same fields and sizes), over and over.
  const body = new URLSearchParams(
    channelbackForm(
      {
        message,
        parentId: 'customer-message',
        recipientId: 'customer-1',
        threadKey: 'customer-message',
        requestUniqueIdentifier: 'raw-reply-00000000-0000-4000-8000-000000000000',
        fileUrls: [],
      },
      metadata,
      false,
    ),
  ).toString();
  const raw = await runRawClient({ pullUrl: channelbackUrl, body, count, concurrency, connections: concurrency });
  integration.stop();

  const ours = count / seconds;
  const machine = describeMachine();
  process.stdout.write(
    [
      `Channelback: ${count} pending replies, concurrency ${concurrency}, SQLite, one node; ${machine.cpuModel ?? ''}`.trim(),
      '',
      '| sender | sends/s | CPU ms per send | % of raw | repeated sends |',
      '|---|---:|---:|---:|---:|',
      `| Switchboard \`serve\` (claim, sign, POST, validate, record) | ${round(ours)} | ${round((cpuSeconds * 1000) / count, 3)} | ${round((100 * ours) / raw.perSecond)} % | ${stats.repeated} |`,
      `| raw undici loop (POST only) | ${round(raw.perSecond)} | ${round((raw.cpuSeconds * 1000) / raw.requests, 3)} | 100 % | – |`,
    ].join('\n') + '\n',
  );
  if (stats.channelbacks !== count) {
    process.stderr.write(`warning: the integration saw ${stats.channelbacks} channelbacks for ${count} replies\n`);
  }
} finally {
  killStartedProcesses();
  rmSync(dir, { recursive: true, force: true });
}
