import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyIdOf } from '../../../src/store/encryption/value-cipher.js';
import { keyPair, openEncrypted, testKey } from '../../helpers/encrypted-stores.js';
import { runCli } from '../../helpers/processes.js';
import { createTenant, type Tenant } from '../../helpers/server.js';
import { storeKinds } from '../../helpers/stores.js';
import { secrets } from './zis-registry-fixtures.js';
import { seedRegistry } from './zis-registry-seed.js';
import Database from 'better-sqlite3';
import pg from 'pg';

/** Every stored secret of the registry, as the database holds it. */
async function storedSecrets(url: string): Promise<string[]> {
  const statement =
    'SELECT secret FROM zis_connections UNION ALL SELECT client_secret AS secret FROM zis_oauth_clients';
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return (db.prepare(statement).all() as { secret: string }[]).map((row) => row.secret);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ secret: string }>(statement)).rows.map((row) => row.secret);
  } finally {
    await client.end();
  }
}

describe.each(storeKinds)('switchboard keys rotate re-encrypts ZIS secrets on $name', (kind) => {
  const [k1, k2] = [testKey('k1'), testKey('k2')];
  let opened: Awaited<ReturnType<typeof openEncrypted>>;
  let acme: Tenant;

  beforeAll(async () => {
    opened = await openEncrypted(kind, [k1]);
    acme = await createTenant(opened.store, 'acme', ['zap']);
    await seedRegistry(opened.store, acme);
  });
  afterAll(async () => opened.cleanup());

  it('moves every connection and OAuth client secret to the new key; a node with only it reads them', async () => {
    expect((await storedSecrets(opened.url)).map(keyIdOf)).toEqual(['k1', 'k1', 'k1', 'k1']);
    const env = { SWITCHBOARD_ENCRYPTION_KEYS: `${keyPair(k2)},${keyPair(k1)}` };
    const rotation = await runCli(['keys', 'rotate', '--database', opened.url], env);
    expect(rotation.stderr).toBe('');
    expect(rotation.code).toBe(0);
    expect(rotation.stdout).toContain('and 4 of 4 ZIS connection and OAuth client secrets');
    expect((await storedSecrets(opened.url)).map(keyIdOf)).toEqual(['k2', 'k2', 'k2', 'k2']);
    const onlyNew = await opened.reopen([k2]);
    const key = { accountId: acme.accountId, integration: 'zap' };
    const connections = await onlyNew.zisRegistry.listConnections(key);
    expect(connections.map((c) => c.secret).sort()).toEqual([secrets.apiKey, secrets.bearer, secrets.password].sort());
    expect((await onlyNew.zisRegistry.listOAuthClients(key))[0]!.clientSecret).toBe(secrets.clientSecret);
    // A second run finds nothing left to do.
    const again = await runCli(['keys', 'rotate', '--database', opened.url], env);
    expect(again.stdout).toContain('and 0 of 4 ZIS connection and OAuth client secrets');
  });
});
