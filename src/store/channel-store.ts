import type { PushCompletion, PushOutcome } from './push-records.js';
import type { EventOutboxStore } from './event-outbox-store.js';
import { write, read, type MethodTable } from './method-facts.js';
import { eventOutboxTable } from './event-outbox-store.js';
import {
  openInstance,
  openInstances,
  openOptionalInstance,
  openTarget,
  sealMetadata,
  sealState,
} from './encryption/encrypting-stores.js';

/**
 * Storage for Channel-framework hosting: integrations registered by manifest, their
 * instances (with opaque `metadata` and `state`), the pull schedule and log, the resources
 * pulled and the threads they form, and single-use admin-UI hand-offs.
 *
 * Every call is scoped by `accountId` where a tenant asks; another account's rows are
 * simply not found. Times are epoch milliseconds, passed in by the caller.
 * `metadata` and `state` are stored and returned byte for byte and never parsed.
 * Changes that cause an event callback enqueue it in the same transaction (the outbox).
 */
export interface ChannelStore extends EventOutboxStore {
  // --- Integrations ------------------------------------------------------------------------
  createIntegration(input: NewChannelIntegration): Promise<ChannelIntegration>;
  listIntegrations(accountId: number): Promise<ChannelIntegration[]>;
  getIntegration(accountId: number, id: number): Promise<ChannelIntegration | undefined>;
  /** Replaces the stored manifest (after a re-read); undefined when not found. */
  updateIntegrationManifest(
    accountId: number,
    id: number,
    change: { manifestJson: string; name: string; nowMs: number },
  ): Promise<ChannelIntegration | undefined>;
  /**
   * Removes the integration with its instances, pulls, threads and resources (not its
   * events). `nowMs` dates the `destroy_integration` event; without it, its last update does.
   */
  deleteIntegration(accountId: number, id: number, nowMs?: number): Promise<boolean>;

  // --- Instances -----------------------------------------------------------------------------
  createInstance(input: NewInstance): Promise<Instance>;
  listInstances(accountId: number, filter?: { integrationId?: number }): Promise<Instance[]>;
  getInstance(accountId: number, id: number): Promise<Instance | undefined>;
  /** The instance a push names, across accounts (push tokens are checked by the caller). */
  findInstanceByPushId(instancePushId: string): Promise<Instance | undefined>;
  /**
   * The instance whose push token hashes to this, across accounts: how a push is
   * authenticated from its headers alone. Unique (migration 0015), so at most one.
   */
  findInstanceByPushTokenHash(pushTokenHash: string): Promise<Instance | undefined>;
  /**
   * Changes the given fields; a change of `state` bumps `stateVersion`. Activating resets
   * the failure count and makes the instance due now. Undefined when not found.
   */
  updateInstance(accountId: number, id: number, change: InstanceChange): Promise<Instance | undefined>;
  /** `nowMs` dates the `destroy_integration_instance` event; without it, its last update does. */
  deleteInstance(accountId: number, id: number, nowMs?: number): Promise<boolean>;

  // --- The pull loop ---------------------------------------------------------------------------
  /**
   * Leases up to `limit` active instances with a pull URL whose `nextPullAt` has come and
   * whose lease (if any) has expired, oldest due first. No two callers get the same
   * instance while its lease runs (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimDueInstances(claim: { nowMs: number; limit: number; leaseMs: number; owner: string }): Promise<PullTarget[]>;
  /** Leases one instance for an on-demand pull, whatever its schedule. */
  claimInstance(
    accountId: number,
    id: number,
    claim: { nowMs: number; leaseMs: number; owner: string },
  ): Promise<PullTarget | 'not_found' | 'inactive' | 'no_pull_url' | 'busy'>;
  /**
   * Extends `owner`'s leases on these instances to `nowMs + leaseMs`, so a live node keeps
   * the instances it pulls however slow the integration, while a dead node's leases run out
   * soon. Answers the ids it extended: an id missing is no longer `owner`'s (its lease ran
   * out and another claimer took it, or its pull was recorded), and its pull should stop.
   */
  renewPullLeases(renewal: { owner: string; instanceIds: number[]; nowMs: number; leaseMs: number }): Promise<number[]>;
  /**
   * Records a finished pull in one transaction: on success stores the resources in order
   * (skipping external ids already stored: duplicates), replaces `state` only if
   * `stateVersion` is still what it was when the pull began (compare-and-swap), applies
   * `metadata` and `metadataNeedsUpdate`, resets the failure count; on failure stores
   * nothing and counts the failure, deactivating after `deactivateAfter` in a row.
   * Always appends the pull log entry, sets the next due time and releases the lease.
   * With `owner`, a completion whose lease is no longer that owner's still stores the answer
   * under the compare-and-swap, but leaves the lease and the next due time to their holder.
   * On PostgreSQL, completions that arrive together share one transaction.
   */
  completePull(completion: PullCompletion): Promise<PullRecord>;
  /** The latest pulls of an instance, newest first. */
  listPulls(accountId: number, instanceId: number, limit: number): Promise<PullRecord[]>;

  // --- The push API --------------------------------------------------------------------------
  /**
   * Stores a push in one transaction, under the instance's write lock: results by
   * `planPush` (store/push-rules.ts), the resources that succeed threaded like pulled ones
   * (`planResources`), and, with a `requestId`, the results as its idempotency record. A
   * `requestId` already recorded for the instance answers its stored results and writes
   * nothing, also when two copies arrive at once. An inactive instance stores nothing.
   * Purges a bounded batch of records older than `purgeBefore`.
   */
  completePush(push: PushCompletion): Promise<PushOutcome>;

  // --- Threads and resources -----------------------------------------------------------------
  listThreads(accountId: number, instanceId: number): Promise<ThreadRecord[]>;
  /** Resources of an instance (of one thread when given), in the order they were stored. */
  listResources(accountId: number, instanceId: number, threadId?: number): Promise<ResourceRecord[]>;

  // --- Admin UI hand-off -----------------------------------------------------------------------
  createHandoff(input: NewHandoff): Promise<void>;
  /** Returns the hand-off and marks it used, once; undefined if unknown, used or expired. */
  consumeHandoff(tokenHash: string, nowMs: number): Promise<Handoff | undefined>;
}

export interface ChannelIntegration {
  id: number;
  accountId: number;
  /** The manifest's own `id`. */
  remoteId: string;
  name: string;
  manifestUrl: string;
  /** The validated manifest with URLs resolved, as JSON text. */
  manifestJson: string;
  createdAt: number;
  updatedAt: number;
}

export interface NewChannelIntegration {
  accountId: number;
  remoteId: string;
  name: string;
  manifestUrl: string;
  manifestJson: string;
  nowMs: number;
}

export interface Instance {
  id: number;
  accountId: number;
  integrationId: number;
  name: string;
  metadata: string;
  state: string;
  /** Bumped on every change of `state`: the compare-and-swap token of the pull loop. */
  stateVersion: number;
  instancePushId: string;
  /** Hash of the bearer token the integration pushes with (`zendesk_access_token`). */
  pushTokenHash: string;
  active: boolean;
  deactivatedReason: string | null;
  metadataNeedsUpdate: boolean;
  consecutiveFailures: number;
  nextPullAt: number;
  lastPullAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewInstance {
  accountId: number;
  integrationId: number;
  name: string;
  metadata: string;
  state: string;
  instancePushId: string;
  pushTokenHash: string;
  nowMs: number;
}

export interface InstanceChange {
  name?: string;
  /** A new push token's hash (the admin UI hand-off hands out a fresh token on edit). */
  pushTokenHash?: string;
  metadata?: string;
  state?: string;
  active?: boolean;
  deactivatedReason?: string | null;
  metadataNeedsUpdate?: boolean;
  nowMs: number;
}

/** What a pull needs: the leased instance and where to pull it. */
export interface PullTarget {
  instance: Instance;
  integration: ChannelIntegration;
  pullUrl: string;
  /** When the lease was taken: the pull's start. */
  leasedAt: number;
}

export interface PulledResource {
  externalId: string;
  parentId: string | null;
  threadId: string | null;
  /** The resource as the integration sent it, JSON text. */
  payloadJson: string;
}

export type PullOutcome = 'ok' | 'failed';

export interface PullCompletion {
  instanceId: number;
  startedAt: number;
  durationMs: number;
  outcome: PullOutcome;
  httpStatus: number | null;
  /** Failure reason for the log; never contains metadata or state. */
  error: string | null;
  /** `stateVersion` when the pull began. */
  stateVersionAtStart: number;
  resources: PulledResource[];
  /** Undefined: keep the state. */
  newState?: string;
  newMetadata?: string;
  metadataNeedsUpdate?: boolean;
  nextPullAt: number;
  /** Deactivate when the failure count reaches this. */
  deactivateAfter: number;
  nowMs: number;
  /**
   * Who leased the instance for this pull. When given and the lease is no longer theirs
   * (it ran out and another claimer took it), a late answer changes neither the lease nor
   * the schedule; the compare-and-swap keeps its state from applying over a newer one.
   */
  owner?: string;
}

export interface PullRecord {
  id: number;
  instanceId: number;
  startedAt: number;
  durationMs: number;
  outcome: PullOutcome;
  httpStatus: number | null;
  resourcesStored: number;
  duplicates: number;
  /** The pulled state was not stored because the state changed during the pull. */
  stateConflict: boolean;
  error: string | null;
  /** This failure deactivated the instance. */
  deactivated: boolean;
}

export interface ThreadRecord {
  id: number;
  instanceId: number;
  /** The `thread_id` the integration gave, or the external id of the thread's first resource. */
  threadKey: string;
  resourceCount: number;
  createdAt: number;
}

export interface ResourceRecord {
  id: number;
  instanceId: number;
  threadId: number;
  externalId: string;
  payloadJson: string;
  storedAt: number;
}

export interface NewHandoff {
  tokenHash: string;
  accountId: number;
  integrationId: number;
  /** Set when editing an existing instance. */
  instanceId: number | null;
  /** The push id handed to the integration: a new instance's, or the edited one's. */
  instancePushId: string;
  /** Hash of the push token handed to the integration; it takes effect on return. */
  pushTokenHash: string;
  expiresAt: number;
  nowMs: number;
}

export interface Handoff {
  accountId: number;
  integrationId: number;
  instanceId: number | null;
  instancePushId: string;
  pushTokenHash: string;
}

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
