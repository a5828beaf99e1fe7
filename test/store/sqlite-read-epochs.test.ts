import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { IntegrationKey, Store, SyncConfigReads } from '../../src/store/store.js';
import { testActor } from '../helpers/actors.js';
import { tempDir } from '../helpers/server.js';

const now = 1_700_000_000;
const one: IntegrationKey = { accountId: 1, integration: 'app' };
const two: IntegrationKey = { accountId: 2, integration: 'app' };

/**
 * SQLite's read epochs, which say when the fast lane's rendered answers may be reused: per
 * account, moved by this store's own config writes to that account, and for every account
 * by another connection's commit (issue 23, goal 1).
 */
describe('SQLite read epochs', () => {
  const dir = tempDir();
  const path = join(dir.path, 'epochs.db');
  let store: Store;
  let reads: SyncConfigReads;

  beforeAll(async () => {
    store = await openStore(`sqlite:${path}`);
    await store.migrate();
    reads = store.capabilities.syncReads!;
    for (const key of [one, two]) {
      await store.createConfig(key, { scope: 'settings', configJson: '{"n":0}', nowSeconds: now, actor: testActor });
    }
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  const epochs = () => [reads.configReadEpoch(one.accountId), reads.configReadEpoch(two.accountId)];
  const merge = (key: IntegrationKey, n: number, ifMatch?: string) =>
    store.updateConfig(key, 'settings', {
      edit: { kind: 'replace', configJson: `{"n":${n}}` },
      precondition: ifMatch === undefined ? undefined : { ifMatch },
      nowSeconds: now,
      operation: 'replace',
      actor: testActor,
    });

  it('moves only the written account’s epoch on this store’s own config write', async () => {
    const [a, b] = epochs();
    expect(await merge(one, 1)).toMatchObject({ kind: 'ok' });
    const [a2, b2] = epochs();
    expect(a2).not.toBe(a);
    expect(b2).toBe(b);
    expect(reads.getConfigAtOnce(one, 'settings')?.configJson).toBe('{"n":1}');
  });

  it('keeps every epoch through this store’s other writes and a refused config write', async () => {
    const before = epochs();
    await store.createAccount({
      id: 5,
      subdomain: 'other',
      adminEmail: 'a@x.example',
      adminTokenHash: 'h',
      nowSeconds: now,
    });
    await store.createIntegration({
      accountId: 5,
      name: 'app',
      clientIdentifier: 'app-5',
      clientSecretHash: 'h',
      nowSeconds: now,
    });
    expect(await merge(two, 9, '"1-99"')).toEqual({ kind: 'precondition_failed' });
    expect(epochs()).toEqual(before);
  });

  it('moves every epoch when another connection commits (the CLI, another process)', async () => {
    const before = epochs();
    const other = await openStore(`sqlite:${path}`, { writer: 'in-thread' });
    await other.migrate();
    try {
      expect(
        await other.updateConfig(two, 'settings', {
          edit: { kind: 'replace', configJson: '{"n":2}' },
          nowSeconds: now,
          operation: 'replace',
          actor: testActor,
        }),
      ).toMatchObject({ kind: 'ok' });
    } finally {
      await other.close();
    }
    const after = epochs();
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(reads.getConfigAtOnce(two, 'settings')?.configJson).toBe('{"n":2}');
  });
});
