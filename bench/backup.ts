/**
 * Backup export and import rates (rows/s), both directions between the stores:
 * `node --import tsx bench/backup.ts [--quick]`.
 *
 * Seeds a SQLite database with BENCH_BACKUP_CONFIGS configs (default 1,000,000; `--quick`
 * 100,000) and BENCH_BACKUP_EVENTS outbox events (default 100,000; `--quick` 10,000; half
 * delivered, half pending), then times, in this process, as `switchboard export` and
 * `switchboard import` run them: export SQLite → file, import file → PostgreSQL, export
 * PostgreSQL → file, import file → SQLite. Without BENCH_POSTGRES_URL, SQLite → SQLite.
 * Prints a markdown table on stdout; each file's bytes and records too.
 */
import Database from 'better-sqlite3';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { exportBackupToFile } from '../src/backup/export-backup.js';
import { importBackup } from '../src/backup/import-backup.js';
import { systemClock } from '../src/clock.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { numberFromEnv } from './machine.js';
import { seedSqlite } from './seed.js';

const quick = process.argv.includes('--quick');
const configs = numberFromEnv('BENCH_BACKUP_CONFIGS', quick ? 100_000 : 1_000_000);
const events = numberFromEnv('BENCH_BACKUP_EVENTS', quick ? 10_000 : 100_000);
const postgresUrl = process.env.BENCH_POSTGRES_URL || undefined;
const log = (message: string) => process.stderr.write(`${message}\n`);

/** Events straight into the outbox, in one transaction: half delivered, half pending. */
function seedEvents(path: string, count: number): void {
  const db = new Database(path);
  const insert = db.prepare(
    `INSERT INTO event_outbox
       (account_id, integration_id, instance_id, callback_url, integration_created_at, integration_name, subdomain,
        type_id, error, data, created_at, status, attempts, last_attempt_at, delivered_at)
     VALUES (1, 1, 1, 'https://integration.example/events', 1704067200, 'Bench', 'bench',
        'pull_request', NULL, ?, ?, ?, ?, ?, ?)`,
  );
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const delivered = i < count / 2;
      insert.run(
        JSON.stringify({ instance_push_id: `push-${i % 100}`, resource_count: i % 7 }),
        now - count + i,
        delivered ? 'delivered' : 'pending',
        delivered ? 1 : 0,
        delivered ? now : null,
        delivered ? now : null,
      );
    }
  })();
  db.close();
}

async function opened(url: string): Promise<{ store: Store; schemaVersion: number }> {
  const store = await openStore(url, { clock: systemClock });
  return { store, schemaVersion: (await store.migrate()).to };
}

interface Step {
  step: string;
  records: number;
  seconds: number;
}

async function timedExport(url: string, file: string, step: string): Promise<Step> {
  const { store, schemaVersion } = await opened(url);
  try {
    const started = process.hrtime.bigint();
    const counts = await exportBackupToFile(store, file, { schemaVersion, clock: systemClock });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { step, records: Object.values(counts).reduce((a, b) => a + b, 0), seconds };
  } finally {
    await store.close();
  }
}

async function timedImport(url: string, file: string, step: string): Promise<Step> {
  const { store, schemaVersion } = await opened(url);
  try {
    const started = process.hrtime.bigint();
    const { counts } = await importBackup(store, createReadStream(file), { schemaVersion });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { step, records: Object.values(counts).reduce((a, b) => a + b, 0), seconds };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-backup-'));
  const schema = `sb_bench_backup_${process.pid}`;
  const admin = postgresUrl ? new pg.Client({ connectionString: postgresUrl }) : undefined;
  try {
    const source = join(dir, 'source.db');
    log(`seeding ${configs} configs and ${events} events…`);
    await seedSqlite(source, configs);
    seedEvents(source, events);
    let middleUrl = `sqlite:${join(dir, 'middle.db')}`;
    if (admin && postgresUrl) {
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      const url = new URL(postgresUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      middleUrl = url.toString();
    }
    const middleName = admin ? 'PostgreSQL' : 'SQLite';
    const files = [join(dir, 'first.jsonl'), join(dir, 'second.jsonl')] as const;
    const steps: Step[] = [];
    const run = async (step: Promise<Step>) => {
      const done = await step;
      log(`${done.step}: ${done.records} records in ${done.seconds.toFixed(1)} s`);
      steps.push(done);
    };
    await run(timedExport(`sqlite:${source}`, files[0], 'export SQLite → file'));
    await run(timedImport(middleUrl, files[0], `import file → ${middleName}`));
    await run(timedExport(middleUrl, files[1], `export ${middleName} → file`));
    await run(timedImport(`sqlite:${join(dir, 'last.db')}`, files[1], 'import file → SQLite'));

    const bytes = statSync(files[0]).size;
    console.log(
      `${configs.toLocaleString('en')} configs, ${events.toLocaleString('en')} events; backup file ` +
        `${(bytes / 1024 / 1024).toFixed(0)} MiB\n`,
    );
    console.log('| Step | Records | Seconds | Rows/s |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const { step, records, seconds } of steps) {
      console.log(
        `| ${step} | ${records.toLocaleString('en')} | ${seconds.toFixed(1)} | ` +
          `${Math.round(records / seconds).toLocaleString('en')} |`,
      );
    }
  } finally {
    if (admin) {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await admin.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
