import type { DriverCapabilities, StoreOptions } from '../store-driver.js';

/** How a PostgreSQL store talks to its server: the capabilities it uses, and whether a pooler sits between. */
export interface PostgresMode {
  capabilities: DriverCapabilities;
  /**
   * A transaction-mode pooler (PgBouncer) hands each transaction any server connection: no
   * named prepared statements and no session state (`SET`, a search path) can be relied on.
   */
  pooler: boolean;
  /** The URL the LISTEN connection uses when it differs from the store's. */
  listenUrl?: string;
}

/**
 * The mode a driver profile and `SWITCHBOARD_POSTGRES_STATEMENTS` give. `unnamed` (a
 * transaction-mode pooler) turns named statements off, and LISTEN/NOTIFY too unless a direct
 * LISTEN URL is given: LISTEN through a transaction pooler hears nothing, so the store polls
 * the revision counters instead. Advisory locks stay: the store only takes
 * transaction-scoped ones (`pg_advisory_xact_lock`), which a transaction pooler keeps.
 */
export function postgresMode(
  profile: { capabilities: DriverCapabilities; pooler: boolean },
  options: Pick<StoreOptions, 'postgresStatements' | 'postgresListenUrl'>,
): PostgresMode {
  const pooler = profile.pooler || options.postgresStatements === 'unnamed';
  const listenUrl = options.postgresListenUrl;
  if (!pooler) return { capabilities: profile.capabilities, pooler, listenUrl };
  const capabilities: DriverCapabilities = {
    listenNotify: profile.capabilities.listenNotify && listenUrl !== undefined,
    advisoryLocks: profile.capabilities.advisoryLocks,
    namedStatements: false,
  };
  return { capabilities, pooler, listenUrl };
}
