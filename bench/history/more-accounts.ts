// More accounts beside the seeded one, for the 50-account durable PATCH row.
import { epochSeconds, systemClock } from '../../src/clock.js';
import { openStore } from '../../src/store/open-store.js';
import { configJsonAt, integrationName, patchIndices, scopeAt } from '../dataset.js';
import { provisionBenchAccount } from '../seed.js';

/**
 * Adds `count` accounts to the database at `databaseUrl`, each with the bench integration, a
 * token and the configs `patchIndices(total)` names (through the store, as an operator's
 * provisioning would); answers their tokens in order.
 */
export async function addAccounts(databaseUrl: string, count: number, total: number): Promise<string[]> {
  const store = await openStore(databaseUrl, { configHistory: false });
  await store.migrate();
  try {
    const tokens: string[] = [];
    const nowSeconds = epochSeconds(systemClock);
    for (let n = 0; n < count; n++) {
      const { accountId, token } = await provisionBenchAccount(store, `bench-more-${n}`);
      tokens.push(token);
      await Promise.all(
        patchIndices(total).map((i) =>
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
