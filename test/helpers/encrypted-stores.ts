import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { readFileSync, existsSync } from 'node:fs';
import pg from 'pg';
import { ValueCipher, type EncryptionKey } from '../../src/store/encryption/value-cipher.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import type { OpenedStore, StoreKind } from './stores.js';

/** A fresh 32-byte key under `id`. */
export const testKey = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });

/** A key as the `SWITCHBOARD_ENCRYPTION_KEYS` pair for it. */
export const keyPair = (key: EncryptionKey) => `${key.id}:${key.key.toString('base64')}`;

/**
 * A migrated store of `kind` whose channel data is encrypted with `ring`, and `reopen` to
 * open more store objects on the same database with other rings (closed by `cleanup`).
 */
export async function openEncrypted(
  kind: StoreKind,
  ring: EncryptionKey[],
): Promise<OpenedStore & { reopen: (ring: EncryptionKey[]) => Promise<Store> }> {
  const opened = await kind.open();
  const others: Store[] = [];
  const reopen = async (other: EncryptionKey[]) => {
    const store = await openStore(opened.url, { cipher: new ValueCipher(other) });
    others.push(store);
    await store.migrate();
    return store;
  };
  const store = await reopen(ring);
  return {
    store,
    url: opened.url,
    reopen,
    cleanup: async () => {
      for (const other of others) await other.close();
      await opened.cleanup();
    },
  };
}

/** Every instance's stored `metadata` and `state`, as the database holds them. */
export async function storedInstanceValues(url: string): Promise<{ id: number; metadata: string; state: string }[]> {
  const statement = 'SELECT id, metadata, state FROM instances ORDER BY id';
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare(statement).all() as { id: number; metadata: string; state: string }[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; metadata: string; state: string }>(statement);
    return rows.map((row) => ({ ...row, id: Number(row.id) }));
  } finally {
    await client.end();
  }
}

/** The bytes of a SQLite database as they sit on disk: the file and its write-ahead log. */
export function sqliteFileBytes(url: string): Buffer {
  const path = url.slice('sqlite:'.length);
  return Buffer.concat([path, `${path}-wal`].filter(existsSync).map((file) => readFileSync(file)));
}
