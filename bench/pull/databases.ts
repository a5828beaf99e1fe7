/**
 * Throwaway databases for the pull benchmark: a SQLite file, or a fresh PostgreSQL schema
 * (dropped afterwards). Instances go in with direct inserts, far faster than the API; the
 * pull log is read back directly, read-only.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export interface PullRow {
  instanceId: number;
  startedAt: number;
  durationMs: number;
  outcome: string;
}

export interface BenchDatabase {
  engine: 'sqlite' | 'postgres';
  /** The URL Switchboard is started with. */
  url: string;
  /**
   * Inserts one active instance per entry of `dueAt` (its `next_pull_at`), in that order;
   * returns their ids, in the same order.
   */
  insertInstances(accountId: number, integrationId: number, dueAt: number[]): Promise<number[]>;
  countPulls(): Promise<number>;
  pulls(): Promise<PullRow[]>;
  countResources(): Promise<number>;
  drop(): Promise<void>;
}

/** Metadata of the n-th instance; the baseline sends the same. */
export const metadataOf = (n: number) => `{"account":"bench-${n}","token":"0123456789abcdef"}`;

const instanceColumns = `account_id, integration_id, name, metadata, state, state_version, instance_push_id,
  push_token_hash, active, deactivated_reason, metadata_needs_update, consecutive_failures, next_pull_at,
  last_pull_at, lease_owner, lease_expires_at, created_at, updated_at`;

export function sqliteDatabase(dir: string, name: string): BenchDatabase {
  const path = join(dir, `${name}.db`);
  let reader: Database.Database | undefined;
  // Opened read-only on first use, once the server has created the file.
  const read = () => (reader ??= new Database(path, { readonly: true, fileMustExist: true }));
  return {
    engine: 'sqlite',
    url: `sqlite:${path}`,
    async insertInstances(accountId, integrationId, dueAt) {
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      const insert = db.prepare(
        `INSERT INTO instances (${instanceColumns})
         VALUES (?, ?, ?, ?, '', 1, ?, ?, 1, NULL, 0, 0, ?, NULL, NULL, NULL, ?, ?) RETURNING id`,
      );
      const now = Date.now();
      const ids = db.transaction(() =>
        dueAt.map((due, n) => {
          const row = insert.get(
            accountId,
            integrationId,
            `bench ${n}`,
            metadataOf(n),
            `bench-push-${n}`,
            n.toString(16).padStart(64, '0'), // unique since migration 0015
            due,
            now,
            now,
          ) as { id: number };
          return row.id;
        }),
      )();
      db.exec('ANALYZE');
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      return ids;
    },
    async countPulls() {
      return (read().prepare('SELECT count(*) AS n FROM pulls').get() as { n: number }).n;
    },
    async pulls() {
      return read()
        .prepare(
          `SELECT instance_id AS instanceId, started_at AS startedAt, duration_ms AS durationMs, outcome
           FROM pulls ORDER BY id`,
        )
        .all() as PullRow[];
    },
    async countResources() {
      return (read().prepare('SELECT count(*) AS n FROM resources').get() as { n: number }).n;
    },
    async drop() {
      reader?.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    },
  };
}

/** `url` with `-c name=value` session settings added (here: the search_path). */
function withSessionSettings(url: string, settings: Record<string, string>): string {
  const options = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(options)}`;
}

export async function postgresDatabase(baseUrl: string, schema: string): Promise<BenchDatabase> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.query(`CREATE SCHEMA "${schema}"`);
  await client.query(`SET search_path TO "${schema}"`);
  const count = async (table: string) =>
    Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  return {
    engine: 'postgres',
    url: withSessionSettings(baseUrl, { search_path: schema }),
    async insertInstances(accountId, integrationId, dueAt) {
      const now = Date.now();
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO instances (${instanceColumns})
         SELECT $1, $2, 'bench ' || n, '{"account":"bench-' || n || '","token":"0123456789abcdef"}', '', 1,
                'bench-push-' || n, lpad(to_hex(n), 64, '0'), true, NULL, false, 0, due, NULL, NULL, NULL, $3, $3
         FROM unnest($4::bigint[]) WITH ORDINALITY AS d (due, ord), LATERAL (SELECT ord - 1 AS n) AS numbered
         ORDER BY ord
         RETURNING id`,
        [accountId, integrationId, now, dueAt],
      );
      await client.query('ANALYZE');
      // RETURNING follows no promised order, but ids were assigned in insert order.
      return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
    },
    countPulls: () => count('pulls'),
    async pulls() {
      const { rows } = await client.query<{
        instance_id: string;
        started_at: string;
        duration_ms: string;
        outcome: string;
      }>('SELECT instance_id, started_at, duration_ms, outcome FROM pulls ORDER BY id');
      return rows.map((row) => ({
        instanceId: Number(row.instance_id),
        startedAt: Number(row.started_at),
        durationMs: Number(row.duration_ms),
        outcome: row.outcome,
      }));
    },
    countResources: () => count('resources'),
    async drop() {
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
