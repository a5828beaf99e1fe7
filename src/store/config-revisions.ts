// Config history (issue 10): what a revision is, as both stores write and return it.

import type { ConfigRecord } from './records.js';

/**
 * Who made a change: a bearer token (its id), an admin credential (its email), a console
 * user (email), or the command line. `requestId` is the HTTP request's id, when there was one.
 */
export interface Actor {
  type: 'token' | 'admin' | 'console' | 'cli';
  id: string;
  requestId?: string;
}

export const revisionOperations = ['create', 'replace', 'merge', 'delete', 'restore'] as const;
export type RevisionOperation = (typeof revisionOperations)[number];

/** One change of a config, written in the same transaction as the change itself. */
export interface ConfigRevision {
  /** Per account: increasing, never reused; an account's revisions commit in this order. */
  revision: number;
  integration: string;
  scope: string;
  operation: RevisionOperation;
  /** The config after the change, JSON text as stored; undefined for a delete. */
  configJson: string | undefined;
  /** With `version`, the config's ETag after the change (`"id-version"`); for a delete, the deleted config's. */
  configId: number;
  version: number;
  changedAtSeconds: number;
  actor: Actor;
}

/** What a write needs to record its revision, besides the config. */
export interface RevisionAuthor {
  actor: Actor;
  nowSeconds: number;
}

/** The revisions the feed can serve: `oldest` (the compaction watermark + 1) to `latest` (0 if none yet). */
export interface RevisionBounds {
  oldest: number;
  latest: number;
}

/** How long history is kept (see `zis/history/compaction-loop.ts`). */
export interface RetentionPolicy {
  /** Revisions changed before this (epoch seconds) may go: the watermark moves up to the newest of them. */
  cutoffSeconds: number;
  /** Never delete the last N revisions of a scope, however old. */
  keepPerScope: number;
  /** Rows deleted per transaction: small, so writes never wait long. */
  batchSize: number;
}

export interface CompactionReport {
  accounts: number;
  deleted: number;
}

/** What a config write tells its revision: the change, and the config's id and version after it. */
export interface RevisionFacts {
  key: { accountId: number; integration: string };
  scope: string;
  operation: RevisionOperation;
  /** Undefined for a delete. */
  configJson: string | undefined;
  configId: number;
  version: number;
  nowSeconds: number;
  actor: Actor;
}

/** The facts of a create, replace, merge or restore, from the config as written. */
export function revisionFactsOf(
  config: Omit<ConfigRecord, 'createdAt'>,
  operation: RevisionOperation,
  actor: Actor,
): RevisionFacts {
  return {
    key: { accountId: config.accountId, integration: config.integration },
    scope: config.scope,
    operation,
    configJson: config.configJson,
    configId: config.id,
    version: config.version,
    nowSeconds: config.updatedAt,
    actor,
  };
}

/**
 * A revision's values in the order both stores insert them: account, integration, scope,
 * operation, config, config id, version, changed at, actor type, actor id, request id.
 */
export function revisionValues(facts: RevisionFacts): unknown[] {
  const { key, actor } = facts;
  return [
    ...[key.accountId, key.integration, facts.scope, facts.operation, facts.configJson ?? null],
    ...[facts.configId, facts.version, facts.nowSeconds, actor.type, actor.id, actor.requestId ?? null],
  ];
}

/** A revision row as both stores return it (snake_case; int8 parsed as numbers). */
export type RevisionRow = {
  revision: number;
  integration: string;
  scope: string;
  operation: RevisionOperation;
  config: string | null;
  config_id: number;
  version: number;
  changed_at: number;
  actor_type: Actor['type'];
  actor_id: string;
  request_id: string | null;
};

export const toRevision = (row: RevisionRow): ConfigRevision => ({
  revision: row.revision,
  integration: row.integration,
  scope: row.scope,
  operation: row.operation,
  configJson: row.config ?? undefined,
  configId: row.config_id,
  version: row.version,
  changedAtSeconds: row.changed_at,
  actor:
    row.request_id === null
      ? { type: row.actor_type, id: row.actor_id }
      : { type: row.actor_type, id: row.actor_id, requestId: row.request_id },
});

/** Calls every listener, each in its own try: one that throws never stops the others or the write. */
export class ChangeListeners {
  private readonly listeners = new Set<(accountId: number) => void>();

  get size(): number {
    return this.listeners.size;
  }

  add(listener: (accountId: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  fire(accountId: number): void {
    for (const listener of this.listeners) {
      try {
        listener(accountId);
      } catch {
        // A listener's failure is its own: the change is committed whatever it does.
      }
    }
  }
}
