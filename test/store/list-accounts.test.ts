import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeProfiles, type OpenedStore } from '../helpers/stores.js';

describe.each(storeProfiles)('listAccounts, on $name', (kind) => {
  let opened: OpenedStore;
  beforeAll(async () => {
    opened = await kind.open();
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  it('is empty on a new store, then lists every account by ascending id', async () => {
    expect(await opened.store.listAccounts()).toEqual([]);
    const input = { adminEmail: 'a@x.example', adminTokenHash: 'h', nowSeconds: 1_700_000_000 };
    await opened.store.createAccount({ ...input, id: 9, subdomain: 'zeta', adminTokenHash: 'h9' });
    await opened.store.createAccount({ ...input, id: 3, subdomain: 'alpha', adminTokenHash: 'h3' });
    expect(await opened.store.listAccounts()).toEqual([
      { id: 3, subdomain: 'alpha', createdAt: 1_700_000_000 },
      { id: 9, subdomain: 'zeta', createdAt: 1_700_000_000 },
    ]);
  });
});
