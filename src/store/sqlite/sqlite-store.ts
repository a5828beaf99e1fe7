import Database from 'better-sqlite3';
import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { applyMigrations } from './sqlite-migrations.js';
import { SqliteSyncReads } from './sqlite-sync-reads.js';
import type { BackupRecord } from '../backup-records.js';
import type {
  AccessToken,
  AccessTokenDetails,
  Account,
  AdminIdentity,
  AdminTokenDeletion,
  AdminTokenDetails,
  ConfigChange,
  ConfigQuery,
  ConfigRecord,
  Integration,
  ImportCounts,
  IntegrationKey,
  MigrationReport,
  NewAccessToken,
  NewAccount,
  NewAdminToken,
  RetentionRule,
  NewConfig,
  NewIntegration,
  Precondition,
  RevisionAuthor,
  ScopePattern,
  WriteOutcome,
} from '../store.js';
import {
  ChangeListeners,
  type CompactionReport,
  type ConfigRevision,
  type RetentionPolicy,
  type RevisionBounds,
  revisionFactsOf,
} from '../config-revisions.js';
import { noHead, SqliteRevisions, type Head, type HeadColumns } from './sqlite-revisions.js';
import { SqlRevisions } from '../sql-revisions.js';
import { revisionSql } from './revision-queries.js';
import { toAccount, toConfig, toIntegration, type AccountRow, type ConfigRow, type IntegrationRow } from '../rows.js';
import {
  scopesText,
  toAccessToken,
  toAccessTokenDetails,
  type AccessTokenDetailsRow,
  type AccessTokenRow,
} from '../token-rows.js';
import type { GroupCommit } from './group-commit.js';
import { editedConfigJson, preconditionHolds } from '../config-edit.js';
import { memoryFailureLimiter, type FailureLimiter, type FailureLimits } from '../failure-limiter.js';
import { SqliteChannelStore } from './sqlite-channel-store.js';
import { SqlGrantStore } from '../sql-grant-store.js';
import { SqlReplyStore } from '../sql-reply-store.js';
import { replySql } from './reply-queries.js';
import { SqlZisRegistry } from '../sql-zis-registry.js';
import { SqliteRunner } from './sqlite-runner.js';
import { zisRegistrySql } from './zis-registry-queries.js';
import type { StoreCapabilities, StoreHealth } from '../store.js';
import type { StoreStorage } from '../wrap-store.js';
import type { ActivityStore } from '../activity-store.js';
import { SqlActivity } from '../sql-activity.js';
import { SqlExchanges } from '../sql-exchanges.js';
import { exchangeRecordSql } from './exchange-queries.js';
import { prefixUpperBound, scopeGlob } from './scope-glob.js';
import { exportSqlite, importSqlite } from './sqlite-backup.js';
import { toAdminTokenDetails, type AdminTokenRow } from '../admin-token-rows.js';
import type { RotationBatch, ValueRewrite } from '../encryption/key-rotation.js';
import { noEncryption, type ValueCipher } from '../encryption/value-cipher.js';
import { reencryptSqliteInstances, rewriteSqliteValues } from './sqlite-key-rotation.js';
import { retentionSql } from './retention-queries.js';
import { prepareStoreStatements } from './sqlite-store-statements.js';
import { openWritePath, type SqliteWriterMode } from './sqlite-write-path.js';
import type { Checkpointer } from './checkpointer.js';
import type { SyncFile, WalSync } from './wal-sync.js';

export type { SqliteWriterMode } from './sqlite-write-path.js';

export interface SqliteOptions {
  /**
   * `FULL` (default): an acknowledged write survives power loss (with `pipelined`, by an
   * fdatasync of the WAL before the answer). `NORMAL`: it survives a crash of the process,
   * not of the machine. `OFF` exists for benchmarks.
   */
  synchronous?: 'FULL' | 'NORMAL' | 'OFF';
  /** Dates the migrations it applies; the system clock by default. */
  clock?: Clock;
  /** Encrypts instances' metadata and state; none (plaintext) by default. */
  cipher?: ValueCipher;
  /**
   * Where writes run. `pipelined` (the default for a file): group commit on this thread
   * with `synchronous=NORMAL`, each batch made durable by an fdatasync of the WAL in the
   * libuv pool before its writes are answered, later batches committing meanwhile;
   * checkpoints on a thread of their own. So no fsync ever runs on this event loop.
   * `in-thread`: group commit with COMMIT's fsync on this thread, which never shows a write
   * before it is on disk; the only choice for `:memory:` (one connection).
   */
  writer?: SqliteWriterMode;
  /** `pipelined` only: how the WAL is flushed (tests wrap the real fdatasync to hold it). */
  syncFile?: SyncFile;
  /** Config writes record revisions (default); false only to measure what history costs. */
  configHistory?: boolean;
}

const isUniqueViolation = (error: unknown) =>
  error instanceof Database.SqliteError &&
  (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY');

/**
 * The embedded store: one SQLite file in WAL mode. Reads run directly on this thread's
 * connection; writes go through group commit, one transaction per batch. By default
 * (`pipelined`) the batch commits on this connection without an fsync and is answered
 * after an fdatasync of the WAL in the libuv pool (`wal-sync.ts`), checkpoints running on
 * their own thread (`checkpointer.ts`). Unwrapped: `openStore` adds the NUL guard and
 * encryption (`wrap-store.ts`).
 */
export class SqliteStore implements StoreStorage {
  readonly dialect = 'sqlite';
  private readonly db: Database.Database;
  /** This thread's group commit: every write is queued there. */
  private readonly groupCommit: GroupCommit;
  /** `pipelined`: the WAL's fdatasync off the event loop (none unless `synchronous=FULL`). */
  private readonly walSync: WalSync | undefined;
  /** `pipelined`: checkpoints on their own thread. */
  private readonly checkpointer: Checkpointer | undefined;
  private readonly clock: Clock;
  private readonly cipher: ValueCipher;
  readonly channels: SqliteChannelStore;
  readonly replies: SqlReplyStore;
  readonly zisRegistry: SqlZisRegistry;
  readonly grants: SqlGrantStore;
  private readonly syncReads = new SqliteSyncReads(() => this.q);
  readonly capabilities: StoreCapabilities = {
    syncReads: this.syncReads,
    feedState: () => 'in-process',
    feedGeneration: () => 0,
  };
  readonly activity: ActivityStore;
  readonly exchanges: SqlExchanges;
  private statements: ReturnType<typeof prepareStoreStatements> | undefined;
  private retention: Record<RetentionRule['table'], Database.Statement> | undefined;
  private recorder: SqliteRevisions | undefined;
  /** Config history's reads and compaction. */
  private readonly history: SqlRevisions;
  private readonly recordsHistory: boolean;
  private readonly changeListeners = new ChangeListeners();
  private readonly path: string;

  constructor(path: string, options: SqliteOptions = {}) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const synchronous = options.synchronous ?? 'FULL';
    const mode = path === ':memory:' ? 'in-thread' : (options.writer ?? 'pipelined');
    this.db = new Database(path);
    const configHistory = options.configHistory ?? true;
    const writePath = openWritePath(this.db, path, { mode, synchronous, syncFile: options.syncFile });
    this.walSync = writePath.walSync;
    this.checkpointer = writePath.checkpointer;
    this.groupCommit = writePath.groupCommit;
    this.clock = options.clock ?? systemClock;
    this.cipher = options.cipher ?? noEncryption;
    this.recordsHistory = configHistory;
    // Replies share the channel store's outbox, so this node's deliverer hears of a sent
    // reply's events at once.
    this.channels = new SqliteChannelStore(this.db, this.groupCommit);
    const runner = new SqliteRunner(this.db, this.groupCommit);
    this.history = new SqlRevisions(runner, { ...revisionSql, operand: scopeGlob });
    this.replies = new SqlReplyStore(runner, replySql, this.channels.outbox);
    this.zisRegistry = new SqlZisRegistry(runner, zisRegistrySql);
    this.grants = new SqlGrantStore(runner);
    this.activity = new SqlActivity(runner, { configHistory });
    this.exchanges = new SqlExchanges(runner, exchangeRecordSql);
  }

  /** Prepared on first use (after migrating), on whichever thread runs the writes. */
  private get retentionStatements(): Record<RetentionRule['table'], Database.Statement> {
    this.retention ??= {
      event_outbox: this.db.prepare(retentionSql.event_outbox),
      push_requests: this.db.prepare(retentionSql.push_requests),
      replies: this.db.prepare(retentionSql.replies),
      pulls: this.db.prepare(retentionSql.pulls),
    };
    return this.retention;
  }

  private get q() {
    if (!this.statements) throw new Error('SqliteStore: call migrate() before use');
    return this.statements;
  }

  private get revisions(): SqliteRevisions {
    if (!this.recorder) throw new Error('SqliteStore: call migrate() before use');
    return this.recorder;
  }

  /**
   * A config write through group commit; once it has committed a change, the account's read
   * epoch moves and listeners hear of it. A write that failed may have committed before its
   * sync failed: its account's epoch moves too.
   */
  private async configWrite<T>(accountId: number, write: () => T, changed: (result: T) => boolean): Promise<T> {
    const result = await this.groupCommit.enqueue(write).catch((error: unknown) => {
      this.syncReads.configChanged(accountId);
      throw error;
    });
    if (!changed(result)) return result;
    this.syncReads.configChanged(accountId);
    if (this.changeListeners.size > 0) this.changeListeners.fire(accountId);
    return result;
  }

  migrate(): Promise<MigrationReport> {
    return this.migrateAt(epochSeconds(this.clock));
  }

  /** Migrates, dating the migrations `nowSeconds`. */
  async migrateAt(nowSeconds: number): Promise<MigrationReport> {
    const report = applyMigrations(this.db, nowSeconds);
    await this.groupCommit.durable();
    this.statements = prepareStoreStatements(this.db);
    this.recorder = new SqliteRevisions(this.db, this.recordsHistory);
    return report;
  }

  async ping(): Promise<void> {
    if (this.groupCommit.broken) throw this.groupCommit.broken;
    this.db.prepare('SELECT 1').get();
  }

  /** One process, in-process notifications: writable unless the file (or the connection) is read-only. */
  async health(): Promise<StoreHealth> {
    const reachable = await this.ping().then(
      () => true,
      () => false,
    );
    let writable = reachable && !this.db.readonly;
    try {
      if (writable && this.path !== ':memory:') accessSync(this.path, constants.W_OK);
    } catch {
      writable = false;
    }
    return { reachable, writable, feed: 'in-process' };
  }

  async close(): Promise<void> {
    await this.groupCommit.drained();
    await this.checkpointer?.close();
    await this.walSync?.close();
    if (this.db.open) this.db.close();
  }

  /**
   * Waits for the queued writes to commit, then starts no batch until the returned
   * function is called: backup export and import have the database to themselves.
   */
  holdWrites(): Promise<() => void> {
    return this.groupCommit.hold();
  }

  createFailureLimiter(limits: FailureLimits): FailureLimiter {
    return memoryFailureLimiter(limits);
  }

  reencryptInstances(batch: { afterId: number; limit: number }): Promise<RotationBatch> {
    return reencryptSqliteInstances(this.db, (rewrites) => this.rewriteInstanceValues(rewrites), this.cipher, batch);
  }

  /** Key rotation's write: each row rewritten only if unchanged since it was read. */
  rewriteInstanceValues(rewrites: ValueRewrite[]): Promise<number> {
    return this.groupCommit.enqueue(() => rewriteSqliteValues(this.db, rewrites));
  }

  async isEmpty(): Promise<boolean> {
    return this.q.anyAccount.get() === undefined;
  }

  createAccount(input: NewAccount): Promise<Account | 'exists'> {
    // A nested transaction (a savepoint): a taken token hash must undo the account row too.
    const insert = this.db.transaction(() => {
      const row = this.q.insertAccount.get(input.id ?? null, input.subdomain, input.nowSeconds) as AccountRow;
      if (input.doctor) {
        this.q.markDoctorAccount.run(row.id);
        row.doctor = 1;
      }
      this.q.insertAdminToken.run(row.id, input.adminEmail, input.adminTokenHash, input.nowSeconds);
      return toAccount(row);
    });
    return this.groupCommit.enqueue(() => {
      try {
        return insert();
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists' as const;
        throw error;
      }
    });
  }

  async findAccountById(id: number): Promise<Account | undefined> {
    const row = this.q.accountById.get(id) as AccountRow | undefined;
    return row && toAccount(row);
  }

  async findAccountBySubdomain(subdomain: string): Promise<Account | undefined> {
    const row = this.q.accountBySubdomain.get(subdomain) as AccountRow | undefined;
    return row && toAccount(row);
  }

  async listAccounts(): Promise<Account[]> {
    return (this.q.allAccounts.all() as AccountRow[]).map(toAccount);
  }

  async createAdminToken(input: NewAdminToken): Promise<void> {
    await this.groupCommit.enqueue(() =>
      this.q.insertAdminToken.run(input.accountId, input.email, input.tokenHash, input.nowSeconds),
    );
  }

  async findAdminByTokenHash(tokenHash: string): Promise<AdminIdentity | undefined> {
    const row = this.q.adminByTokenHash.get(tokenHash) as (AccountRow & { email: string }) | undefined;
    return row && { account: toAccount(row), email: row.email };
  }

  createIntegration(input: NewIntegration): Promise<Integration | 'exists'> {
    return this.groupCommit.enqueue(() => {
      try {
        const row = this.q.insertIntegration.get(
          input.accountId,
          input.name,
          input.clientIdentifier,
          input.clientSecretHash,
          input.nowSeconds,
          input.description ?? '',
        ) as IntegrationRow;
        return toIntegration(row);
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists' as const;
        throw error;
      }
    });
  }

  async findIntegration(accountId: number, name: string): Promise<Integration | undefined> {
    const row = this.q.integrationByName.get(accountId, name) as IntegrationRow | undefined;
    return row && toIntegration(row);
  }

  async findIntegrationByClientIdentifier(identifier: string): Promise<Integration | undefined> {
    const row = this.q.integrationByClient.get(identifier) as IntegrationRow | undefined;
    return row && toIntegration(row);
  }

  createAccessToken(input: NewAccessToken): Promise<{ id: number }> {
    return this.groupCommit.enqueue(
      () =>
        this.q.insertAccessToken.get(
          input.tokenHash,
          input.accountId,
          input.integration,
          input.nowSeconds,
          scopesText(input.scopes),
          input.tokenPrefix ?? null,
          input.expiresAt ?? null,
        ) as { id: number },
    );
  }

  async findAccessToken(tokenHash: string): Promise<AccessToken | undefined> {
    const row = this.q.accessToken.get(tokenHash) as AccessTokenRow | undefined;
    return row && toAccessToken(row);
  }

  async listIntegrations(accountId: number): Promise<Integration[]> {
    return (this.q.integrationsOfAccount.all(accountId) as IntegrationRow[]).map(toIntegration);
  }

  async findIntegrationById(accountId: number, id: number): Promise<Integration | undefined> {
    const row = this.q.integrationById.get(accountId, id) as IntegrationRow | undefined;
    return row && toIntegration(row);
  }

  rotateClientSecret(
    accountId: number,
    integrationId: number,
    clientSecretHash: string,
  ): Promise<Integration | undefined> {
    return this.groupCommit.enqueue(() => {
      const row = this.q.rotateClientSecret.get(clientSecretHash, accountId, integrationId) as
        IntegrationRow | undefined;
      return row && toIntegration(row);
    });
  }

  async listAccessTokens(accountId: number, page: { afterId: number; limit: number }): Promise<AccessTokenDetails[]> {
    const rows = this.q.accessTokensOfAccount.all(accountId, page.afterId, page.limit) as AccessTokenDetailsRow[];
    return rows.map(toAccessTokenDetails);
  }

  async findAccessTokenById(accountId: number, id: number): Promise<AccessTokenDetails | undefined> {
    const row = this.q.accessTokenById.get(accountId, id) as AccessTokenDetailsRow | undefined;
    return row && toAccessTokenDetails(row);
  }

  deleteAccessToken(accountId: number, id: number): Promise<boolean> {
    return this.groupCommit.enqueue(() => {
      const deleted = this.q.deleteAccessToken.run(accountId, id).changes > 0;
      if (deleted) this.q.deleteRefreshTokensOf.run(id);
      if (deleted) this.q.bumpRevocationVersion.run();
      return deleted;
    });
  }

  async listAdminTokens(accountId: number): Promise<AdminTokenDetails[]> {
    return (this.q.adminTokensOfAccount.all(accountId) as AdminTokenRow[]).map(toAdminTokenDetails);
  }

  deleteAdminToken(accountId: number, id: number, options: { keepLast: boolean }): Promise<AdminTokenDeletion> {
    return this.groupCommit.enqueue((): AdminTokenDeletion => {
      if (!this.q.adminTokenOfAccount.get(accountId, id)) return 'not_found';
      if (options.keepLast && this.q.countAdminTokensOfAccount.pluck().get(accountId) === 1) return 'last';
      this.q.deleteAdminToken.run(accountId, id);
      this.q.bumpRevocationVersion.run();
      return 'deleted';
    });
  }

  async credentialRevocationVersion(): Promise<number> {
    return (this.q.revocationVersion.pluck().get() as number | undefined) ?? 0;
  }

  pruneRetained(rule: RetentionRule, limit: number): Promise<number> {
    return this.groupCommit.enqueue(() => {
      const statement = this.retentionStatements[rule.table];
      const bound = rule.table === 'pulls' ? { keep: rule.keep } : { beforeMs: rule.beforeMs };
      return statement.run({ ...bound, limit }).changes;
    });
  }

  async recordAccessTokenUse(id: number, usedAt: number): Promise<void> {
    await this.groupCommit.enqueue(() => this.q.recordAccessTokenUse.run(usedAt, id, usedAt));
  }

  async listConfigs(key: IntegrationKey, query: ConfigQuery): Promise<ConfigRecord[]> {
    // GLOB stops at U+0000: the method table answers a pattern holding one (none matches).
    const { pattern, afterId, limit } = query;
    const { accountId, integration } = key;
    let rows: unknown[];
    if (pattern.length === 1) {
      rows = this.q.listConfigsExact.all(accountId, integration, pattern[0], afterId, limit);
    } else {
      const prefix = pattern[0]!;
      const upper = prefix ? prefixUpperBound(prefix) : undefined;
      rows =
        upper === undefined
          ? this.q.listConfigsGlob.all(accountId, integration, scopeGlob(pattern), afterId, limit)
          : this.q.listConfigsPrefix.all(accountId, integration, prefix, upper, scopeGlob(pattern), afterId, limit);
    }
    return (rows as ConfigRow[]).map(toConfig);
  }

  async getConfig(key: IntegrationKey, scope: string): Promise<ConfigRecord | undefined> {
    return this.syncReads.getConfigAtOnce(key, scope);
  }

  createConfig(key: IntegrationKey, input: NewConfig): Promise<ConfigRecord | 'exists'> {
    const write = () => {
      try {
        const row = this.q.insertConfig.get(
          key.accountId,
          key.integration,
          input.scope,
          input.configJson,
          input.version ?? 1,
          input.nowSeconds,
          input.nowSeconds,
        ) as ConfigRow;
        const config = toConfig(row);
        // With history off too: a new config takes the head its deleted predecessor left.
        this.revisions.record(revisionFactsOf(config, input.operation ?? 'create', input.actor), noHead);
        return config;
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists' as const;
        throw error;
      }
    };
    return this.configWrite(key.accountId, write, (result) => result !== 'exists');
  }

  updateConfig(key: IntegrationKey, scope: string, change: ConfigChange): Promise<WriteOutcome> {
    const write = (): WriteOutcome => {
      const current = this.currentConfig(key, scope, change.precondition);
      if (current.kind !== 'ok') return current;
      const configJson = editedConfigJson(change.edit, current.config.configJson);
      // With history on the UPDATE moves the config's history head to the new revision itself.
      const revision = this.recordsHistory ? this.revisions.nextNumber(key.accountId) : null;
      const id = current.config.id;
      const row = this.q.updateConfig.get(configJson, change.nowSeconds, revision, revision, id) as ConfigRow;
      const config = toConfig(row);
      if (revision !== null) {
        this.revisions.recordUpdate(revisionFactsOf(config, change.operation, change.actor), revision, current.head);
      }
      return { kind: 'ok', config };
    };
    return this.configWrite(key.accountId, write, (outcome) => outcome.kind === 'ok');
  }

  deleteConfig(
    key: IntegrationKey,
    scope: string,
    precondition: Precondition | undefined,
    author: RevisionAuthor,
  ): Promise<WriteOutcome> {
    const write = (): WriteOutcome => {
      const current = this.currentConfig(key, scope, precondition);
      if (current.kind !== 'ok') return current;
      const { id: configId, version } = current.config;
      // Before the row goes: the revision links to the head the row holds.
      const facts = { key, scope, operation: 'delete' as const, configJson: undefined, configId, version, ...author };
      this.revisions.record(facts, current.head);
      this.q.deleteConfig.run(configId);
      return { kind: 'ok', config: undefined };
    };
    return this.configWrite(key.accountId, write, (outcome) => outcome.kind === 'ok');
  }

  async listConfigRevisions(
    key: IntegrationKey,
    scope: string,
    page: { beforeRevision?: number; limit: number },
  ): Promise<ConfigRevision[]> {
    return this.history.list(key, scope, page);
  }

  async getConfigRevision(key: IntegrationKey, scope: string, revision: number): Promise<ConfigRevision | undefined> {
    return this.history.get(key, scope, revision);
  }

  async listConfigChanges(
    key: IntegrationKey,
    query: { pattern: ScopePattern; sinceRevision: number; limit: number },
  ): Promise<ConfigRevision[]> {
    return this.history.changes(key, query);
  }

  async revisionBounds(accountId: number): Promise<RevisionBounds> {
    return this.history.bounds(accountId);
  }

  onConfigChanged(listener: (accountId: number) => void): () => void {
    return this.changeListeners.add(listener);
  }

  async compactConfigRevisions(policy: RetentionPolicy): Promise<CompactionReport> {
    await this.groupCommit.enqueue(() => this.revisions.fold());
    return this.history.compact(policy);
  }

  async *exportRecords(): AsyncGenerator<BackupRecord> {
    void this.q; // migrated, or a clear error
    const release = await this.holdWrites();
    try {
      yield* exportSqlite(this.db);
    } finally {
      release();
    }
  }

  async importRecords(records: AsyncIterable<BackupRecord>): Promise<ImportCounts | 'not_empty'> {
    void this.q;
    const release = await this.holdWrites();
    try {
      const counts = await importSqlite(this.db, records);
      // Its COMMIT wrote the WAL; pipelined, the fsync is this.
      await this.groupCommit.durable();
      return counts;
    } finally {
      release();
    }
  }

  /** Inside a write: the config, or why the write cannot go ahead. */
  private currentConfig(
    key: IntegrationKey,
    scope: string,
    precondition: Precondition | undefined,
  ): { kind: 'ok'; config: ConfigRecord; head: Head } | { kind: 'not_found' } | { kind: 'precondition_failed' } {
    const row = this.q.configByScope.get(key.accountId, key.integration, scope) as
      (ConfigRow & HeadColumns) | undefined;
    if (!row) return { kind: 'not_found' };
    const config = toConfig(row);
    if (!preconditionHolds(precondition, config)) return { kind: 'precondition_failed' };
    return { kind: 'ok', config, head: { revision: row.history_head, depth: row.history_depth } };
  }
}
