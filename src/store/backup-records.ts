import type { ChannelIntegration, Instance, PullRecord, ResourceRecord, ThreadRecord } from './channel-store.js';
import type { Account, ConfigRecord, Integration } from './records.js';
import type { Actor, RevisionOperation } from './config-revisions.js';
import type { BundleRecord, ConnectionRecord, JobSpecInstall, OAuthClientRecord } from './zis-registry-store.js';

// What a backup holds, as the stores produce and take it: every row of every table, ids
// included, secrets only as their hashes. How a record is written as a line is
// backup-format.ts's affair.
//
// Deliberately left out:
// - admin_ui_handoffs: single-use admin-UI links that expire within minutes; a restored
//   one would be useless (its integration's console hands out a new one on the next click).
// - The pull lease of an instance (lease_owner, lease_expires_at): it belongs to a process
//   of the old deployment, so an imported instance is not leased.
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
  // Format 5: the ZIS registry (secrets as stored: ciphertext).
  'zis_bundle',
  'zis_job_spec_install',
  'zis_connection',
  'zis_oauth_client',
] as const;
export type DataRecordType = (typeof dataRecordTypes)[number];

/** The types of formats 2 and 3 (before config history). */
export const format3DataRecordTypes: readonly DataRecordType[] = dataRecordTypes.slice(0, 10);

/** The types of format 4 (before the ZIS registry). */
export const format4DataRecordTypes: readonly DataRecordType[] = dataRecordTypes.slice(
  0,
  dataRecordTypes.indexOf('revision_watermark') + 1,
);

/** Types kept per account, not by a row id: no `id`, no `sequence` record. */
export const perAccountRecordTypes: ReadonlySet<DataRecordType> = new Set(['revision_counter', 'revision_watermark']);

/** The types with an id sequence (and so a `sequence` record). */
export const sequencedRecordTypes: readonly DataRecordType[] = dataRecordTypes.filter(
  (type) => !perAccountRecordTypes.has(type),
);

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
  | ({ type: 'integration' } & Integration)
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

export const zeroCounts = (): RecordCounts => ({
  account: 0,
  admin_token: 0,
  integration: 0,
  access_token: 0,
  config: 0,
  channel_integration: 0,
  instance: 0,
  pull: 0,
  thread: 0,
  resource: 0,
  config_revision: 0,
  revision_counter: 0,
  revision_watermark: 0,
  zis_bundle: 0,
  zis_job_spec_install: 0,
  zis_connection: 0,
  zis_oauth_client: 0,
  sequence: 0,
});

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
