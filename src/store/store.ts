import type { DatabaseHealth } from './database-health.js';
import type { BackupRecord, RecordCounts } from './backup-records.js';
import type { ChannelStore } from './channel-store.js';
import type { RotationBatch } from './encryption/key-rotation.js';
import type { FailureLimiter, FailureLimits } from './failure-limiter.js';
import type { ReplyStore } from './reply-store.js';
import type { ZisRegistryStore } from './zis-registry-store.js';
import type { ActivityStore } from './activity-store.js';
import type { ExchangeStore } from './exchange-store.js';
import type { Account, ConfigRecord, Integration } from './records.js';
import type {
  AuthorizationCode,
  NewAuthorizationCode,
  NewRefreshToken,
  OAuthClient,
  OAuthClientChange,
  RefreshToken,
} from './oauth-grant-records.js';
import type {
  Actor,
  CompactionReport,
  ConfigRevision,
  RetentionPolicy,
  RevisionAuthor,
  RevisionBounds,
  RevisionOperation,
} from './config-revisions.js';
import { plainWrite, plainRead, type MethodTable } from './method-facts.js';

export type { Account, ConfigRecord, Integration } from './records.js';
export type {
  AuthorizationCode,
  NewAuthorizationCode,
  NewRefreshToken,
  OAuthClient,
  OAuthClientChange,
  RefreshToken,
} from './oauth-grant-records.js';
export type {
  Actor,
  CompactionReport,
  ConfigRevision,
  RetentionPolicy,
  RevisionAuthor,
  RevisionBounds,
  RevisionOperation,
} from './config-revisions.js';

/**
 * The storage contract. Two implementations plug in behind it: SQLite (the embedded
 * default) and PostgreSQL. Every method is async so either can sit behind it, and every
 * timestamp is passed in (whole epoch seconds) so callers control time.
 *
 * Records use camelCase; how they are laid out in tables is each implementation's affair.
 * `Store` is the intersection of narrow contracts; routes and feature code take the one
 * they use. Each contract has a method table, written beside it, that the wrappers derive from.
 */
export type Store = Lifecycle & AccountStore & TokenStore & ConfigStore & BackupStore & SubStores;

/** The stores on the same database, each with its own contract. */
export interface SubStores {
  /** Channel-framework hosting, on the same database. */
  readonly channels: ChannelStore;
  /** Channelback replies (and the thread and resource lookups they need), on the same database. */
  readonly replies: ReplyStore;
  /** ZIS bundles, job spec installs, connections and ZIS OAuth clients, on the same database; secrets encrypted. */
  readonly zisRegistry: ZisRegistryStore;
  /** What happened on an account, per minute, for the console's overview (read-only). */
  readonly activity: ActivityStore;
  /** The inspector's rings of exchanges with integrations, on the same database; bodies encrypted; not backed up. */
  readonly exchanges: ExchangeStore;

  /** OAuth authorization codes and refresh tokens, OAuth clients' settings, console sessions. */
  readonly grants: GrantStore;
}

/** Opening, migrating, health, closing, and the maintenance batches (retention, key rotation). */
export interface Lifecycle {
  /** `sqlite` or `postgres`: for logs and `/readyz`. */
  readonly dialect: 'sqlite' | 'postgres';
  /** What this store can do beyond the contract (`syncReads`: SQLite's read connection). */
  readonly capabilities: StoreCapabilities;
  /** PostgreSQL: its database's availability (each change once), pool counters, start-up warnings. */
  readonly databaseHealth?: DatabaseHealth;
  /** Applies pending numbered migrations; refuses a database migrated by a newer version. */
  migrate(): Promise<MigrationReport>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * What `/readyz` reports: whether the database answers within `timeoutMs`, accepts writes
   * (not a standby or a read-only database behind the endpoint) and how this node hears of
   * config changes. Never throws: a failure is `reachable: false`.
   */
  health(timeoutMs: number): Promise<StoreHealth>;
  /** Waits for pending writes, then releases the database. */
  close(): Promise<void>;
  /** Counts failed authentications: shared by every node on PostgreSQL, in memory on SQLite. */
  createFailureLimiter(limits: FailureLimits): FailureLimiter;

  // --- Retention (migration 0014) ----------------------------------------------------------
  /**
   * One batch of the retention pruner: deletes at most `limit` rows past the rule's bound,
   * oldest first, and resolves with how many. Never a pending event or reply.
   */
  pruneRetained(rule: RetentionRule, limit: number): Promise<number>;

  // --- Encryption at rest ------------------------------------------------------------------
  /**
   * Key rotation, one batch: the instances after `afterId` (at most `limit`, by id) whose
   * `metadata` or `state` is not under the store's current key are re-encrypted under it,
   * in one short transaction, each row only if no writer changed it since it was read.
   */
  reencryptInstances(batch: { afterId: number; limit: number }): Promise<RotationBatch>;
}

/** A store's answer to {@link Lifecycle.health}. */
export interface StoreHealth {
  /** The database answered within the timeout. */
  reachable: boolean;
  /** It accepts writes: `SHOW transaction_read_only` is off (PostgreSQL), the file is writable (SQLite). */
  writable: boolean;
  /** How this node hears of config changes committed by any node ({@link ChangeFeedState}). */
  feed: ChangeFeedState;
}

/**
 * How a store hears of config changes: `listening` (its LISTEN connection is up and its last
 * check answered), `down` (a LISTEN connection is configured but down: the store polls
 * meanwhile, and the node is not ready), `polling` (no LISTEN by design: the store polls the
 * revision counters), `in-process` (SQLite, or history off: the store tells its own writes),
 * `idle` (nothing has subscribed yet, so nothing needs to hear).
 */
export type ChangeFeedState = 'listening' | 'down' | 'polling' | 'in-process' | 'idle';

/** Capabilities a store declares rather than optional members: absent means it has none. */
export interface StoreCapabilities {
  /** Config reads answered at once, without a round trip (SQLite); undefined on PostgreSQL. */
  readonly syncReads: SyncConfigReads | undefined;
  /**
   * How this node hears of config changes now, at once (what `health()` reports as `feed`):
   * a cache of reads may be served only while it is `listening` (PostgreSQL's read cache).
   */
  readonly feedState: () => ChangeFeedState;
  /**
   * A number that moves each time the node starts `listening` again after a gap, in which
   * notifications may have been lost (0 where there is no LISTEN connection).
   */
  readonly feedGeneration: () => number;
}

/** The hottest read without waiting: the HTTP layer's fast lane (`zis/configs/config-read-fast-lane.ts`). */
export interface SyncConfigReads {
  /**
   * `getConfig`'s answer at once, from a connection that reads without waiting (SQLite's
   * read connection).
   */
  readonly getConfigAtOnce: (key: IntegrationKey, scope: string) => ConfigRecord | undefined;
  /**
   * A number that moves whenever one of the account's configs may have changed, through any
   * connection or process (SQLite: this store's own config writes to the account, and its
   * `data_version` for everyone else's). Beside `getConfigAtOnce`: an answer rendered at one
   * value may be reused while it holds.
   */
  readonly configReadEpoch: (accountId: number) => number;
}

/** Accounts, their admin API tokens, and whether any exists yet. */
export interface AccountStore {
  /** True when no account exists yet (first run). */
  isEmpty(): Promise<boolean>;
  // --- Accounts and admin credentials ---------------------------------------------------
  /** Creates an account and its first admin token; `exists` when the id or subdomain is taken. */
  createAccount(input: NewAccount): Promise<Account | 'exists'>;
  findAccountById(id: number): Promise<Account | undefined>;
  findAccountBySubdomain(subdomain: string): Promise<Account | undefined>;
  /** Every account, by ascending id (the CLI's `accounts list`; accounts are few). */
  listAccounts(): Promise<Account[]>;
  /** Adds an admin API token to an account. */
  createAdminToken(input: NewAdminToken): Promise<void>;
  /** The admin an API token belongs to, by the token's hash. */
  findAdminByTokenHash(tokenHash: string): Promise<AdminIdentity | undefined>;
  /** An account's admin API tokens by ascending id: never the tokens themselves. */
  listAdminTokens(accountId: number): Promise<AdminTokenDetails[]>;
  /**
   * Revokes one of an account's admin API tokens and bumps the revocation version, in one
   * transaction. `not_found` when the account has no such token; `last` (and nothing
   * deleted) when it is the account's only one and `keepLast` is set. Durable before it resolves.
   */
  deleteAdminToken(accountId: number, id: number, options: { keepLast: boolean }): Promise<AdminTokenDeletion>;
}

/** Integrations (the ZIS OAuth clients' registrations) and the access tokens issued to them. */
export interface TokenStore {
  /**
   * A number that moves whenever a credential (admin or access token) is revoked, through
   * any node or the CLI: nodes poll it to drop the authentications they cache.
   */
  credentialRevocationVersion(): Promise<number>;

  // --- Integrations and their OAuth clients -----------------------------------------------
  /** Registers an integration with its OAuth client; `exists` when already registered. */
  createIntegration(input: NewIntegration): Promise<Integration | 'exists'>;
  findIntegration(accountId: number, name: string): Promise<Integration | undefined>;
  findIntegrationByClientIdentifier(identifier: string): Promise<Integration | undefined>;
  /** Stores a bearer token (as its hash), bound to one account and one integration; resolves with its id. */
  createAccessToken(input: NewAccessToken): Promise<{ id: number }>;
  findAccessToken(tokenHash: string): Promise<AccessToken | undefined>;

  /** An account's integrations (OAuth clients), by ascending id. */
  listIntegrations(accountId: number): Promise<Integration[]>;
  /** An integration by its id (the OAuth client's id); undefined when it is not the account's. */
  findIntegrationById(accountId: number, id: number): Promise<Integration | undefined>;
  /**
   * Replaces an integration's OAuth client secret (its hash): the old secret stops working
   * at once, tokens already issued stay valid. Undefined when the account has no such
   * integration. Durable before it resolves.
   */
  rotateClientSecret(
    accountId: number,
    integrationId: number,
    clientSecretHash: string,
  ): Promise<Integration | undefined>;
  /** An account's access tokens by ascending id, after `afterId`, at most `limit`: never the tokens themselves. */
  listAccessTokens(accountId: number, page: { afterId: number; limit: number }): Promise<AccessTokenDetails[]>;
  /** One of an account's access tokens by id; undefined when it is not the account's. */
  findAccessTokenById(accountId: number, id: number): Promise<AccessTokenDetails | undefined>;
  /**
   * Revokes one of an account's access tokens, bumping the revocation version in the same
   * transaction; false when it has none with that id. Durable before it resolves.
   */
  deleteAccessToken(accountId: number, id: number): Promise<boolean>;
  /** Records when a token was last used (its `used_at`); never moves it back, ignores a revoked token. */
  recordAccessTokenUse(id: number, usedAt: number): Promise<void>;
}

/** OAuth authorization codes and refresh tokens, OAuth clients' settings, and console sessions. */
export interface GrantStore {
  // --- The OAuth authorization-code grant (oauth-grant-records.ts) ---------------------------
  /** An account's OAuth clients (its integrations) with their description and redirect URIs, by ascending id. */
  listOAuthClients(accountId: number): Promise<OAuthClient[]>;
  /** One of an account's OAuth clients; undefined when it is not the account's. */
  findOAuthClient(accountId: number, id: number): Promise<OAuthClient | undefined>;
  /** Changes a client's description and redirect URIs; undefined when it is not the account's. Durable before it resolves. */
  updateOAuthClient(accountId: number, id: number, change: OAuthClientChange): Promise<OAuthClient | undefined>;
  /** Stores an authorization code (its hash), and deletes expired ones. Durable before it resolves. */
  createAuthorizationCode(input: NewAuthorizationCode): Promise<void>;
  /**
   * Takes an authorization code: deletes it and resolves with it, when it is the given
   * client's, in one statement, so that a code is exchanged at most once however many ask.
   */
  takeAuthorizationCode(codeHash: string, client: IntegrationKey): Promise<AuthorizationCode | undefined>;
  /** Stores a refresh token (its hash), and deletes expired refresh and access tokens. Durable before it resolves. */
  createRefreshToken(input: NewRefreshToken): Promise<void>;
  /** Takes a refresh token of the given client (deletes it, resolves with it): each is used once. */
  takeRefreshToken(tokenHash: string, client: IntegrationKey): Promise<RefreshToken | undefined>;

  // --- Console sessions (migration 0013) -------------------------------------------------
  /** Records a console sign-in by the hash of its session id, valid until `expiresAt` (epoch seconds). */
  createConsoleSession(input: NewConsoleSession): Promise<void>;
  /** True while the session is neither signed out nor expired: every console request asks. */
  consoleSessionActive(idHash: string, nowSeconds: number): Promise<boolean>;
  /** Signs a session out on every node; false when there was none. Durable before it resolves. */
  deleteConsoleSession(idHash: string): Promise<boolean>;
  /** Deletes at most `limit` sessions expired at `nowSeconds`; resolves with how many (the pruner's batch). */
  pruneConsoleSessions(nowSeconds: number, limit: number): Promise<number>;
}

/** ZIS configs, their revisions, and the change feed. */
export interface ConfigStore {
  // --- ZIS configs -------------------------------------------------------------------------
  // Every successful create, update and delete writes a revision in its own transaction
  // (unless the store was opened with history off); a refused one writes none.
  /** Configs whose scope matches the pattern, by ascending id, after `afterId`, at most `limit`. */
  listConfigs(key: IntegrationKey, query: ConfigQuery): Promise<ConfigRecord[]>;
  getConfig(key: IntegrationKey, scope: string): Promise<ConfigRecord | undefined>;
  /** Creates a config; `exists` (and no revision) when the scope is taken. Durable before it resolves. */
  createConfig(key: IntegrationKey, input: NewConfig): Promise<ConfigRecord | 'exists'>;
  /**
   * Replaces a config's JSON as `change.edit` says (see `config-edit.ts`), atomically: no
   * other write to the same config can happen between the read and the write. A merge whose
   * result is too large or too deep throws `ConfigRefusedError`, and nothing is written.
   * Durable before it resolves.
   */
  updateConfig(key: IntegrationKey, scope: string, change: ConfigChange): Promise<WriteOutcome>;
  /** Deletes a config, atomically checking the precondition. Durable before it resolves. */
  deleteConfig(
    key: IntegrationKey,
    scope: string,
    precondition: Precondition | undefined,
    author: RevisionAuthor,
  ): Promise<WriteOutcome>;

  // --- Config history ----------------------------------------------------------------------
  /** A scope's revisions, newest first, below `beforeRevision` when given, at most `limit`. */
  listConfigRevisions(
    key: IntegrationKey,
    scope: string,
    page: { beforeRevision?: number; limit: number },
  ): Promise<ConfigRevision[]>;
  getConfigRevision(key: IntegrationKey, scope: string, revision: number): Promise<ConfigRevision | undefined>;
  /**
   * An integration's changes after `sinceRevision`, oldest first, at most `limit`, of the
   * scopes matching `pattern` (the same rules as {@link listConfigs}). Never skips: an
   * account's revisions commit in number order.
   */
  listConfigChanges(
    key: IntegrationKey,
    query: { pattern: ScopePattern; sinceRevision: number; limit: number },
  ): Promise<ConfigRevision[]>;
  /** The range the feed can serve from: `oldest` is the compaction watermark + 1; `latest` the newest committed (0 if none). */
  revisionBounds(accountId: number): Promise<RevisionBounds>;
  /**
   * Calls `listener` with the account's id after a config change commits: on SQLite after
   * the group commit, on PostgreSQL through LISTEN/NOTIFY, so on every node (this node's
   * own writes are told at once, before their answers, and once: where a node can tell its own
   * connections, their NOTIFY is passed over). Only a wake-up: a lost
   * notification loses nothing, the revisions are the truth. Returns the unsubscribe.
   */
  onConfigChanged(listener: (accountId: number) => void): () => void;
  /**
   * Retention: per account, moves the watermark up to the newest revision changed before
   * `policy.cutoffSeconds` (never down), then deletes revisions at or below it, except each
   * scope's last `keepPerScope`, in short transactions of `batchSize` rows.
   */
  compactConfigRevisions(policy: RetentionPolicy): Promise<CompactionReport>;
}

/** Backup export and import, from and into one consistent snapshot. */
export interface BackupStore {
  // --- Backup ------------------------------------------------------------------------------
  /**
   * Every record, for a backup, from one consistent snapshot: accounts, admin tokens,
   * integrations, access tokens, configs, channel integrations, instances, pulls, threads
   * and resources, each by ascending id, then one `sequence` record per type. Instances
   * come without their pull lease; admin-UI hand-offs are not exported. Throws
   * `UncoveredDataError` when any other table has rows. Streams in batches, so a large
   * store is never held in memory. Other writes through this same store object wait until
   * the iteration ends.
   */
  exportRecords(): AsyncIterable<BackupRecord>;
  /**
   * Restores records, in {@link exportRecords}' order, into an empty store, in one
   * transaction: if `records` throws (a damaged backup) or a row is refused, nothing is
   * imported. Ids are kept, and each id sequence ends past both its `sequence` record and
   * the highest id imported, so new rows never reuse an id. Instances are imported unleased,
   * and a channel integration's pull URL is derived from its manifest. `not_empty` (and nothing read)
   * when the store already has an account or a config. Meant for a store no one else is
   * writing to; other writes through this same store object wait until it ends.
   */
  importRecords(records: AsyncIterable<BackupRecord>): Promise<ImportCounts | 'not_empty'>;
}

/** How many records of each type an import wrote. */
export type ImportCounts = RecordCounts;

export interface MigrationReport {
  /** Schema version before and after. */
  from: number;
  to: number;
}

export interface NewAccount {
  /** Chosen id, or undefined for the next free one. */
  id?: number;
  subdomain: string;
  adminEmail: string;
  adminTokenHash: string;
  nowSeconds: number;
  /** A doctor account: see `Account.doctor`. */
  doctor?: boolean;
}

export interface NewAdminToken {
  accountId: number;
  email: string;
  tokenHash: string;
  nowSeconds: number;
}

/**
 * What the retention pruner deletes: delivered and failed events, push request records and
 * sent and failed replies finished before `beforeMs` (epoch ms); each instance's pulls
 * beyond its newest `keep`.
 */
export type RetentionRule =
  { table: 'event_outbox' | 'push_requests' | 'replies'; beforeMs: number } | { table: 'pulls'; keep: number };

/** A console sign-in: the SHA-256 of its random session id (the cookie carries the id, signed). */
export interface NewConsoleSession {
  idHash: string;
  accountId: number;
  nowSeconds: number;
  expiresAt: number;
}

export interface AdminIdentity {
  account: Account;
  email: string;
}

/** An admin API token as its account's admin sees it: never the token itself. */
export interface AdminTokenDetails {
  id: number;
  accountId: number;
  email: string;
  /** Epoch seconds. */
  createdAt: number;
}

export type AdminTokenDeletion = 'deleted' | 'not_found' | 'last';

export interface NewIntegration {
  accountId: number;
  name: string;
  clientIdentifier: string;
  clientSecretHash: string;
  nowSeconds: number;
  /** The registration's description, shown by the OAuth clients API; empty when omitted. */
  description?: string;
}

export interface NewAccessToken {
  /** What the token may do ({@link tokenScopes}); read and write when omitted. */
  scopes?: readonly TokenScope[];
  /** The token's first characters ({@link tokenPrefixLength}), kept so an admin can tell tokens apart. */
  tokenPrefix?: string;
  tokenHash: string;
  accountId: number;
  integration: string;
  nowSeconds: number;
  /** Epoch seconds after which it no longer authenticates; never when omitted. */
  expiresAt?: number;
}

export interface AccessToken {
  id: number;
  scopes: TokenScope[];
  /** Epoch seconds after which it no longer authenticates, or null (never). */
  expiresAt: number | null;
  /** Epoch seconds of the last recorded use, or null. */
  usedAt: number | null;
  accountId: number;
  integration: string;
  createdAt: number;
}

/** What a ZIS access token may do: `read` (GET) and `write` (every other method), as the vendor's scopes. */
export const tokenScopes = ['read', 'write'] as const;
export type TokenScope = (typeof tokenScopes)[number];

/** How many leading characters of a token are kept in clear (the vendor shows 10). */
export const tokenPrefixLength = 10;

/** An access token as its account's admin sees it: never the token itself. */
export interface AccessTokenDetails extends AccessToken {
  /** The id of the integration's OAuth client (the integration's id). */
  clientId: number;
  /** The token's first characters; null for tokens issued before they were kept. */
  tokenPrefix: string | null;
}

/** Which account's which integration a config belongs to. */
export interface IntegrationKey {
  accountId: number;
  integration: string;
}

/**
 * A `filter[scope]` split on its `*` wildcards: `["foo", ""]` is `foo*`; one part means an
 * exact match. Every character in a part is literal.
 */
export type ScopePattern = readonly string[];

export interface ConfigQuery {
  pattern: ScopePattern;
  /** Only configs with a greater id; 0 for the first page. */
  afterId: number;
  limit: number;
}

export interface NewConfig {
  scope: string;
  configJson: string;
  nowSeconds: number;
  /** Who creates it, for its revision. */
  actor: Actor;
  /** `create` unless given: `restore` recreates a deleted config from an earlier revision. */
  operation?: Extract<RevisionOperation, 'create' | 'restore'>;
  /** The first version; 1 unless given (a restored config continues the deleted one's count). */
  version?: number;
}

/** Checked inside the write, against the current record: `If-Match` as the client sent it. */
export interface Precondition {
  ifMatch: string;
}

/**
 * How an update changes a config, as data (evaluated inside the write):
 * replace it with checked JSON text, or merge a patch into it (RFC 7396), the result
 * checked against `maxBytes` and the nesting limit.
 */
export type ConfigEdit = { kind: 'replace'; configJson: string } | { kind: 'merge'; patch: unknown; maxBytes: number };

export interface ConfigChange {
  /** The new JSON, from the current JSON: evaluated inside the write. */
  edit: ConfigEdit;
  precondition?: Precondition;
  nowSeconds: number;
  /** What the revision calls this change. */
  operation: Extract<RevisionOperation, 'replace' | 'merge' | 'restore'>;
  /** Who makes it, for its revision. */
  actor: Actor;
}

export type WriteOutcome =
  { kind: 'ok'; config: ConfigRecord | undefined } | { kind: 'not_found' } | { kind: 'precondition_failed' };

export const lifecycleTable = {
  migrate: plainWrite,
  ping: plainRead,
  health: plainRead,
  close: plainWrite,
  createFailureLimiter: plainRead,
  pruneRetained: plainWrite,
  reencryptInstances: plainWrite,
} satisfies MethodTable<Lifecycle>;

export const accountStoreTable = {
  isEmpty: plainRead,
  createAccount: plainWrite,
  findAccountById: plainRead,
  listAccounts: plainRead,
  findAccountBySubdomain: plainRead,
  createAdminToken: plainWrite,
  findAdminByTokenHash: plainRead,
  listAdminTokens: plainRead,
  deleteAdminToken: plainWrite,
} satisfies MethodTable<AccountStore>;

export const tokenStoreTable = {
  credentialRevocationVersion: plainRead,
  createIntegration: plainWrite,
  findIntegration: plainRead,
  findIntegrationByClientIdentifier: plainRead,
  createAccessToken: plainWrite,
  findAccessToken: plainRead,
  listIntegrations: plainRead,
  findIntegrationById: plainRead,
  rotateClientSecret: plainWrite,
  listAccessTokens: plainRead,
  findAccessTokenById: plainRead,
  deleteAccessToken: plainWrite,
  recordAccessTokenUse: plainWrite,
} satisfies MethodTable<TokenStore>;

export const grantStoreTable = {
  listOAuthClients: plainRead,
  findOAuthClient: plainRead,
  updateOAuthClient: plainWrite,
  createAuthorizationCode: plainWrite,
  takeAuthorizationCode: plainWrite,
  createRefreshToken: plainWrite,
  takeRefreshToken: plainWrite,
  createConsoleSession: plainWrite,
  consoleSessionActive: plainRead,
  deleteConsoleSession: plainWrite,
  pruneConsoleSessions: plainWrite,
} satisfies MethodTable<GrantStore>;

// A scope holding U+0000 names no config (none can be stored): the reads find nothing and
// the writes find no config, on both stores alike (PostgreSQL would refuse the parameter).
export const configStoreTable = {
  listConfigs: { writes: false, nul: { lookup: [] }, checked: (_key, query) => query.pattern },
  getConfig: { writes: false, nul: { lookup: undefined }, checked: (_key, scope) => scope },
  createConfig: plainWrite,
  updateConfig: { writes: true, nul: { lookup: { kind: 'not_found' } }, checked: (_key, scope) => scope },
  deleteConfig: { writes: true, nul: { lookup: { kind: 'not_found' } }, checked: (_key, scope) => scope },
  listConfigRevisions: { writes: false, nul: { lookup: [] }, checked: (_key, scope) => scope },
  getConfigRevision: { writes: false, nul: { lookup: undefined }, checked: (_key, scope) => scope },
  listConfigChanges: { writes: false, nul: { lookup: [] }, checked: (_key, query) => query.pattern },
  revisionBounds: plainRead,
  onConfigChanged: plainRead,
  compactConfigRevisions: plainWrite,
} satisfies MethodTable<ConfigStore>;

export const backupStoreTable = {
  exportRecords: plainRead,
  importRecords: plainWrite,
} satisfies MethodTable<BackupStore>;
