import type { Settings } from '../settings.js';
import type { StoreOptions } from './store-driver.js';

/** The store options the settings give: the same for `serve` and every command that opens the database. */
export function storeOptionsOf(settings: Settings): StoreOptions {
  return {
    postgresStatements: settings.postgresStatements,
    postgresListenUrl: settings.postgresListenUrl,
    postgres: settings.postgres,
  };
}
