import type Database from 'better-sqlite3';
import { toConfig, type ConfigRow } from '../rows.js';
import type { ConfigRecord, IntegrationKey, SyncConfigReads } from '../store.js';

/** The read connection's statements these reads use. */
interface ReadStatements {
  configByScope: Database.Statement;
  dataVersion: Database.Statement;
}

/** Accounts with an epoch of their own before all are forgotten at once (memory stays bounded). */
const maxAccounts = 100_000;

/**
 * SQLite's config reads without waiting (`capabilities.syncReads`), for the HTTP layer's
 * fast lane: the read connection answers at once, and each account's read epoch says when
 * an answer rendered before may no longer hold. Arrow properties, so the lane can call them
 * unbound.
 *
 * An account's epoch moves with this store's own config writes to that account
 * ({@link configChanged}), so writes to other accounts, and the store's other writes (pulls,
 * replies, tokens), keep its answers; every account's moves when `data_version` says
 * another connection or process committed (the CLI, an import, `keys rotate`), since that
 * may have changed any config.
 */
export class SqliteSyncReads implements SyncConfigReads {
  /** Each value given out once: a moved account, or a new base, never repeats an epoch. */
  private tick = 0;
  private base = 0;
  private dataVersion = -1;
  private readonly accounts = new Map<number, number>();

  /** `statements`: the store's prepared statements, there once it has migrated. */
  constructor(private readonly statements: () => ReadStatements) {}

  /** `getConfig`'s answer at once. */
  readonly getConfigAtOnce = (key: IntegrationKey, scope: string): ConfigRecord | undefined => {
    const row = this.statements().configByScope.get(key.accountId, key.integration, scope) as ConfigRow | undefined;
    return row && toConfig(row);
  };

  /** A number that moves whenever one of the account's configs may have changed. */
  readonly configReadEpoch = (accountId: number): number => {
    // data_version moves with every commit of another connection, never with this one's.
    const dataVersion = this.statements().dataVersion.get() as number;
    if (dataVersion !== this.dataVersion) {
      this.dataVersion = dataVersion;
      this.forgetAll();
    }
    return this.accounts.get(accountId) ?? this.base;
  };

  /**
   * This connection wrote (or tried to write) one of the account's configs: called once the
   * write has committed and before it resolves, so its writer's next read sees it.
   */
  configChanged(accountId: number): void {
    if (this.accounts.size >= maxAccounts) this.forgetAll();
    this.accounts.set(accountId, ++this.tick);
  }

  private forgetAll(): void {
    this.accounts.clear();
    this.base = ++this.tick;
  }
}
