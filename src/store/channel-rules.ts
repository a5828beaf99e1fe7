import type { Instance, InstanceChange, PullCompletion, PulledResource } from './channel-store.js';

// What a ChannelStore write does, as pure functions over records: both stores run these
// inside their transaction, so SQLite and PostgreSQL agree to the letter.

/**
 * The pull URL of a stored manifest: `urls.pull_url`, resolved (`{ href }`, as the manifest
 * validator stores it) or a plain string. Null when absent, empty, or the text is not JSON.
 */
export function pullUrlOf(manifestJson: string): string | null {
  return manifestUrlOf(manifestJson, 'pull_url');
}

/**
 * One of a stored manifest's `urls`, resolved (`{ href }`, as the manifest validator stores
 * it) or a plain string. Null when absent, empty, or the text is not JSON.
 */
export function manifestUrlOf(manifestJson: string, key: string): string | null {
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestJson);
  } catch {
    return null;
  }
  const urls = (manifest as { urls?: unknown } | null)?.urls;
  const url = (urls as Record<string, unknown> | null | undefined)?.[key];
  const href = typeof url === 'string' ? url : (url as { href?: unknown } | null | undefined)?.href;
  return typeof href === 'string' && href !== '' ? href : null;
}

/**
 * An instance after `change`. `stateVersion` goes up when `state` takes a different value
 * (setting the same state again is no change, so a pull under way keeps its right to store
 * its state). `active: true` also resets the failure count, clears the reason and makes
 * the instance due at `nowMs`.
 */
export function changedInstance(current: Instance, change: InstanceChange): Instance {
  const next: Instance = { ...current, updatedAt: change.nowMs };
  if (change.name !== undefined) next.name = change.name;
  if (change.pushTokenHash !== undefined) next.pushTokenHash = change.pushTokenHash;
  if (change.metadata !== undefined) next.metadata = change.metadata;
  if (change.state !== undefined && change.state !== current.state) {
    next.state = change.state;
    next.stateVersion = current.stateVersion + 1;
  }
  if (change.metadataNeedsUpdate !== undefined) next.metadataNeedsUpdate = change.metadataNeedsUpdate;
  if (change.deactivatedReason !== undefined) next.deactivatedReason = change.deactivatedReason;
  if (change.active === true) {
    next.active = true;
    next.consecutiveFailures = 0;
    next.deactivatedReason = null;
    next.nextPullAt = change.nowMs;
  } else if (change.active === false) {
    next.active = false;
  }
  return next;
}

/** What a finished pull does to its instance, and the flags of its log entry. */
export interface SettledPull {
  instance: Instance;
  stateConflict: boolean;
  deactivated: boolean;
  /** The completion's owner still held the lease (or named none): release it. */
  releaseLease: boolean;
}

/**
 * The instance after a pull. Success: `newState` replaces the state only if `stateVersion`
 * is still `stateVersionAtStart` (else `stateConflict`), `newMetadata` and
 * `metadataNeedsUpdate` apply when given, the failure count resets, `lastPullAt` becomes
 * the pull's start. Failure: the failure count goes up, and reaching `deactivateAfter`
 * deactivates an active instance with the error as the reason. Either way the instance is
 * next due at `nextPullAt`, unless the completion names an `owner` that no longer holds the
 * lease (`leaseOwner`, as stored): then the schedule and the lease stay their holder's.
 */
export function settledInstance(
  current: Instance,
  completion: PullCompletion,
  leaseOwner: string | null = null,
): SettledPull {
  const releaseLease = completion.owner === undefined || completion.owner === leaseOwner;
  const next: Instance = {
    ...current,
    nextPullAt: releaseLease ? completion.nextPullAt : current.nextPullAt,
    updatedAt: completion.nowMs,
  };
  const settled = settledOutcome(current, next, completion);
  return { ...settled, releaseLease };
}

function settledOutcome(current: Instance, next: Instance, completion: PullCompletion) {
  if (completion.outcome === 'ok') {
    const stateConflict = completion.newState !== undefined && current.stateVersion !== completion.stateVersionAtStart;
    if (completion.newState !== undefined && !stateConflict && completion.newState !== current.state) {
      next.state = completion.newState;
      next.stateVersion = current.stateVersion + 1;
    }
    if (completion.newMetadata !== undefined) next.metadata = completion.newMetadata;
    if (completion.metadataNeedsUpdate !== undefined) next.metadataNeedsUpdate = completion.metadataNeedsUpdate;
    next.consecutiveFailures = 0;
    next.lastPullAt = completion.startedAt;
    return { instance: next, stateConflict, deactivated: false };
  }
  next.consecutiveFailures = current.consecutiveFailures + 1;
  // An instance deactivated meanwhile (through the API) stays as it is, reason included.
  const deactivated = current.active && next.consecutiveFailures >= completion.deactivateAfter;
  if (deactivated) {
    next.active = false;
    next.deactivatedReason = completion.error ?? 'the pull failed';
  }
  return { instance: next, stateConflict: false, deactivated };
}

/** A thread already stored (`id`), or one found or created by its key. */
export type ThreadRef = { id: number } | { key: string };

export interface ResourcePlan {
  /** The resources to store, in order, each with its thread. */
  store: { resource: PulledResource; thread: ThreadRef }[];
  duplicates: number;
  /** The distinct keys of `{ key }` threads, in order of first use. */
  threadKeys: string[];
}

/** The external ids whose stored thread {@link planResources} needs: every external and parent id. */
export function idsToLookUp(resources: readonly PulledResource[]): string[] {
  const ids = new Set<string>();
  for (const resource of resources) {
    ids.add(resource.externalId);
    if (resource.parentId !== null) ids.add(resource.parentId);
  }
  return [...ids];
}

/**
 * Sorts a pull's resources, in order, into duplicates and resources to store with their
 * thread. `stored` maps the already-stored external ids of the instance (among
 * {@link idsToLookUp}) to their thread ids.
 *
 * A resource whose external id is stored, or came earlier in the batch, is a duplicate.
 * Otherwise its thread is: the one keyed by its `threadId` when given; else its parent's
 * (stored, or earlier in the batch) when `parentId` names a known resource; else the one
 * keyed by its own external id. A keyed thread is created when new, joined when it exists.
 */
export function planResources(resources: readonly PulledResource[], stored: ReadonlyMap<string, number>): ResourcePlan {
  const plan: ResourcePlan = { store: [], duplicates: 0, threadKeys: [] };
  const batch = new Map<string, ThreadRef>();
  const keys = new Set<string>();
  const threadOf = (externalId: string): ThreadRef | undefined => {
    const id = stored.get(externalId);
    return id !== undefined ? { id } : batch.get(externalId);
  };
  for (const resource of resources) {
    if (stored.has(resource.externalId) || batch.has(resource.externalId)) {
      plan.duplicates++;
      continue;
    }
    const parentThread = resource.parentId !== null ? threadOf(resource.parentId) : undefined;
    const thread: ThreadRef =
      resource.threadId !== null ? { key: resource.threadId } : (parentThread ?? { key: resource.externalId });
    if ('key' in thread && !keys.has(thread.key)) {
      keys.add(thread.key);
      plan.threadKeys.push(thread.key);
    }
    batch.set(resource.externalId, thread);
    plan.store.push({ resource, thread });
  }
  return plan;
}
