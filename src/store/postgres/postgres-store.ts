import pg from 'pg';
import { epochSeconds, systemClock, type Clock } from '../../clock.js';
import { StoreUnavailableError } from '../store-errors.js';
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
} from '../config-revisions.js';
import { PostgresConfigLists } from './postgres-config-lists.js';
import { PostgresConfigReads } from './postgres-config-reads.js';
import { PostgresConfigWrites } from './postgres-config-writes.js';
import { RevisionNumbering } from './postgres-revisions.js';
import { SqlRevisions } from '../sql-revisions.js';
import { OwnBackends } from './own-backends.js';
import { PostgresChangeListener } from './postgres-change-listener.js';
import { ownWritesOnly, PostgresChangePoller, type ChangeSignal } from './postgres-change-poller.js';
import { transactionLock } from './transaction-locks.js';
import { applyPostgresMigrations, quoteIdentifier } from './postgres-migrations.js';
import { revisionSql } from './revision-queries.js';
import type { DriverCapabilities } from '../store-driver.js';
import { isConnectionFailure, isPoolQueueTimeout, isServerTimeout, isUniqueViolation } from './connection-errors.js';
import { liftBoundsSql, poolBoundsOf, PostgresPool } from './postgres-pool.js';
import { allCapabilities, int8AsNumber, type PostgresOptions } from './postgres-options.js';
import { DatabaseHealth } from '../database-health.js';
import { parsePostgresUrl } from './postgres-url.js';
import { exportPostgres, importPostgres } from './postgres-backup.js';
import type { FailureLimiter, FailureLimits } from '../failure-limiter.js';
import { postgresFailureLimiter } from './postgres-failure-limiter.js';
import { PostgresChannelStore, type PostgresAccess } from './postgres-channel-store.js';
import { SqlReplyStore } from '../sql-reply-store.js';
import { replySql } from './reply-queries.js';
import { SqlGrantStore } from '../sql-grant-store.js';
import type { StoreCapabilities, StoreHealth } from '../store.js';
import type { StoreStorage } from '../wrap-store.js';
import { SqlZisRegistry } from '../sql-zis-registry.js';
import { PostgresRunner } from './postgres-runner.js';
import { zisRegistrySql } from './zis-registry-queries.js';
import type { ActivityStore } from '../activity-store.js';
import { SqlActivity } from '../sql-activity.js';
import { SqlExchanges } from '../sql-exchanges.js';
import { exchangeRecordSql } from './exchange-queries.js';
import { prepareParameterisedStatements, unnamedStatementsOnly } from './prepared-statements.js';
import { sql } from './queries.js';
import { revocationSql } from './revocation-queries.js';
import { retentionSql } from './retention-queries.js';
import { toAdminTokenDetails, type AdminTokenRow } from '../admin-token-rows.js';
import { toAccount, toConfig, toIntegration, type AccountRow, type ConfigRow, type IntegrationRow } from '../rows.js';
import { prefixRange, scopeLike } from './scope-like.js';
import {
  scopesText,
  toAccessToken,
  toAccessTokenDetails,
  type AccessTokenDetailsRow,
  type AccessTokenRow,
} from '../token-rows.js';

import type { RotationBatch } from '../encryption/key-rotation.js';
import { noEncryption, type ValueCipher } from '../encryption/value-cipher.js';
import { reencryptPostgresInstances } from './postgres-key-rotation.js';
import { CallerError, callerRecords } from './caller-errors.js';

/**
 * The PostgreSQL store, for running several Switchboard nodes against one database. Each
 * statement runs on a pooled connection; config writes run in a transaction that
 * row-locks the config (`SELECT … FOR UPDATE`), so concurrent writers from any node take
 * turns and none is lost. A write resolves after COMMIT, so it is durable. Connection
 * failures surface as {@link StoreUnavailableError}. Unwrapped: `openStore` adds the NUL
 * guard and encryption (`wrap-store.ts`).
 */
export class PostgresStore implements StoreStorage {
  readonly dialect = 'postgres';
  // Reuses this store's query runner, so connection-error mapping and close() tracking apply.
  private readonly access: PostgresAccess = {
    rows: (text, values) => this.rows(text, values),
    transaction: (work) => this.transaction(work),
  };
  readonly channels: PostgresChannelStore;
  readonly replies: SqlReplyStore;
  readonly zisRegistry: SqlZisRegistry;
  readonly grants: SqlGrantStore;
  /** Config reads that arrive together share one statement (postgres-config-reads.ts). */
  private readonly configReads = new PostgresConfigReads((text, values) => this.rows(text, values));
  private readonly configLists = new PostgresConfigLists((text, values) => this.rows(text, values));
  private readonly configWrites: PostgresConfigWrites;
  private readonly numbering: RevisionNumbering;
  private readonly revisionSweepMs: number;
  /** Every read is a round trip: none answers at once. */
  readonly capabilities: StoreCapabilities = {
    syncReads: undefined,
    feedState: () => this.changeListener.state,
    feedGeneration: () => this.changeListener.generation ?? 0,
  };
  readonly activity: ActivityStore;
  readonly exchanges: SqlExchanges;
  private readonly cipher: ValueCipher;
  private readonly pool: PostgresPool;
  /** Reachable or not (each change once, for the log), pool counters, start-up warnings. */
  readonly databaseHealth: DatabaseHealth;
  private readonly pooler: boolean;
  private readonly schema: string | undefined;
  private readonly clock: Clock;
  /** Operations under way, so `close()` can wait for them before ending the pool. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed: Promise<void> | undefined;
  private readonly recordsHistory: boolean;
  private readonly revisions: SqlRevisions;
  private readonly changeListeners = new ChangeListeners();
  /** This store's own pool connections, whose NOTIFYs its LISTEN passes over. */
  private readonly ownBackends = new OwnBackends();
  private readonly changeListener: ChangeSignal;
  /** What this PostgreSQL offers (store-driver.ts): LISTEN/NOTIFY, advisory locks, named statements. */
  private readonly driverCapabilities: DriverCapabilities;

  constructor(url: string, options: PostgresOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.cipher = options.cipher ?? noEncryption;
    this.recordsHistory = options.configHistory ?? true;
    const capabilities = (this.driverCapabilities = options.capabilities ?? allCapabilities);
    const parsedUrl = parsePostgresUrl(url);
    if (options.pooler && options.schema !== undefined) {
      throw new Error(
        'A schema needs a session search_path, which a transaction pooler does not keep: use a database of its own',
      );
    }
    const counters = () => this.rows<{ account_id: number; last_revision: number }>(revisionSql.revisionCounters);
    this.changeListener = capabilities.listenNotify
      ? new PostgresChangeListener(this.changeListeners, {
          url: options.listenUrl ?? url,
          searchPath: options.schema,
          // While the LISTEN connection is down; with history off no counter moves (the feed's safety poll remains).
          counters: this.recordsHistory ? counters : undefined,
          ownBackend: (pid) => this.ownBackends.has(pid),
        })
      : !this.recordsHistory
        ? ownWritesOnly
        : new PostgresChangePoller(this.changeListeners, counters);
    this.numbering = new RevisionNumbering(this.access.rows, capabilities.listenNotify, (accounts) => {
      if (this.changeListeners.size > 0) for (const account of accounts) this.changeListeners.fire(account);
    });
    this.revisionSweepMs = options.revisionSweepMs ?? 10_000;
    this.configWrites = new PostgresConfigWrites({
      transaction: (work) => this.transaction(work),
      numbering: this.numbering,
      changes: this.changeListener,
      listeners: this.changeListeners,
      recordsHistory: this.recordsHistory,
      notify: capabilities.listenNotify,
    });
    // Replies share the channel store's outbox, so this node's deliverer hears of a sent
    // reply's events at once.
    this.channels = new PostgresChannelStore(this.access, { pullBatch: options.pullBatch });
    const runner = new PostgresRunner(
      { ...this.access, result: (text, values) => this.result(text, values) },
      transactionLock(capabilities.advisoryLocks),
    );
    this.revisions = new SqlRevisions(runner, { ...revisionSql, operand: scopeLike });
    this.replies = new SqlReplyStore(runner, replySql, this.channels.outbox);
    this.zisRegistry = new SqlZisRegistry(runner, zisRegistrySql);
    this.grants = new SqlGrantStore(runner);
    this.activity = new SqlActivity(runner, { configHistory: this.recordsHistory });
    this.exchanges = new SqlExchanges(runner, exchangeRecordSql);
    const schema = options.schema;
    this.schema = schema;
    this.databaseHealth = options.databaseHealth ?? new DatabaseHealth();
    const bounds = poolBoundsOf(options);
    this.pooler = bounds.pooler;
    this.pool = new PostgresPool({
      url: parsedUrl,
      bounds,
      health: this.databaseHealth,
      types: int8AsNumber,
      // The pool awaits this before handing out a new connection; if it fails, so does the
      // request, so no statement ever runs in the wrong schema.
      onConnect: async (client) => {
        // A transaction-mode pooler hands each transaction any server connection: no named statements then.
        if (capabilities.namedStatements) prepareParameterisedStatements(client);
        else unnamedStatementsOnly(client);
        if (schema !== undefined) await client.query(`SET search_path TO ${quoteIdentifier(schema)}`);
        if (capabilities.listenNotify && !bounds.pooler) await this.ownBackends.add(client);
      },
    });
  }

  async migrate(): Promise<MigrationReport> {
    // Checked once: a pooler cannot take them per session, so the role must have them.
    if (this.pooler) await this.run(() => this.pool.warnOfMissingServerTimeouts());
    const report = await applyPostgresMigrations({
      // A migration may rightly take long (a large table rewritten): no bound on it.
      transaction: (work) => this.transaction(work, { unbounded: true }),
      schema: this.schema,
      advisoryLocks: this.driverCapabilities.advisoryLocks,
      nowSeconds: () => epochSeconds(this.clock),
    });
    if (this.recordsHistory) await this.numbering.startSweeping(this.revisionSweepMs);
    return report;
  }

  async ping(): Promise<void> {
    await this.rows('SELECT 1');
  }

  /** One statement within `timeoutMs` (a connection that does not answer is discarded), and the feed's state. */
  async health(timeoutMs: number): Promise<StoreHealth> {
    const feed = this.changeListener.state;
    // pg reads `query_timeout` on a query's config; its types do not list it.
    const query: pg.QueryConfig & { query_timeout: number } = { text: revisionSql.readOnly, query_timeout: timeoutMs };
    try {
      const [row] = await this.run(async () => (await this.pool.query<{ transaction_read_only: string }>(query)).rows);
      // `on` behind the endpoint: a standby (a failover under way) or a read-only database.
      return { reachable: true, writable: row?.transaction_read_only === 'off', feed };
    } catch {
      return { reachable: false, writable: false, feed };
    }
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      // pg-pool never serves requests still queued for a connection once end() is called.
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      await this.numbering.stop();
      await this.changeListener.stop();
      await this.pool.end();
    })();
    return this.closed;
  }

  createFailureLimiter(limits: FailureLimits): FailureLimiter {
    return postgresFailureLimiter(this.pool, limits, () => this.clock().getTime());
  }

  reencryptInstances(batch: { afterId: number; limit: number }): Promise<RotationBatch> {
    return reencryptPostgresInstances(this.access, this.cipher, batch);
  }

  async isEmpty(): Promise<boolean> {
    return (await this.rows(sql.anyAccount)).length === 0;
  }

  async createAccount(input: NewAccount): Promise<Account | 'exists'> {
    try {
      return await this.transaction(async (client) => {
        let row: AccountRow;
        if (input.id === undefined) {
          row = (await client.query<AccountRow>(sql.insertAccount, [input.subdomain, input.nowSeconds])).rows[0]!;
        } else {
          await client.query(sql.lockAccountIds);
          row = (await client.query<AccountRow>(sql.insertAccountWithId, [input.id, input.subdomain, input.nowSeconds]))
            .rows[0]!;
          // Identity columns do not notice a chosen id; later generated ids must not collide.
          await client.query(sql.advanceAccountIds);
        }
        if (input.doctor) {
          await client.query(sql.markDoctorAccount, [row.id]);
          row.doctor = true;
        }
        await client.query(sql.insertAdminToken, [row.id, input.adminEmail, input.adminTokenHash, input.nowSeconds]);
        return toAccount(row);
      });
    } catch (error) {
      if (isUniqueViolation(error)) return 'exists';
      throw error;
    }
  }

  async findAccountById(id: number): Promise<Account | undefined> {
    const [row] = await this.rows<AccountRow>(sql.accountById, [id]);
    return row && toAccount(row);
  }

  async findAccountBySubdomain(subdomain: string): Promise<Account | undefined> {
    const [row] = await this.rows<AccountRow>(sql.accountBySubdomain, [subdomain]);
    return row && toAccount(row);
  }

  async listAccounts(): Promise<Account[]> {
    return (await this.rows<AccountRow>(sql.allAccounts, [])).map(toAccount);
  }

  async createAdminToken(input: NewAdminToken): Promise<void> {
    await this.rows(sql.insertAdminToken, [input.accountId, input.email, input.tokenHash, input.nowSeconds]);
  }

  async findAdminByTokenHash(tokenHash: string): Promise<AdminIdentity | undefined> {
    const [row] = await this.rows<AccountRow & { email: string }>(sql.adminByTokenHash, [tokenHash]);
    return row && { account: toAccount(row), email: row.email };
  }

  async createIntegration(input: NewIntegration): Promise<Integration | 'exists'> {
    try {
      const [row] = await this.rows<IntegrationRow>(sql.insertIntegration, [
        input.accountId,
        input.name,
        input.clientIdentifier,
        input.clientSecretHash,
        input.nowSeconds,
        input.description ?? '',
      ]);
      return toIntegration(row!);
    } catch (error) {
      if (isUniqueViolation(error)) return 'exists';
      throw error;
    }
  }

  async findIntegration(accountId: number, name: string): Promise<Integration | undefined> {
    const [row] = await this.rows<IntegrationRow>(sql.integrationByName, [accountId, name]);
    return row && toIntegration(row);
  }

  async findIntegrationByClientIdentifier(identifier: string): Promise<Integration | undefined> {
    const [row] = await this.rows<IntegrationRow>(sql.integrationByClient, [identifier]);
    return row && toIntegration(row);
  }

  async createAccessToken(input: NewAccessToken): Promise<{ id: number }> {
    const [row] = await this.rows<{ id: number }>(sql.insertAccessToken, [
      input.tokenHash,
      input.accountId,
      input.integration,
      input.nowSeconds,
      scopesText(input.scopes),
      input.tokenPrefix ?? null,
      input.expiresAt ?? null,
    ]);
    return { id: row!.id };
  }

  async findAccessToken(tokenHash: string): Promise<AccessToken | undefined> {
    const [row] = await this.rows<AccessTokenRow>(sql.accessToken, [tokenHash]);
    return row && toAccessToken(row);
  }

  async listIntegrations(accountId: number): Promise<Integration[]> {
    return (await this.rows<IntegrationRow>(sql.integrationsOfAccount, [accountId])).map(toIntegration);
  }

  async findIntegrationById(accountId: number, id: number): Promise<Integration | undefined> {
    const [row] = await this.rows<IntegrationRow>(sql.integrationById, [accountId, id]);
    return row && toIntegration(row);
  }

  async rotateClientSecret(
    accountId: number,
    integrationId: number,
    clientSecretHash: string,
  ): Promise<Integration | undefined> {
    const [row] = await this.rows<IntegrationRow>(sql.rotateClientSecret, [clientSecretHash, accountId, integrationId]);
    return row && toIntegration(row);
  }

  async listAccessTokens(accountId: number, page: { afterId: number; limit: number }): Promise<AccessTokenDetails[]> {
    const rows = await this.rows<AccessTokenDetailsRow>(sql.accessTokensOfAccount, [
      accountId,
      page.afterId,
      page.limit,
    ]);
    return rows.map(toAccessTokenDetails);
  }

  async findAccessTokenById(accountId: number, id: number): Promise<AccessTokenDetails | undefined> {
    const [row] = await this.rows<AccessTokenDetailsRow>(sql.accessTokenById, [accountId, id]);
    return row && toAccessTokenDetails(row);
  }

  async deleteAccessToken(accountId: number, id: number): Promise<boolean> {
    const [row] = await this.rows<{ deleted: number }>(sql.deleteAccessToken, [accountId, id]);
    return (row?.deleted ?? 0) > 0;
  }

  async listAdminTokens(accountId: number): Promise<AdminTokenDetails[]> {
    return (await this.rows<AdminTokenRow>(revocationSql.adminTokensOfAccount, [accountId])).map(toAdminTokenDetails);
  }

  deleteAdminToken(accountId: number, id: number, options: { keepLast: boolean }): Promise<AdminTokenDeletion> {
    return this.transaction(async (client): Promise<AdminTokenDeletion> => {
      const { rows } = await client.query<{ id: number }>(revocationSql.lockAdminTokensOfAccount, [accountId]);
      if (!rows.some((row) => row.id === id)) return 'not_found';
      if (options.keepLast && rows.length === 1) return 'last';
      await client.query(revocationSql.deleteAdminToken, [accountId, id]);
      await client.query(revocationSql.bumpRevocationVersion);
      return 'deleted';
    });
  }

  async credentialRevocationVersion(): Promise<number> {
    const [row] = await this.rows<{ version: number }>(revocationSql.revocationVersion);
    return row?.version ?? 0;
  }

  async pruneRetained(rule: RetentionRule, limit: number): Promise<number> {
    const bound = rule.table === 'pulls' ? rule.keep : rule.beforeMs;
    return this.result(retentionSql[rule.table], [bound, limit]);
  }

  async recordAccessTokenUse(id: number, usedAt: number): Promise<void> {
    await this.rows(sql.recordAccessTokenUse, [usedAt, id]);
  }

  async listConfigs(key: IntegrationKey, query: ConfigQuery): Promise<ConfigRecord[]> {
    const exact = query.pattern.length === 1;
    const operand = exact ? query.pattern[0]! : scopeLike(query.pattern);
    const range = exact ? undefined : prefixRange(query.pattern[0]!);
    const { accountId, integration } = key;
    const rows = range
      ? await this.configLists.list({
          accountId,
          integration,
          pattern: operand,
          afterId: query.afterId,
          limit: query.limit,
          low: range[0],
          high: range[1],
        })
      : await this.rows<ConfigRow>(exact ? sql.listConfigsExact : sql.listConfigsLike, [
          accountId,
          integration,
          operand,
          query.afterId,
          query.limit,
        ]);
    return rows.map(toConfig);
  }

  async getConfig(key: IntegrationKey, scope: string): Promise<ConfigRecord | undefined> {
    const row = await this.configReads.read(key.accountId, key.integration, scope);
    return row && toConfig(row);
  }

  createConfig(key: IntegrationKey, input: NewConfig): Promise<ConfigRecord | 'exists'> {
    return this.configWrites.create(key, input);
  }

  updateConfig(key: IntegrationKey, scope: string, change: ConfigChange): Promise<WriteOutcome> {
    return this.configWrites.update(key, scope, change);
  }

  deleteConfig(
    key: IntegrationKey,
    scope: string,
    precondition: Precondition | undefined,
    author: RevisionAuthor,
  ): Promise<WriteOutcome> {
    return this.configWrites.delete(key, scope, precondition, author);
  }

  listConfigRevisions(
    key: IntegrationKey,
    scope: string,
    page: { beforeRevision?: number; limit: number },
  ): Promise<ConfigRevision[]> {
    return this.revisions.list(key, scope, page);
  }

  getConfigRevision(key: IntegrationKey, scope: string, revision: number): Promise<ConfigRevision | undefined> {
    return this.revisions.get(key, scope, revision);
  }

  listConfigChanges(
    key: IntegrationKey,
    query: { pattern: ScopePattern; sinceRevision: number; limit: number },
  ): Promise<ConfigRevision[]> {
    return this.revisions.changes(key, query);
  }

  revisionBounds(accountId: number): Promise<RevisionBounds> {
    return this.revisions.bounds(accountId);
  }

  onConfigChanged(listener: (accountId: number) => void): () => void {
    this.changeListener.start();
    return this.changeListeners.add(listener);
  }

  compactConfigRevisions(policy: RetentionPolicy): Promise<CompactionReport> {
    return this.revisions.compact(policy);
  }

  async *exportRecords(): AsyncGenerator<BackupRecord> {
    // Revisions of committed writes still waiting for a number go in as history (backup-tables.ts).
    if (this.recordsHistory) await this.numbering.sweep();
    const client = await this.run(() => this.pool.connect());
    // Tracked like any operation, so close() waits for the export to finish.
    let settle = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.inFlight.add(settled);
    // An export reads every table in one transaction: as long as it takes. The session's
    // bounds are lifted, so the connection is closed afterwards rather than reused.
    const rebind = this.pool.unbound(client);
    let failure: unknown;
    try {
      await client.query(liftBoundsSql('session'));
      yield* exportPostgres(client);
    } catch (error) {
      failure = error;
      throw isConnectionFailure(error) ? new StoreUnavailableError(error, { stateLogged: true }) : error;
    } finally {
      rebind();
      this.pool.release(client, failure, true);
      this.inFlight.delete(settled);
      settle();
    }
  }

  importRecords(records: AsyncIterable<BackupRecord>): Promise<ImportCounts | 'not_empty'> {
    // Reads the backup file as it writes: no bound on the transaction.
    return this.transaction((client) => importPostgres(client, callerRecords(records)), { unbounded: true });
  }

  /** One statement on any pooled connection (autocommit). */
  private rows<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return this.run(async () => (await this.pool.query<R>(text, values)).rows);
  }

  /** One statement on any pooled connection (autocommit); resolves with how many rows it changed. */
  private result(text: string, values: unknown[] = []): Promise<number> {
    return this.run(async () => (await this.pool.query(text, values)).rowCount ?? 0);
  }

  /** `work` in a transaction on one connection: committed if it resolves, rolled back if it throws. */
  private transaction<T>(
    work: (client: pg.PoolClient) => Promise<T>,
    options: { unbounded?: boolean } = {},
  ): Promise<T> {
    return this.run(async () => {
      const client = await this.pool.connect();
      const rebind = options.unbounded ? this.pool.unbound(client) : undefined;
      let failure: unknown;
      let discard = false;
      try {
        await client.query('BEGIN');
        if (options.unbounded) await client.query(liftBoundsSql('transaction'));
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        failure = error;
        if (!isConnectionFailure(error)) await client.query('ROLLBACK').catch(() => (discard = true));
        throw error;
      } finally {
        rebind?.();
        // A connection in an unknown state is closed rather than reused.
        this.pool.release(client, failure, discard);
      }
    });
  }

  /** Tracks an operation for `close()`, and translates its errors for callers. */
  private async run<T>(operation: () => Promise<T>): Promise<T> {
    const epoch = this.databaseHealth.epoch;
    const promise = operation();
    this.inFlight.add(promise);
    try {
      const result = await promise;
      this.databaseHealth.succeeded(epoch);
      return result;
    } catch (error) {
      if (error instanceof CallerError) throw error.error;
      if (isConnectionFailure(error)) {
        // Every pooled connection busy is this node's load, not an outage: 503, not logged.
        if (!isPoolQueueTimeout(error)) this.databaseHealth.failed(error, epoch);
        // Logged once per outage by whoever watches `health`, not once per request.
        throw new StoreUnavailableError(error, { stateLogged: true });
      }
      // A statement or lock wait the server cut short: this request's trouble, not an outage
      // (counted by the pool for metrics).
      if (isServerTimeout(error)) throw new StoreUnavailableError(error, { stateLogged: true });
      throw error;
    } finally {
      this.inFlight.delete(promise);
    }
  }
}
