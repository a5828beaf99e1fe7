import type { DataRecord, DataRecordType } from './backup-records.js';
import {
  toChannelIntegration,
  toInstance,
  toPull,
  toResource,
  toThread,
  type ChannelIntegrationRow,
  type InstanceRow,
  type PullRow,
  type ResourceRow,
  type ThreadRow,
} from './channel-rows.js';
import { pullUrlOf } from './channel-rules.js';
import {
  toBundle,
  toConnection,
  toJobSpecInstall,
  toOAuthClient,
  type BundleRow,
  type ConnectionRow,
  type JobSpecInstallRow,
  type OAuthClientRow,
} from './zis-registry-rows.js';

/** One column a backup restores: its name, its PostgreSQL type, and its value in a record. */
interface Column<R> {
  name: string;
  pgType: 'bigint' | 'integer' | 'text' | 'boolean';
  value: (record: R) => unknown;
}

/** A table a backup covers: how its rows become records, and how records go back in. */
export interface BackupTable<R> {
  name: string;
  /** How a selected row becomes the record's fields (absent when the export names its columns as the record does). */
  toFields?: (row: never) => object;
  /**
   * The columns an import writes, in order: the one place that order is written down.
   * Both stores build their INSERT statements from it. Flags are booleans (SQLite binds
   * them as 0/1); an instance's lease columns are not among them (imports are unleased).
   */
  columns: readonly Column<R>[];
}

type RecordOf<T extends DataRecordType> = Extract<DataRecord, { type: T }>;

const column = <R>(name: string, pgType: Column<R>['pgType'], value: (record: R) => unknown): Column<R> => ({
  name,
  pgType,
  value,
});

/** Which table each backup record type lives in, with its columns. Both stores use this; only their SQL differs. */
export const backupTables: { [T in DataRecordType]: BackupTable<RecordOf<T>> } = {
  account: {
    name: 'accounts',
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('subdomain', 'text', (r) => r.subdomain),
      column('created_at', 'bigint', (r) => r.createdAt),
    ],
  },
  admin_token: {
    name: 'admin_tokens',
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('account_id', 'bigint', (r) => r.accountId),
      column('email', 'text', (r) => r.email),
      column('token_hash', 'text', (r) => r.tokenHash),
      column('created_at', 'bigint', (r) => r.createdAt),
    ],
  },
  integration: {
    name: 'integrations',
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('account_id', 'bigint', (r) => r.accountId),
      column('name', 'text', (r) => r.name),
      column('client_identifier', 'text', (r) => r.clientIdentifier),
      column('client_secret_hash', 'text', (r) => r.clientSecretHash),
      column('created_at', 'bigint', (r) => r.createdAt),
      column('description', 'text', (r) => r.description),
      column('redirect_uris', 'text', (r) => r.redirectUrisJson),
      column('updated_at', 'bigint', (r) => r.updatedAt),
    ],
  },
  access_token: {
    name: 'access_tokens',
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('account_id', 'bigint', (r) => r.accountId),
      column('integration', 'text', (r) => r.integration),
      column('token_hash', 'text', (r) => r.tokenHash),
      column('created_at', 'bigint', (r) => r.createdAt),
      column('scopes', 'text', (r) => r.scopes),
      column('token_prefix', 'text', (r) => r.tokenPrefix),
      column('used_at', 'bigint', (r) => r.usedAt),
    ],
  },
  config: {
    name: 'configs',
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('account_id', 'bigint', (r) => r.accountId),
      column('integration', 'text', (r) => r.integration),
      column('scope', 'text', (r) => r.scope),
      column('config', 'text', (r) => r.configJson),
      column('version', 'integer', (r) => r.version),
      column('created_at', 'bigint', (r) => r.createdAt),
      column('updated_at', 'bigint', (r) => r.updatedAt),
    ],
  },
  channel_integration: {
    name: 'channel_integrations',
    toFields: (row: ChannelIntegrationRow) => toChannelIntegration(row),
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('account_id', 'bigint', (r) => r.accountId),
      column('remote_id', 'text', (r) => r.remoteId),
      column('name', 'text', (r) => r.name),
      column('manifest_url', 'text', (r) => r.manifestUrl),
      column('manifest', 'text', (r) => r.manifestJson),
      // Derived from the manifest on every write, and so on import.
      column('pull_url', 'text', (r) => pullUrlOf(r.manifestJson)),
      column('created_at', 'bigint', (r) => r.createdAt),
      column('updated_at', 'bigint', (r) => r.updatedAt),
    ],
  },
  instance: {
    name: 'instances',
    toFields: (row: InstanceRow) => toInstance(row),
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('account_id', 'bigint', (r) => r.accountId),
      column('integration_id', 'bigint', (r) => r.integrationId),
      column('name', 'text', (r) => r.name),
      column('metadata', 'text', (r) => r.metadata),
      column('state', 'text', (r) => r.state),
      column('state_version', 'integer', (r) => r.stateVersion),
      column('instance_push_id', 'text', (r) => r.instancePushId),
      column('push_token_hash', 'text', (r) => r.pushTokenHash),
      column('active', 'boolean', (r) => r.active),
      column('deactivated_reason', 'text', (r) => r.deactivatedReason),
      column('metadata_needs_update', 'boolean', (r) => r.metadataNeedsUpdate),
      column('consecutive_failures', 'integer', (r) => r.consecutiveFailures),
      column('next_pull_at', 'bigint', (r) => r.nextPullAt),
      column('last_pull_at', 'bigint', (r) => r.lastPullAt),
      column('created_at', 'bigint', (r) => r.createdAt),
      column('updated_at', 'bigint', (r) => r.updatedAt),
    ],
  },
  pull: {
    name: 'pulls',
    toFields: (row: PullRow) => toPull(row),
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('instance_id', 'bigint', (r) => r.instanceId),
      column('started_at', 'bigint', (r) => r.startedAt),
      column('duration_ms', 'bigint', (r) => r.durationMs),
      column('outcome', 'text', (r) => r.outcome),
      column('http_status', 'integer', (r) => r.httpStatus),
      column('resources_stored', 'integer', (r) => r.resourcesStored),
      column('duplicates', 'integer', (r) => r.duplicates),
      column('state_conflict', 'boolean', (r) => r.stateConflict),
      column('error', 'text', (r) => r.error),
      column('deactivated', 'boolean', (r) => r.deactivated),
    ],
  },
  thread: {
    name: 'threads',
    toFields: (row: ThreadRow) => toThread(row),
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('instance_id', 'bigint', (r) => r.instanceId),
      column('thread_key', 'text', (r) => r.threadKey),
      column('resource_count', 'integer', (r) => r.resourceCount),
      column('created_at', 'bigint', (r) => r.createdAt),
    ],
  },
  resource: {
    name: 'resources',
    toFields: (row: ResourceRow) => toResource(row),
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('instance_id', 'bigint', (r) => r.instanceId),
      column('thread_id', 'bigint', (r) => r.threadId),
      column('external_id', 'text', (r) => r.externalId),
      column('payload', 'text', (r) => r.payloadJson),
      column('stored_at', 'bigint', (r) => r.storedAt),
    ],
  },
  config_revision: {
    name: 'config_revisions',
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('account_id', 'bigint', (r) => r.accountId),
      column('revision', 'bigint', (r) => r.revision),
      column('integration', 'text', (r) => r.integration),
      column('scope', 'text', (r) => r.scope),
      column('operation', 'text', (r) => r.operation),
      column('config', 'text', (r) => r.configJson),
      column('config_id', 'bigint', (r) => r.configId),
      column('version', 'integer', (r) => r.version),
      column('changed_at', 'bigint', (r) => r.changedAt),
      column('actor_type', 'text', (r) => r.actorType),
      column('actor_id', 'text', (r) => r.actorId),
      column('request_id', 'text', (r) => r.requestId),
    ],
  },
  // Per account, paged by account id: the export names it `id` for paging only.
  revision_counter: {
    name: 'config_revision_counters',
    toFields: ({ id: _, ...fields }: { id: number }) => fields,
    columns: [
      column('account_id', 'bigint', (r) => r.accountId),
      column('last_revision', 'bigint', (r) => r.lastRevision),
    ],
  },
  revision_watermark: {
    name: 'config_revision_watermarks',
    toFields: ({ id: _, ...fields }: { id: number }) => fields,
    columns: [
      column('account_id', 'bigint', (r) => r.accountId),
      column('compacted_through', 'bigint', (r) => r.compactedThrough),
    ],
  },
  // Work in flight (format 5), unleased: a restored pending reply or event is claimable at once.
  reply: {
    name: 'replies',
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('instance_id', 'bigint', (r) => r.instanceId),
      column('thread_id', 'bigint', (r) => r.threadId),
      column('status', 'text', (r) => r.status),
      column('message', 'text', (r) => r.message),
      column('file_urls', 'text', (r) => r.fileUrlsJson),
      column('parent_id', 'text', (r) => r.parentId),
      column('recipient_id', 'text', (r) => r.recipientId),
      column('thread_key', 'text', (r) => r.threadKey),
      column('request_unique_identifier', 'text', (r) => r.requestUniqueIdentifier),
      column('external_id', 'text', (r) => r.externalId),
      column('attempts', 'integer', (r) => r.attempts),
      column('last_error', 'text', (r) => r.lastError),
      column('next_attempt_at', 'bigint', (r) => r.nextAttemptAt),
      column('created_at', 'bigint', (r) => r.createdAt),
      column('sent_at', 'bigint', (r) => r.sentAt),
      column('updated_at', 'bigint', (r) => r.updatedAt),
      column('idempotency_key', 'text', (r) => r.idempotencyKey),
      column('request_hash', 'text', (r) => r.requestHash),
    ],
  },
  event: {
    name: 'event_outbox',
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('account_id', 'bigint', (r) => r.accountId),
      column('integration_id', 'bigint', (r) => r.integrationId),
      column('instance_id', 'bigint', (r) => r.instanceId),
      column('callback_url', 'text', (r) => r.callbackUrl),
      column('integration_created_at', 'bigint', (r) => r.integrationCreatedAt),
      column('integration_name', 'text', (r) => r.integrationName),
      column('subdomain', 'text', (r) => r.subdomain),
      column('type_id', 'text', (r) => r.typeId),
      column('error', 'text', (r) => r.error),
      column('data', 'text', (r) => r.dataJson),
      column('created_at', 'bigint', (r) => r.createdAt),
      column('status', 'text', (r) => r.status),
      column('attempts', 'integer', (r) => r.attempts),
      column('last_error', 'text', (r) => r.lastError),
      column('last_attempt_at', 'bigint', (r) => r.lastAttemptAt),
      column('delivered_at', 'bigint', (r) => r.deliveredAt),
    ],
  },
  push_request: {
    name: 'push_requests',
    columns: [
      column('instance_id', 'bigint', (r) => r.instanceId),
      column('request_id', 'text', (r) => r.requestId),
      column('results', 'text', (r) => r.resultsJson),
      column('created_at', 'bigint', (r) => r.createdAt),
      column('body_hash', 'text', (r) => r.bodyHash),
    ],
  },
  // The ZIS registry (format 5). Secrets go in and out as stored: ciphertext under the key ring.
  zis_bundle: {
    name: 'zis_bundles',
    toFields: (row: BundleRow) => toBundle(row),
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('account_id', 'bigint', (r) => r.accountId),
      column('integration', 'text', (r) => r.integration),
      column('name', 'text', (r) => r.name),
      column('version', 'integer', (r) => r.version),
      column('uuid', 'text', (r) => r.uuid),
      column('description', 'text', (r) => r.description),
      column('template_version', 'text', (r) => r.templateVersion),
      column('resources', 'text', (r) => r.resourcesJson),
      column('uploaded_at', 'bigint', (r) => r.uploadedAt),
    ],
  },
  zis_job_spec_install: {
    name: 'zis_job_spec_installs',
    toFields: (row: JobSpecInstallRow) => toJobSpecInstall(row),
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('account_id', 'bigint', (r) => r.accountId),
      column('integration', 'text', (r) => r.integration),
      column('job_spec_name', 'text', (r) => r.jobSpecName),
      column('installed_at', 'bigint', (r) => r.installedAt),
    ],
  },
  zis_connection: {
    name: 'zis_connections',
    toFields: (row: ConnectionRow) => toConnection(row),
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('account_id', 'bigint', (r) => r.accountId),
      column('integration', 'text', (r) => r.integration),
      column('name', 'text', (r) => r.name),
      column('type', 'text', (r) => r.connectionType),
      column('allowed_domain', 'text', (r) => r.allowedDomain),
      column('label', 'text', (r) => r.label),
      column('secret', 'text', (r) => r.secret),
      column('created_at', 'bigint', (r) => r.createdAt),
      column('updated_at', 'bigint', (r) => r.updatedAt),
    ],
  },
  zis_oauth_client: {
    name: 'zis_oauth_clients',
    toFields: (row: OAuthClientRow) => toOAuthClient(row),
    columns: [
      column('id', 'bigint', (r) => r.id),
      column('uuid', 'text', (r) => r.uuid),
      column('account_id', 'bigint', (r) => r.accountId),
      column('integration', 'text', (r) => r.integration),
      column('name', 'text', (r) => r.name),
      column('client_id', 'text', (r) => r.clientId),
      column('client_secret', 'text', (r) => r.clientSecret),
      column('auth_url', 'text', (r) => r.authUrl),
      column('token_url', 'text', (r) => r.tokenUrl),
      column('default_scopes', 'text', (r) => r.defaultScopes),
      column('grant_type', 'text', (r) => r.grantType),
      column('created_at', 'bigint', (r) => r.createdAt),
      column('updated_at', 'bigint', (r) => r.updatedAt),
    ],
  },
};

/** A record's values in its table's column order. */
export function rowValues(record: DataRecord): unknown[] {
  const table = backupTables[record.type] as BackupTable<DataRecord>;
  return table.columns.map((c) => c.value(record));
}

/** `INSERT INTO t (a, b) VALUES (?, ?)`: one row, SQLite placeholders. */
export function sqliteImportStatement(type: DataRecordType): string {
  const { name, columns } = backupTables[type] as BackupTable<DataRecord>;
  return `INSERT INTO ${name} (${columns.map((c) => c.name).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}

/** `INSERT INTO t (a, b) SELECT * FROM unnest($1::bigint[], $2::text[])`: one array per column. */
export function postgresImportStatement(type: DataRecordType): string {
  const { name, columns } = backupTables[type] as BackupTable<DataRecord>;
  const arrays = columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ');
  return `INSERT INTO ${name} (${columns.map((c) => c.name).join(', ')}) SELECT * FROM unnest(${arrays})`;
}

/**
 * Tables a backup does not hold, on purpose or not yet. Any other table with rows makes an
 * export refuse, so a new table is never silently left out.
 */
export const notBackedUp: ReadonlySet<string> = new Set([
  'schema_migrations',
  // PostgreSQL: revisions of writes committed at most moments ago, numbered into
  // config_revisions just after; an export numbers what is waiting before its snapshot.
  'config_revisions_pending',
  // SQLite: revisions not yet folded into config_revisions (migration 0025); the export reads
  // them with config_revisions, as config_revision records.
  'config_revisions_recent',
  // SQLite: the history heads of deleted scopes (migration 0026), derived from the revisions:
  // an import links them again.
  'config_history_deleted',
  // Lock rows (PostgreSQL without advisory locks): names only, created again on use.
  'switchboard_locks',
  // Single-use admin-UI links that expire within minutes: open the console again for a new one.
  'admin_ui_handoffs',
  // Failed-authentication counts (PostgreSQL): they expire within a window.
  'auth_failures',
  // Each integration's event delivery lease and retry time: rebuilt on import from the
  // pending events (due at once, unleased).
  'event_delivery_keys',
  // A counter nodes poll to drop cached authentications; a restored store starts its own.
  'credential_revocations',
  // Console sign-ins (at most 12 hours): after a restore admins sign in again.
  'console_sessions',
  // The OAuth authorization-code grant: codes live minutes; refresh tokens (and the expiring
  // access tokens they renew, which the export skips) are not restored: after a restore,
  // an authorization-code client signs in again.
  'oauth_codes',
  'refresh_tokens',
  // The inspector's rings of recent exchanges with integrations: a diagnostic trail that the
  // next pulls, replies and events rebuild (and whose bodies hold metadata and state).
  'exchanges',
]);
