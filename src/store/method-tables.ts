import type { ChannelStore } from './channel-store.js';
import type { EventOutboxStore } from './event-outbox-store.js';
import type { MethodTable } from './method-facts.js';
import type { ReplyStore } from './reply-store.js';
import type { AccountStore, BackupStore, ConfigStore, GrantStore, Lifecycle, TokenStore } from './store.js';
import type { ZisRegistryStore } from './zis-registry-store.js';
import type { ActivityStore } from './activity-store.js';
import type { ExchangeStore } from './exchange-store.js';
import { openExchange, sealExchange } from './encryption/encrypting-exchanges.js';
import {
  openBatches,
  openInstance,
  openInstances,
  openOptionalInstance,
  openTarget,
  sealMetadata,
  sealState,
} from './encryption/encrypting-stores.js';
import {
  openClient,
  openConnection,
  sealClientSecret,
  sealConnectionSecret,
} from './encryption/encrypting-zis-registry.js';

// One table per store contract: what each method does, as facts the wrappers are derived
// from (`wrapContract` in method-facts.ts, applied once in wrap-store.ts). A method added to
// a contract and missing here, or whose arguments or result carry ciphertext without a
// `seal` or `open`, does not compile (test/store/method-tables.test-d.ts).

// `refuse`: an argument holding U+0000 is refused before any SQL runs (PostgreSQL text cannot
// hold it); `unchecked`: passed on as it is.
const write = { writes: true, nul: 'refuse' } as const;
const read = { writes: false, nul: 'refuse' } as const;
const plainWrite = { writes: true, nul: 'unchecked' } as const;
const plainRead = { writes: false, nul: 'unchecked' } as const;

/** The event outbox (part of the channel store). */
export const eventOutboxTable = {
  claimEventBatches: { ...write, open: openBatches },
  renewEventLeases: write,
  completeEventBatch: write,
  listEvents: read,
  onEventsCommitted: read,
} satisfies MethodTable<EventOutboxStore>;

/** Channel-framework hosting: instances' metadata and state are sealed and opened here. */
export const channelStoreTable = {
  ...eventOutboxTable,
  createIntegration: write,
  listIntegrations: read,
  getIntegration: read,
  updateIntegrationManifest: write,
  deleteIntegration: write,
  createInstance: {
    ...write,
    seal: ([input], cipher) => [
      { ...input, metadata: sealMetadata(input.metadata, cipher)!, state: sealState(input.state, cipher)! },
    ],
    open: openInstance,
  },
  listInstances: { ...read, open: openInstances },
  getInstance: { ...read, open: openOptionalInstance },
  findInstanceByPushId: { writes: false, nul: { lookup: undefined }, open: openOptionalInstance },
  findInstanceByPushTokenHash: { writes: false, nul: { lookup: undefined }, open: openOptionalInstance },
  updateInstance: {
    ...write,
    seal: ([accountId, id, change], cipher) => [
      accountId,
      id,
      { ...change, metadata: sealMetadata(change.metadata, cipher), state: sealState(change.state, cipher) },
    ],
    open: openOptionalInstance,
  },
  deleteInstance: write,
  claimDueInstances: { ...write, open: (targets, cipher) => targets.map((target) => openTarget(target, cipher)) },
  claimInstance: {
    ...write,
    open: (claimed, cipher) => (typeof claimed === 'string' ? claimed : openTarget(claimed, cipher)),
  },
  renewPullLeases: write,
  completePull: {
    ...write,
    // A failed pull stores only its error.
    checked: (completion) => (completion.outcome === 'ok' ? completion : { error: completion.error }),
    seal: ([completion], cipher) => [
      {
        ...completion,
        newMetadata: sealMetadata(completion.newMetadata, cipher),
        newState: sealState(completion.newState, cipher),
      },
    ],
  },
  listPulls: read,
  completePush: write,
  listThreads: read,
  listResources: read,
  createHandoff: write,
  consumeHandoff: { writes: true, nul: { lookup: undefined } },
} satisfies MethodTable<ChannelStore>;

/** Channelback replies: the claimed reply's instance is opened, a sent reply's new metadata sealed. */
export const replyStoreTable = {
  getThread: read,
  getResource: read,
  createReply: write,
  findIdempotentReply: { writes: false, nul: { lookup: undefined } },
  getReply: read,
  listThreadReplies: read,
  claimDueReplies: { ...write, open: (targets, cipher) => targets.map((target) => openTarget(target, cipher)) },
  renewReplyLeases: write,
  completeReply: {
    ...write,
    seal: ([completion], cipher) => [{ ...completion, newMetadata: sealMetadata(completion.newMetadata, cipher) }],
  },
  reportReplyError: write,
} satisfies MethodTable<ReplyStore>;

/** The ZIS registry: connection and OAuth client secrets are sealed and opened here. */
export const zisRegistryTable = {
  saveBundle: plainWrite,
  listLatestBundles: plainRead,
  listBundleVersions: plainRead,
  installJobSpec: plainWrite,
  uninstallJobSpec: plainWrite,
  listJobSpecInstalls: plainRead,
  createConnection: {
    ...plainWrite,
    seal: ([input], cipher) => [{ ...input, secret: sealConnectionSecret(input.secret, cipher) }],
    open: (created, cipher) => (created === 'exists' ? created : openConnection(created, cipher)),
  },
  getConnection: { ...plainRead, open: (found, cipher) => found && openConnection(found, cipher) },
  listConnections: { ...plainRead, open: (found, cipher) => found.map((c) => openConnection(c, cipher)) },
  updateConnection: {
    ...plainWrite,
    seal: ([key, type, name, change], cipher) => [
      key,
      type,
      name,
      { ...change, secret: sealConnectionSecret(change.secret, cipher) },
    ],
    open: (updated, cipher) => updated && openConnection(updated, cipher),
  },
  deleteConnection: plainWrite,
  createOAuthClient: {
    ...plainWrite,
    seal: ([input], cipher) => [{ ...input, clientSecret: sealClientSecret(input.clientSecret, cipher) }],
    open: openClient,
  },
  listOAuthClients: { ...plainRead, open: (found, cipher) => found.map((c) => openClient(c, cipher)) },
  getOAuthClient: { ...plainRead, open: (found, cipher) => found && openClient(found, cipher) },
  updateOAuthClient: {
    ...plainWrite,
    seal: ([key, uuid, change], cipher) => [
      key,
      uuid,
      { ...change, clientSecret: sealClientSecret(change.clientSecret, cipher) },
    ],
    open: (updated, cipher) => updated && openClient(updated, cipher),
  },
  deleteOAuthClient: plainWrite,
  reencryptSecrets: plainWrite,
} satisfies MethodTable<ZisRegistryStore>;

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

/** The console's per-minute activity: reads only, nothing encrypted (events are stored as sent). */
export const activityStoreTable = {
  pullsPerMinute: plainRead,
  eventsDeliveredPerMinute: plainRead,
  repliesSentPerMinute: plainRead,
  configWritesPerMinute: plainRead,
  pendingRepliesByInstance: plainRead,
  latestConfigChanges: plainRead,
  listEventsBefore: plainRead,
  getEvent: plainRead,
} satisfies MethodTable<ActivityStore>;

/**
 * The inspector's rings: bodies sealed on the way in and opened on the way out. U+0000 is
 * passed on: the recorder never refuses an exchange (a body is text as the integration sent it).
 */
export const exchangeStoreTable = {
  recordExchange: { ...plainWrite, seal: ([exchange, keep], cipher) => [sealExchange(exchange, cipher), keep] },
  listExchanges: plainRead,
  getExchange: { ...plainRead, open: openExchange },
  reencryptExchanges: plainWrite,
} satisfies MethodTable<ExchangeStore>;
