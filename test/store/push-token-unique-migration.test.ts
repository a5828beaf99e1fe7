import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/store/migration-files.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../helpers/server.js';
import { execSql } from '../helpers/raw-sql.js';
import { createPostgresSchema, storeKinds } from '../helpers/stores.js';

const folder = (dialect: string) => fileURLToPath(new URL(`../../src/store/${dialect}/migrations`, import.meta.url));

/**
 * Migration 0015 (a push token hash names one instance) on a database where two instances
 * share a hash, as only a hand-copied row could: the oldest keeps it, the newer one gets a
 * value no token hashes to, and the unique index then holds.
 */
describe.each(storeKinds)('migration 0015 (unique push token hash) on $name', (kind) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function databaseAtVersion12(): Promise<string> {
    let url: string;
    if (kind.name === 'sqlite') {
      const dir = tempDir();
      cleanups.push(dir.remove);
      url = `sqlite:${join(dir.path, 'v12.db')}`;
    } else {
      const schema = await createPostgresSchema();
      cleanups.push(schema.drop);
      url = schema.url;
    }
    const instance = (id: number, hash: string) =>
      `INSERT INTO instances (id, account_id, integration_id, name, metadata, state, state_version, instance_push_id,
         push_token_hash, active, deactivated_reason, metadata_needs_update, consecutive_failures, next_pull_at,
         last_pull_at, lease_owner, lease_expires_at, created_at, updated_at)
       VALUES (${id}, 7, 3, 'i${id}', '', '', 0, 'push-${id}', '${hash}', ${kind.name === 'sqlite' ? 1 : 'true'},
         NULL, ${kind.name === 'sqlite' ? 0 : 'false'}, 0, 0, NULL, NULL, NULL, 100, 100)`;
    const statements = [
      'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
      ...readMigrations(folder(kind.name))
        .filter((migration) => migration.version <= 12)
        .flatMap((migration) => [
          migration.sql,
          `INSERT INTO schema_migrations VALUES (${migration.version}, '${migration.name}', 0)`,
        ]),
      `INSERT INTO accounts (id, subdomain, created_at) VALUES (7, 'old', 100)`,
      `INSERT INTO channel_integrations (id, account_id, remote_id, name, manifest_url, manifest, pull_url, created_at, updated_at)
       VALUES (3, 7, 'com.example', 'Chat', 'https://chat.example/m', '{}', NULL, 100, 100)`,
      instance(21, 'a'.repeat(64)),
      instance(22, 'b'.repeat(64)),
      instance(23, 'a'.repeat(64)),
    ];
    for (const statement of statements) await execSql(url, statement);
    return url;
  }

  it('keeps the oldest holder of a shared hash, makes the others unusable, then refuses duplicates', async () => {
    const url = await databaseAtVersion12();
    const store: Store = await openStore(url);
    cleanups.push(() => store.close());
    expect((await store.migrate()).from).toBe(12);
    expect((await store.channels.findInstanceByPushTokenHash('a'.repeat(64)))?.id).toBe(21);
    expect((await store.channels.findInstanceByPushTokenHash('b'.repeat(64)))?.id).toBe(22);
    const newer = (await store.channels.getInstance(7, 23))!;
    expect(newer.pushTokenHash).toBe('unusable:duplicate:23');
    await expect(store.channels.updateInstance(7, 23, { pushTokenHash: 'b'.repeat(64), nowMs: 200 })).rejects.toThrow();
  });
});
