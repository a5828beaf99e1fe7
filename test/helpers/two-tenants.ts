import pg from 'pg';
import type { Store } from '../../src/store/store.js';
import { testActor } from './actors.js';
import { createTenant } from './server.js';
import { storeKinds, type OpenedStore } from './stores.js';

/** A PostgreSQL store with two tenants, and a plain client on its database. */
export interface TwoTenants {
  opened: OpenedStore;
  store: Store;
  /** The tenants' account ids: tenant n's configs hold `{ account: n, scope }`. */
  accounts: number[];
  client: pg.Client;
  close: () => Promise<void>;
}

/**
 * Opens a PostgreSQL store with tenants `one` and `two`, each with the integration `app` and
 * a config at every one of `scopes`, for the tests of what PostgreSQL sends together.
 */
export async function twoPostgresTenants(scopes: readonly string[]): Promise<TwoTenants> {
  const opened = await storeKinds.find((kind) => kind.name === 'postgres')!.open();
  const store = opened.store;
  const accounts = [
    (await createTenant(store, 'one', ['app'])).accountId,
    (await createTenant(store, 'two', ['app'])).accountId,
  ];
  for (const [n, accountId] of accounts.entries()) {
    for (const scope of scopes) {
      await store.createConfig(
        { accountId, integration: 'app' },
        { scope, configJson: JSON.stringify({ account: n, scope }), nowSeconds: 1, actor: testActor },
      );
    }
  }
  const client = new pg.Client({ connectionString: opened.url });
  await client.connect();
  return {
    opened,
    store,
    accounts,
    client,
    close: async () => {
      await client.end();
      await opened.cleanup();
    },
  };
}
