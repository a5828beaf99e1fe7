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
 * Migration 0003 on a database that already has tokens: they keep read and write, have no
 * prefix and no last use, and go on authenticating.
 */
describe.each(storeKinds)('migration 0003 (token scopes) on $name', (kind) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** A database at schema version 2, as the previous Switchboard left it, with one token. */
  async function databaseAtVersion2(): Promise<string> {
    let url: string;
    if (kind.name === 'sqlite') {
      const dir = tempDir();
      cleanups.push(dir.remove);
      url = `sqlite:${join(dir.path, 'v2.db')}`;
    } else {
      const schema = await createPostgresSchema();
      cleanups.push(schema.drop);
      url = schema.url;
    }
    const statements = [
      'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
      ...readMigrations(folder(kind.name))
        .filter((migration) => migration.version <= 2)
        .flatMap((migration) => [
          migration.sql,
          `INSERT INTO schema_migrations VALUES (${migration.version}, '${migration.name}', 0)`,
        ]),
      `INSERT INTO accounts (id, subdomain, created_at) VALUES (7, 'old', 100)`,
      `INSERT INTO integrations (id, account_id, name, client_identifier, client_secret_hash, created_at)
       VALUES (3, 7, 'sync', 'zis_sync_7', 'h', 100)`,
      `INSERT INTO access_tokens (id, token_hash, account_id, integration, created_at) VALUES (5, 'old-hash', 7, 'sync', 101)`,
    ];
    for (const statement of statements) await execSql(url, statement);
    return url;
  }

  it('gives existing tokens read and write, no prefix and no last use', async () => {
    const url = await databaseAtVersion2();
    const store: Store = await openStore(url);
    cleanups.push(() => store.close());
    const latest = readMigrations(folder(kind.name)).at(-1)!.version;
    expect(await store.migrate()).toEqual({ from: 2, to: latest });
    expect(await store.findAccessToken('old-hash')).toEqual({
      id: 5,
      scopes: ['read', 'write'],
      usedAt: null,
      expiresAt: null,
      accountId: 7,
      integration: 'sync',
      createdAt: 101,
    });
    expect(await store.listAccessTokens(7, { afterId: 0, limit: 10 })).toEqual([
      expect.objectContaining({ id: 5, clientId: 3, tokenPrefix: null, scopes: ['read', 'write'] }),
    ]);
    await store.createAccessToken({
      tokenHash: 'new-hash',
      accountId: 7,
      integration: 'sync',
      scopes: ['read'],
      nowSeconds: 200,
    });
    expect((await store.findAccessToken('new-hash'))!.scopes).toEqual(['read']);
  });
});
