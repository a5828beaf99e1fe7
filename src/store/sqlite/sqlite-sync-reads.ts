import type Database from 'better-sqlite3';
import { toConfig, type ConfigRow } from '../rows.js';
import type { ConfigRecord, IntegrationKey, SyncConfigReads } from '../store.js';

/** The read connection's statements these reads use. */
interface ReadStatements {
  configByScope: Database.Statement;
  dataVersion: Database.Statement;
  totalChanges: Database.Statement;
}

/**
 * SQLite's config reads without waiting (`capabilities.syncReads`), for the HTTP layer's
 * fast lane: the read connection answers at once, and its read epoch says when an answer
 * rendered before may no longer hold. Arrow properties, so the lane can call them unbound.
 */
export class SqliteSyncReads implements SyncConfigReads {
  private epoch = { value: 0, dataVersion: -1, ownChanges: -1 };

  /** `statements`: the store's prepared statements, there once it has migrated. */
  constructor(private readonly statements: () => ReadStatements) {}

  /** `getConfig`'s answer at once. */
  readonly getConfigAtOnce = (key: IntegrationKey, scope: string): ConfigRecord | undefined => {
    const row = this.statements().configByScope.get(key.accountId, key.integration, scope) as ConfigRow | undefined;
    return row && toConfig(row);
  };

  /** A number that moves whenever a config may have changed. */
  readonly configReadEpoch = (): number => {
    // data_version moves with every commit of another connection (another process);
    // total_changes with this connection's own writes.
    const q = this.statements();
    const dataVersion = q.dataVersion.get() as number;
    const ownChanges = q.totalChanges.get() as number;
    const epoch = this.epoch;
    if (dataVersion !== epoch.dataVersion || ownChanges !== epoch.ownChanges) {
      epoch.value++;
      epoch.dataVersion = dataVersion;
      epoch.ownChanges = ownChanges;
    }
    return epoch.value;
  };
}
