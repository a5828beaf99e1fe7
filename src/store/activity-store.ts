import type { EventRecord } from './event-outbox-store.js';
import type { RevisionOperation } from './config-revisions.js';
import { plainRead, type MethodTable } from './method-facts.js';

/** A span of time, epoch milliseconds: from `sinceMs` (included) to `untilMs` (excluded). */
export interface ActivityWindow {
  sinceMs: number;
  untilMs: number;
}

/** How many things happened in one minute; `minuteMs` is the minute's start, epoch ms. Minutes with none are left out. */
export interface MinuteCount {
  minuteMs: number;
  count: number;
}

/** Pulls started in one minute, and how many of them failed. */
export interface PullMinute {
  minuteMs: number;
  pulls: number;
  failed: number;
}

/**
 * Config writes per minute. Only the account's newest `revisionScanCap` revisions are
 * read (a revision's time has no index of its own: config writes stay as fast as they
 * are); `capped` says the cap was reached inside the window, so its oldest minutes count
 * fewer writes than happened.
 */
export interface ConfigWriteMinutes {
  perMinute: MinuteCount[];
  capped: boolean;
}

/** The newest revisions read for config writes per minute. */
export const revisionScanCap = 20_000;

/** One config write, without the config: what the overview lists as the latest changes. */
export interface ConfigChangeSummary {
  revision: number;
  integration: string;
  scope: string;
  operation: RevisionOperation;
  /** Epoch seconds. */
  changedAt: number;
  actorType: string;
  actorId: string;
}

/** An instance with replies waiting to be sent, and how many. */
export interface PendingReplies {
  instanceId: number;
  pending: number;
}

/**
 * What happened on an account, read for the console: per-minute counts for the overview's
 * charts (from the pull log, the event outbox, the replies and the config revisions, so
 * every node's work is counted), the instances with replies waiting, the latest config
 * changes, and an integration's events page by page. Read-only; times are passed in.
 */
export interface ActivityStore {
  /** Pulls started in `window`, per minute, with the failed ones: every node's, from the shared pull log. */
  pullsPerMinute(accountId: number, window: ActivityWindow): Promise<PullMinute[]>;
  /** Events delivered to integrations in `window`, per minute of delivery. */
  eventsDeliveredPerMinute(accountId: number, window: ActivityWindow): Promise<MinuteCount[]>;
  /** Agents' replies sent to integrations in `window`, per minute of sending. */
  repliesSentPerMinute(accountId: number, window: ActivityWindow): Promise<MinuteCount[]>;
  /** Config writes (their revisions) in `window`, per minute; undefined when the store keeps no history. */
  configWritesPerMinute(accountId: number, window: ActivityWindow): Promise<ConfigWriteMinutes | undefined>;
  /** Instances of the account with replies not yet sent, most waiting first. */
  pendingRepliesByInstance(accountId: number): Promise<PendingReplies[]>;
  /** The account's newest config writes, newest first, at most `limit`. */
  latestConfigChanges(accountId: number, limit: number): Promise<ConfigChangeSummary[]>;
  /** An integration's events, newest first, with ids below `beforeId` when given, at most `limit`. */
  listEventsBefore(
    accountId: number,
    integrationId: number,
    page: { beforeId?: number; limit: number },
  ): Promise<EventRecord[]>;
  /** One event of an integration, payload included. */
  getEvent(accountId: number, integrationId: number, eventId: number): Promise<EventRecord | undefined>;
}

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
