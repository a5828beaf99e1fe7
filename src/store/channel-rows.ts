import type {
  ChannelIntegration,
  Handoff,
  Instance,
  PullRecord,
  ResourceRecord,
  ThreadRecord,
} from './channel-store.js';

// Channel tables' rows as both stores read them (snake_case; SQLite booleans are 0/1,
// PostgreSQL's true/false; PostgreSQL int8 parsed as numbers by the store's pool), and
// their records. Both schemas name their columns alike, so both stores share these.

type Flag = boolean | number;

export interface ChannelIntegrationRow {
  id: number;
  account_id: number;
  remote_id: string;
  name: string;
  manifest_url: string;
  manifest: string;
  pull_url: string | null;
  created_at: number;
  updated_at: number;
}

export interface InstanceRow {
  id: number;
  account_id: number;
  integration_id: number;
  name: string;
  metadata: string;
  state: string;
  state_version: number;
  instance_push_id: string;
  push_token_hash: string;
  active: Flag;
  deactivated_reason: string | null;
  metadata_needs_update: Flag;
  consecutive_failures: number;
  next_pull_at: number;
  last_pull_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

/** An instance joined with its integration, whose columns carry an `ci_` prefix. */
export type InstanceWithIntegrationRow = InstanceRow & {
  [K in keyof ChannelIntegrationRow as `ci_${K}`]: ChannelIntegrationRow[K];
};

/** The select list giving the `ci_` columns of {@link InstanceWithIntegrationRow}, from the alias `ci`. */
export const integrationColumnsPrefixed = [
  'id',
  'account_id',
  'remote_id',
  'name',
  'manifest_url',
  'manifest',
  'pull_url',
  'created_at',
  'updated_at',
]
  .map((column) => `ci.${column} AS ci_${column}`)
  .join(', ');

export interface PullRow {
  id: number;
  instance_id: number;
  started_at: number;
  duration_ms: number;
  outcome: 'ok' | 'failed';
  http_status: number | null;
  resources_stored: number;
  duplicates: number;
  state_conflict: Flag;
  error: string | null;
  deactivated: Flag;
}

export interface ThreadRow {
  id: number;
  instance_id: number;
  thread_key: string;
  resource_count: number;
  created_at: number;
}

export interface ResourceRow {
  id: number;
  instance_id: number;
  thread_id: number;
  external_id: string;
  payload: string;
  stored_at: number;
}

export interface HandoffRow {
  account_id: number;
  integration_id: number;
  instance_id: number | null;
  instance_push_id: string;
  push_token_hash: string;
}

export const toHandoff = (row: HandoffRow): Handoff => ({
  accountId: row.account_id,
  integrationId: row.integration_id,
  instanceId: row.instance_id,
  instancePushId: row.instance_push_id,
  pushTokenHash: row.push_token_hash,
});

export const toChannelIntegration = (row: ChannelIntegrationRow): ChannelIntegration => ({
  id: row.id,
  accountId: row.account_id,
  remoteId: row.remote_id,
  name: row.name,
  manifestUrl: row.manifest_url,
  manifestJson: row.manifest,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toJoinedIntegration = (row: InstanceWithIntegrationRow): ChannelIntegration => ({
  id: row.ci_id,
  accountId: row.ci_account_id,
  remoteId: row.ci_remote_id,
  name: row.ci_name,
  manifestUrl: row.ci_manifest_url,
  manifestJson: row.ci_manifest,
  createdAt: row.ci_created_at,
  updatedAt: row.ci_updated_at,
});

export const toInstance = (row: InstanceRow): Instance => ({
  id: row.id,
  accountId: row.account_id,
  integrationId: row.integration_id,
  name: row.name,
  metadata: row.metadata,
  state: row.state,
  stateVersion: row.state_version,
  instancePushId: row.instance_push_id,
  pushTokenHash: row.push_token_hash,
  active: Boolean(row.active),
  deactivatedReason: row.deactivated_reason,
  metadataNeedsUpdate: Boolean(row.metadata_needs_update),
  consecutiveFailures: row.consecutive_failures,
  nextPullAt: row.next_pull_at,
  lastPullAt: row.last_pull_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toPull = (row: PullRow): PullRecord => ({
  id: row.id,
  instanceId: row.instance_id,
  startedAt: row.started_at,
  durationMs: row.duration_ms,
  outcome: row.outcome,
  httpStatus: row.http_status,
  resourcesStored: row.resources_stored,
  duplicates: row.duplicates,
  stateConflict: Boolean(row.state_conflict),
  error: row.error,
  deactivated: Boolean(row.deactivated),
});

export const toThread = (row: ThreadRow): ThreadRecord => ({
  id: row.id,
  instanceId: row.instance_id,
  threadKey: row.thread_key,
  resourceCount: row.resource_count,
  createdAt: row.created_at,
});

export const toResource = (row: ResourceRow): ResourceRecord => ({
  id: row.id,
  instanceId: row.instance_id,
  threadId: row.thread_id,
  externalId: row.external_id,
  payloadJson: row.payload,
  storedAt: row.stored_at,
});
