import type { ChannelIntegration, Instance, PullRecord, ResourceRecord, ThreadRecord } from './channel-store.js';
import type { Account, ConfigRecord, Integration } from './records.js';
import type { Actor, RevisionOperation } from './config-revisions.js';
import type { EventStatus } from './event-outbox-store.js';
import type { ReplyStatus } from './reply-store.js';
import type { BundleRecord, ConnectionRecord, JobSpecInstall, OAuthClientRecord } from './zis-registry-store.js';

// What a backup holds, as the stores produce and take it: every row of every table, ids
// included, secrets only as their hashes. How a record is written as a line is
// backup-format.ts's affair.
//
// Deliberately left out:
// - Leases: of an instance's pull (lease_owner, lease_expires_at), of a pending reply
//   being sent, of an integration's event delivery (event_delivery_keys). They belong to
//   processes of the old deployment, so whatever was leased is claimable at once after an
//   import. event_delivery_keys is rebuilt on import from the pending events.
// - admin_ui_handoffs: single-use admin-UI links that expire within minutes; a restored
//   one would be useless (its integration's console hands out a new one on the next click).
// - channel_integrations.pull_url: derived from the manifest on every write, and so on import.
// - Signing secrets: never stored; they derive from the server key (SWITCHBOARD_SECRET_KEY or
//   data/secret-key) and the integration's id and created_at, which the backup keeps. Move
//   the key with the data, or every integration's signing secret changes.

/**
 * The kinds of rows a backup holds, in the order a backup lists them: parents before the
 * rows whose foreign keys name them.
 */
export const dataRecordTypes = [
  'account',
  'admin_token',
  'integration',
  'access_token',
  'config',
  'channel_integration',
  'instance',
  'pull',
  'thread',
  'resource',
  // Format 4: config history.
  'config_revision',
  'revision_counter',
  'revision_watermark',
  // Format 5: the work in flight and its idempotency records.
  'reply',
  'event',
  'push_request',
  // Format 5: the ZIS registry (secrets as stored: ciphertext).
  'zis_bundle',
  'zis_job_spec_install',
  'zis_connection',
  'zis_oauth_client',
] as const;
export type DataRecordType = (typeof dataRecordTypes)[number];

/**
 * The backup format that first held each type: a format holds every type whose number is
 * at most its own. A new table is one entry here (and one in each map keyed by type).
 */
export const firstFormatOf: Record<DataRecordType, number> = {
  account: 1,
  admin_token: 1,
  integration: 1,
  access_token: 1,
  config: 1,
  channel_integration: 2,
  instance: 2,
  pull: 2,
  thread: 2,
  resource: 2,
  config_revision: 4,
  revision_counter: 4,
  revision_watermark: 4,
  reply: 5,
  event: 5,
  push_request: 5,
  zis_bundle: 5,
  zis_job_spec_install: 5,
  zis_connection: 5,
  zis_oauth_client: 5,
};

/** Types kept per account, not by a row id: no `id`, no `sequence` record. */
export const perAccountRecordTypes: ReadonlySet<DataRecordType> = new Set(['revision_counter', 'revision_watermark']);

/** Types listed by their instance and a text key (push records: by instance id, then request id), with no sequence. */
export const perInstanceRecordTypes: ReadonlySet<DataRecordType> = new Set(['push_request']);

/** The types with an id sequence (and so a `sequence` record). */
export const sequencedRecordTypes: readonly DataRecordType[] = dataRecordTypes.filter(
  (type) => !perAccountRecordTypes.has(type) && !perInstanceRecordTypes.has(type),
);

/**
 * Where an export's keyset paging of a type starts, and the position after a row: `[id]`
 * for most types, `[instanceId, requestId]` for push records. Both stores page with it.
 */
export function pageStart(type: DataRecordType): unknown[] {
  return perInstanceRecordTypes.has(type) ? [0, ''] : [0];
}
export function pageAfter(type: DataRecordType, record: Record<string, unknown>): unknown[] {
  return perInstanceRecordTypes.has(type) ? [record.instanceId, record.requestId] : [record.id];
}

/**
 * A reply as stored (format 5), without its lease. `idempotencyKey` and `requestHash` are
 * null for a reply created without an `Idempotency-Key`.
 */
export interface ReplyBackupRecord {
  id: number;
  instanceId: number;
  threadId: number;
  status: ReplyStatus;
  message: string;
  /** JSON array text, as stored. */
  fileUrlsJson: string;
  parentId: string;
  recipientId: string;
  threadKey: string;
  requestUniqueIdentifier: string;
  externalId: string | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: number;
  createdAt: number;
  sentAt: number | null;
  updatedAt: number;
  idempotencyKey: string | null;
  requestHash: string | null;
}

/** An event of the outbox as stored (format 5), pending, delivered or failed. Never metadata. */
export interface EventBackupRecord {
  id: number;
  accountId: number;
  integrationId: number;
  instanceId: number | null;
  callbackUrl: string;
  integrationCreatedAt: number;
  integrationName: string;
  subdomain: string;
  typeId: string;
  error: string | null;
  dataJson: string;
  createdAt: number;
  status: EventStatus;
  attempts: number;
  lastError: string | null;
  lastAttemptAt: number | null;
  deliveredAt: number | null;
}

/** A push idempotency record (format 5): the results a push with this request_id answered. */
export interface PushRequestBackupRecord {
  instanceId: number;
  requestId: string;
  /** JSON array text, as stored. */
  resultsJson: string;
  createdAt: number;
  /** Hex SHA-256 of the push body's canonical `external_resources`; null when stored without one. */
  bodyHash: string | null;
}

/** An integration with its OAuth client's fields (format 5): description, redirect URIs as JSON array text, last change. */
export interface IntegrationBackupRecord extends Integration {
  description: string;
  redirectUrisJson: string;
  /** Epoch seconds; null: never changed. */
  updatedAt: number | null;
}

/** A config revision as stored (see store/config-revisions.ts); `configJson` is null for a delete. */
export interface ConfigRevisionRecord {
  id: number;
  accountId: number;
  revision: number;
  integration: string;
  scope: string;
  operation: RevisionOperation;
  configJson: string | null;
  configId: number;
  version: number;
  changedAt: number;
  actorType: Actor['type'];
  actorId: string;
  requestId: string | null;
}

/** An account's revision counter: the last number handed out. Imported as is, so numbers keep increasing. */
export interface RevisionCounterRecord {
  accountId: number;
  lastRevision: number;
}

/** An account's compaction watermark: revisions at or below it may be gone. */
export interface RevisionWatermarkRecord {
  accountId: number;
  compactedThrough: number;
}

export interface AdminTokenRecord {
  id: number;
  accountId: number;
  email: string;
  tokenHash: string;
  createdAt: number;
}

export interface AccessTokenRecord {
  id: number;
  accountId: number;
  integration: string;
  tokenHash: string;
  createdAt: number;
  /** As stored: space-separated, `read write` (format 3; formats 1 and 2 mean read and write). */
  scopes: string;
  /** The token's first characters, or null (format 3; null before). */
  tokenPrefix: string | null;
  /** Epoch seconds of the last recorded use, or null (format 3; null before). */
  usedAt: number | null;
}

/**
 * The highest id a table has ever handed out, deleted rows included. Restored so that the
 * target never hands out an id again either: ids (and so ETags and `page[after]` cursors)
 * stay unique across the move.
 */
export interface SequenceRecord {
  recordType: DataRecordType;
  lastId: number;
}

export type BackupRecord =
  | ({ type: 'account' } & Account)
  | ({ type: 'admin_token' } & AdminTokenRecord)
  | ({ type: 'integration' } & IntegrationBackupRecord)
  | ({ type: 'access_token' } & AccessTokenRecord)
  | ({ type: 'config' } & ConfigRecord)
  | ({ type: 'channel_integration' } & ChannelIntegration)
  | ({ type: 'instance' } & Instance)
  | ({ type: 'pull' } & PullRecord)
  | ({ type: 'thread' } & ThreadRecord)
  | ({ type: 'resource' } & ResourceRecord)
  | ({ type: 'config_revision' } & ConfigRevisionRecord)
  | ({ type: 'revision_counter' } & RevisionCounterRecord)
  | ({ type: 'revision_watermark' } & RevisionWatermarkRecord)
  | ({ type: 'reply' } & ReplyBackupRecord)
  | ({ type: 'event' } & EventBackupRecord)
  | ({ type: 'push_request' } & PushRequestBackupRecord)
  | ({ type: 'zis_bundle' } & BundleRecord)
  | ({ type: 'zis_job_spec_install' } & JobSpecInstall)
  | ({ type: 'zis_connection' } & ConnectionRecord)
  | ({ type: 'zis_oauth_client' } & OAuthClientRecord)
  | ({ type: 'sequence' } & SequenceRecord);

export type RecordType = BackupRecord['type'];
/** A row of a table, as opposed to a sequence position. */
export type DataRecord = Exclude<BackupRecord, { type: 'sequence' }>;

/** About how many characters a row's values hold: inserts are batched by it as well as by rows. */
export function recordChars(record: DataRecord): number {
  switch (record.type) {
    case 'config':
      return record.configJson.length;
    case 'channel_integration':
      return record.manifestJson.length;
    case 'instance':
      return record.metadata.length + record.state.length;
    case 'pull':
      return record.error?.length ?? 0;
    case 'resource':
      return record.payloadJson.length;
    case 'config_revision':
      return record.configJson?.length ?? 0;
    case 'reply':
      return record.message.length + record.fileUrlsJson.length;
    case 'event':
      return record.dataJson.length;
    case 'push_request':
      return record.resultsJson.length;
    case 'zis_bundle':
      return record.resourcesJson.length;
    default:
      return 0;
  }
}

/** Every record type, in backup order: the data, then the sequences. */
export const recordTypes: readonly RecordType[] = [...dataRecordTypes, 'sequence'];

/** How many records of each type. */
export type RecordCounts = Record<RecordType, number>;

export const zeroCounts = (): RecordCounts => Object.fromEntries(recordTypes.map((type) => [type, 0])) as RecordCounts;

/**
 * The database has rows in tables a backup does not hold (a newer feature's): refusing is
 * better than a backup that silently lacks them.
 */
export class UncoveredDataError extends Error {
  constructor(tables: string[]) {
    super(
      `The database has rows in ${tables.join(', ')}, which backups do not cover yet; ` +
        'refusing to write an incomplete backup',
    );
  }
}
