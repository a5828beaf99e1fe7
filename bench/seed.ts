import Database from 'better-sqlite3';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { createAccount, issueAccessToken, registerIntegration } from '../src/accounts/provision.js';
import { epochSeconds, systemClock } from '../src/clock.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { wrapStore } from '../src/store/wrap-store.js';
import { configJsonAt, integrationName, scopeAt } from './dataset.js';

export interface Credentials {
  accountId: number;
  /** A bearer token for the benchmark integration. */
  token: string;
}

/** Account, integration and token through the real provisioning code, as an operator would. */
export async function provisionBenchAccount(store: Store, subdomain = 'bench'): Promise<Credentials> {
  const created = await createAccount(store, systemClock, { subdomain });
  if (created === 'exists') throw new Error(`seed: the ${subdomain} account already exists; seed an empty database`);
  const accountId = created.account.id;
  const registered = await registerIntegration(store, systemClock, accountId, integrationName);
  if (registered === 'exists') throw new Error('seed: the bench integration already exists');
  const token = await issueAccessToken(store, systemClock, accountId, integrationName);
  return { accountId, token };
}

/**
 * A new SQLite database at `path` with `count` configs. The configs go in with one
 * prepared INSERT in one transaction, in scope order so the index only ever appends: 1M
 * rows take seconds (10M about a minute), where the HTTP API would take hours.
 */
export async function seedSqlite(path: string, count: number): Promise<Credentials> {
  const store = new SqliteStore(path, { synchronous: 'OFF' });
  await store.migrate();
  const credentials = await provisionBenchAccount(wrapStore(store));
  await store.close();

  const db = new Database(path);
  db.pragma('synchronous = OFF');
  // A rollback journal while seeding: in WAL mode every page would be written twice (to
  // the WAL, then by the checkpoint), 2.5 GB more at 10M rows; a rollback journal keeps
  // only the few pages that existed before. (better-sqlite3 refuses journal_mode=OFF.) A
  // larger cache keeps the index pages being appended to in memory.
  if (db.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') throw new Error('seed: journal_mode');
  db.pragma('cache_size = -262144');
  const insert = db.prepare(
    `INSERT INTO configs (account_id, integration, scope, config, version, created_at, updated_at)
     VALUES (?, ?, ?, ?, 1, ?, ?)`,
  );
  const now = epochSeconds(systemClock);
  db.transaction(() => {
    for (let i = 0; i < count; i++)
      insert.run(credentials.accountId, integrationName, scopeAt(i), configJsonAt(i), now, now);
  })();
  // Back to WAL, as the server runs it; the WAL starts empty.
  db.pragma('journal_mode = WAL');
  db.close();
  // Flush now: otherwise the kernel writes these pages back during a measured run.
  const fd = openSync(path, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  return credentials;
}
