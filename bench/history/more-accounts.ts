// More accounts beside the seeded one, for the 50-account durable PATCH row.
import { createAccount, issueAccessToken, registerIntegration } from '../../src/accounts/provision.js';
import { epochSeconds, systemClock } from '../../src/clock.js';
import { openStore } from '../../src/store/open-store.js';
import { configJsonAt, integrationName, scatteredIndices, scopeAt } from '../dataset.js';

/**
 * Adds `count` accounts to the database at `databaseUrl`, each with the bench integration, a
 * token and the configs `patchPaths(total)` names (through the store, as an operator's
 * provisioning would); answers their tokens in order.
 */
export async function addAccounts(databaseUrl: string, count: number, total: number): Promise<string[]> {
  const store = await openStore(databaseUrl, { configHistory: false });
  await store.migrate();
  try {
    const tokens: string[] = [];
    const nowSeconds = epochSeconds(systemClock);
    for (let n = 0; n < count; n++) {
      const created = await createAccount(store, systemClock, { subdomain: `bench-more-${n}` });
      if (created === 'exists') throw new Error(`addAccounts: bench-more-${n} exists; seed an empty database`);
      const accountId = created.account.id;
      if ((await registerIntegration(store, systemClock, accountId, integrationName)) === 'exists')
        throw new Error('addAccounts: the bench integration exists');
      tokens.push(await issueAccessToken(store, systemClock, accountId, integrationName));
      await Promise.all(
        scatteredIndices(100, total).map((i) =>
          store.createConfig(
            { accountId, integration: integrationName },
            { scope: scopeAt(i), configJson: configJsonAt(i), nowSeconds, actor: { type: 'cli', id: 'bench' } },
          ),
        ),
      );
    }
    return tokens;
  } finally {
    await store.close();
  }
}
