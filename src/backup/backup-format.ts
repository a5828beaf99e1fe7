import {
  dataRecordTypes,
  firstFormatOf,
  perAccountRecordTypes,
  perInstanceRecordTypes,
  recordTypes,
  zeroCounts,
  type BackupRecord,
  type DataRecordType,
  type RecordCounts,
  type RecordType,
} from '../store/backup-records.js';
import { idempotencyKeyPattern } from '../store/reply-store.js';

// The backup file: JSON lines. A header line, one line per record, and an end line with
// the number of records of each type, so that a truncated file is told from a whole one:
//
//   {"type":"switchboard-backup","format":3,"schema_version":3,"exported_at":"…","source":"sqlite"}
//   {"type":"account","id":1,"subdomain":"acme","created_at":1704067200}
//   …
//   {"type":"end","counts":{"account":1,…}}
//
// Format 1: accounts, admin tokens, integrations, access tokens, configs, then sequences.
// Format 2 adds, after the configs, the Channel-framework rows: channel integrations,
// instances, pulls (the log), threads and resources, each with its sequence. Times of
// channel rows are epoch milliseconds, as stored. Admin-UI hand-offs and instances' pull
// leases are not in it (see store/backup-records.ts). A format-1 file still imports: it has no
// channel records, and the end line and sequences name only the format-1 types.
// Format 3 adds to each access token its scopes, the first characters of the token and
// when it was last used. Format-1 and format-2 access tokens import with read and write,
// no prefix and no last use, as such tokens were.
// Format 4 adds config history after the resources: every kept config revision (with its
// sequence), then each account's revision counter and compaction watermark (per account,
// without sequences). An import keeps the numbers, and no counter ends below its account's
// highest revision, so new revisions keep increasing. Older formats import with no history.
// Format 5 adds the work in flight, after the revision watermarks: replies (status and
// attempts, and the Idempotency-Key each was created with), the event outbox (pending,
// delivered and failed events, with their ids), and push request records (listed by
// instance id, then request id), with the reply and event sequences. Leases are not in it:
// what was leased is claimable at once. Older formats import with none of these.
// Format 5 adds the ZIS registry after the config history: bundle versions, installed job
// specs, connections and ZIS OAuth clients, their secrets as stored (ciphertext under the
// key ring, `enc:v1:…`). Older formats import with an empty registry.

/** The format this Switchboard writes. */
export const backupFormat = 5;
/** The formats it reads. */
export const readableFormats: readonly number[] = [1, 2, 3, 4, 5];

/** The record types a format holds, in backup order. */
export function recordTypesOf(format: number): readonly RecordType[] {
  return format >= backupFormat
    ? recordTypes
    : [...dataRecordTypes.filter((type) => firstFormatOf[type] <= format), 'sequence'];
}

export interface BackupHeader {
  /** One of {@link readableFormats}. */
  format: number;
  /** The schema version of the database it was exported from. */
  schemaVersion: number;
  /** `2024-01-01T00:00:00Z` */
  exportedAt: string;
  source: 'sqlite' | 'postgres';
}

/** A backup that cannot be read (not a backup, damaged, truncated); the message says where. */
export class BackupFormatError extends Error {}

type Kind =
  | 'id'
  | 'count'
  | 'time'
  | 'time_ms'
  | 'time_ms_or_null'
  | 'time_or_null'
  | 'token_scopes'
  | 'text'
  | 'stored_text'
  | 'stored_text_or_null'
  | 'hash'
  | 'json_object'
  | 'flag'
  | 'outcome'
  | 'http_status_or_null'
  | 'revision_operation'
  | 'actor_type'
  | 'json_object_or_null'
  | 'json_array'
  | 'reply_status'
  | 'event_status'
  | 'idempotency_key_or_null'
  | 'hash_or_null'
  | 'id_or_null'
  | 'connection_type'
  | 'grant_type'
  | 'record_type';

/** Each record type's fields in line order: [name on the line, name in the record, kind]. */
const fields: Record<RecordType, readonly (readonly [string, string, Kind])[]> = {
  account: [
    ['id', 'id', 'id'],
    ['subdomain', 'subdomain', 'text'],
    ['created_at', 'createdAt', 'time'],
  ],
  admin_token: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['email', 'email', 'text'],
    ['token_hash', 'tokenHash', 'hash'],
    ['created_at', 'createdAt', 'time'],
  ],
  integration: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['name', 'name', 'text'],
    ['client_identifier', 'clientIdentifier', 'text'],
    ['client_secret_hash', 'clientSecretHash', 'hash'],
    ['created_at', 'createdAt', 'time'],
    // Format 5: the OAuth client's description, redirect URIs (JSON array text) and last change.
    ['description', 'description', 'stored_text'],
    ['redirect_uris', 'redirectUrisJson', 'json_array'],
    ['updated_at', 'updatedAt', 'time_or_null'],
  ],
  access_token: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['integration', 'integration', 'text'],
    ['token_hash', 'tokenHash', 'hash'],
    ['created_at', 'createdAt', 'time'],
    // Format 3.
    ['scopes', 'scopes', 'token_scopes'],
    ['token_prefix', 'tokenPrefix', 'stored_text_or_null'],
    ['used_at', 'usedAt', 'time_or_null'],
  ],
  config: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['integration', 'integration', 'text'],
    ['scope', 'scope', 'text'],
    ['version', 'version', 'id'],
    ['created_at', 'createdAt', 'time'],
    ['updated_at', 'updatedAt', 'time'],
    // The stored JSON text itself, as a string: byte for byte what the API will answer.
    ['config', 'configJson', 'json_object'],
  ],
  // Channel rows (format 2). Their text never holds U+0000: the stores refuse it.
  channel_integration: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['remote_id', 'remoteId', 'stored_text'],
    ['name', 'name', 'stored_text'],
    ['manifest_url', 'manifestUrl', 'stored_text'],
    ['created_at', 'createdAt', 'time_ms'],
    ['updated_at', 'updatedAt', 'time_ms'],
    // The validated manifest as stored, JSON text; the pull URL is derived from it on import.
    ['manifest', 'manifestJson', 'json_object'],
  ],
  instance: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['integration_id', 'integrationId', 'id'],
    ['name', 'name', 'stored_text'],
    ['instance_push_id', 'instancePushId', 'stored_text'],
    ['push_token_hash', 'pushTokenHash', 'hash'],
    ['active', 'active', 'flag'],
    ['deactivated_reason', 'deactivatedReason', 'stored_text_or_null'],
    ['metadata_needs_update', 'metadataNeedsUpdate', 'flag'],
    ['consecutive_failures', 'consecutiveFailures', 'count'],
    ['next_pull_at', 'nextPullAt', 'time_ms'],
    ['last_pull_at', 'lastPullAt', 'time_ms_or_null'],
    ['state_version', 'stateVersion', 'id'],
    ['created_at', 'createdAt', 'time_ms'],
    ['updated_at', 'updatedAt', 'time_ms'],
    // Opaque strings, byte for byte (whatever they look like: JSON, YAML, base64…).
    ['metadata', 'metadata', 'stored_text'],
    ['state', 'state', 'stored_text'],
  ],
  pull: [
    ['id', 'id', 'id'],
    ['instance_id', 'instanceId', 'id'],
    ['started_at', 'startedAt', 'time_ms'],
    ['duration_ms', 'durationMs', 'count'],
    ['outcome', 'outcome', 'outcome'],
    ['http_status', 'httpStatus', 'http_status_or_null'],
    ['resources_stored', 'resourcesStored', 'count'],
    ['duplicates', 'duplicates', 'count'],
    ['state_conflict', 'stateConflict', 'flag'],
    ['deactivated', 'deactivated', 'flag'],
    ['error', 'error', 'stored_text_or_null'],
  ],
  thread: [
    ['id', 'id', 'id'],
    ['instance_id', 'instanceId', 'id'],
    ['thread_key', 'threadKey', 'stored_text'],
    ['resource_count', 'resourceCount', 'count'],
    ['created_at', 'createdAt', 'time_ms'],
  ],
  resource: [
    ['id', 'id', 'id'],
    ['instance_id', 'instanceId', 'id'],
    ['thread_id', 'threadId', 'id'],
    ['external_id', 'externalId', 'stored_text'],
    ['stored_at', 'storedAt', 'time_ms'],
    // The resource as the integration sent it, JSON text as stored.
    ['payload', 'payloadJson', 'json_object'],
  ],
  // Config history (format 4).
  config_revision: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['revision', 'revision', 'id'],
    ['integration', 'integration', 'text'],
    ['scope', 'scope', 'text'],
    ['operation', 'operation', 'revision_operation'],
    ['config_id', 'configId', 'id'],
    ['version', 'version', 'id'],
    ['changed_at', 'changedAt', 'time'],
    ['actor_type', 'actorType', 'actor_type'],
    ['actor_id', 'actorId', 'text'],
    ['request_id', 'requestId', 'stored_text_or_null'],
    // The config after the change, JSON text as stored; null for a delete.
    ['config', 'configJson', 'json_object_or_null'],
  ],
  revision_counter: [
    ['account_id', 'accountId', 'id'],
    ['last_revision', 'lastRevision', 'count'],
  ],
  revision_watermark: [
    ['account_id', 'accountId', 'id'],
    ['compacted_through', 'compactedThrough', 'count'],
  ],
  // Work in flight (format 5). Times are epoch milliseconds, as stored.
  reply: [
    ['id', 'id', 'id'],
    ['instance_id', 'instanceId', 'id'],
    ['thread_id', 'threadId', 'id'],
    ['status', 'status', 'reply_status'],
    ['attempts', 'attempts', 'count'],
    ['next_attempt_at', 'nextAttemptAt', 'time_ms'],
    ['created_at', 'createdAt', 'time_ms'],
    ['updated_at', 'updatedAt', 'time_ms'],
    ['sent_at', 'sentAt', 'time_ms_or_null'],
    ['external_id', 'externalId', 'stored_text_or_null'],
    ['last_error', 'lastError', 'stored_text_or_null'],
    ['parent_id', 'parentId', 'stored_text'],
    ['recipient_id', 'recipientId', 'stored_text'],
    ['thread_key', 'threadKey', 'stored_text'],
    ['request_unique_identifier', 'requestUniqueIdentifier', 'stored_text'],
    ['idempotency_key', 'idempotencyKey', 'idempotency_key_or_null'],
    ['request_hash', 'requestHash', 'hash_or_null'],
    ['message', 'message', 'stored_text'],
    // JSON text of an array of URLs, as stored.
    ['file_urls', 'fileUrlsJson', 'json_array'],
  ],
  event: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['integration_id', 'integrationId', 'id'],
    ['instance_id', 'instanceId', 'id_or_null'],
    ['status', 'status', 'event_status'],
    ['attempts', 'attempts', 'count'],
    ['created_at', 'createdAt', 'time_ms'],
    ['last_attempt_at', 'lastAttemptAt', 'time_ms_or_null'],
    ['delivered_at', 'deliveredAt', 'time_ms_or_null'],
    ['last_error', 'lastError', 'stored_text_or_null'],
    ['type_id', 'typeId', 'stored_text'],
    ['error', 'error', 'stored_text_or_null'],
    // What delivery needs after the integration is gone: where to, and what the signing secret derives from.
    ['callback_url', 'callbackUrl', 'stored_text'],
    ['integration_created_at', 'integrationCreatedAt', 'time_ms'],
    ['integration_name', 'integrationName', 'stored_text'],
    ['subdomain', 'subdomain', 'stored_text'],
    // The event's data, JSON text as stored (never metadata).
    ['data', 'dataJson', 'json_object'],
  ],
  push_request: [
    ['instance_id', 'instanceId', 'id'],
    ['request_id', 'requestId', 'stored_text'],
    ['created_at', 'createdAt', 'time_ms'],
    // The results the push answered, JSON array text as stored.
    ['results', 'resultsJson', 'json_array'],
    // SHA-256 of the canonical JSON of the push's external_resources; null for records stored
    // before it was kept (such a record replays whatever the body).
    ['body_hash', 'bodyHash', 'stored_text_or_null'],
  ],
  // The ZIS registry (format 5). Secrets as stored: ciphertext (or plaintext, stored without keys).
  zis_bundle: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['integration', 'integration', 'stored_text'],
    ['name', 'name', 'stored_text'],
    ['version', 'version', 'id'],
    ['uuid', 'uuid', 'stored_text'],
    ['description', 'description', 'stored_text'],
    ['zis_template_version', 'templateVersion', 'stored_text'],
    ['uploaded_at', 'uploadedAt', 'time'],
    // The resources object as stored, JSON text.
    ['resources', 'resourcesJson', 'json_object'],
  ],
  zis_job_spec_install: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['integration', 'integration', 'stored_text'],
    ['job_spec_name', 'jobSpecName', 'stored_text'],
    ['installed_at', 'installedAt', 'time'],
  ],
  zis_connection: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['integration', 'integration', 'stored_text'],
    ['name', 'name', 'stored_text'],
    ['connection_type', 'connectionType', 'connection_type'],
    ['allowed_domain', 'allowedDomain', 'stored_text'],
    ['label', 'label', 'stored_text_or_null'],
    ['secret', 'secret', 'stored_text'],
    ['created_at', 'createdAt', 'time'],
    ['updated_at', 'updatedAt', 'time'],
  ],
  zis_oauth_client: [
    ['id', 'id', 'id'],
    ['uuid', 'uuid', 'stored_text'],
    ['account_id', 'accountId', 'id'],
    ['integration', 'integration', 'stored_text'],
    ['name', 'name', 'stored_text_or_null'],
    ['client_id', 'clientId', 'stored_text'],
    ['client_secret', 'clientSecret', 'stored_text'],
    ['auth_url', 'authUrl', 'stored_text_or_null'],
    ['token_url', 'tokenUrl', 'stored_text'],
    ['default_scopes', 'defaultScopes', 'stored_text_or_null'],
    ['grant_type', 'grantType', 'grant_type'],
    ['created_at', 'createdAt', 'time'],
    ['updated_at', 'updatedAt', 'time'],
  ],
  sequence: [
    ['record_type', 'recordType', 'record_type'],
    ['last_id', 'lastId', 'count'],
  ],
};

/** An access token of format 1 or 2: without the fields format 3 added, which take these values. */
const accessTokenBeforeFormat3 = fields.access_token.slice(0, 5);
const accessTokenDefaults = { scopes: 'read write', tokenPrefix: null, usedAt: null } as const;

/** An integration before format 5: without its OAuth client's description, redirect URIs and last change. */
const integrationBeforeFormat5 = fields.integration.slice(0, 6);
const integrationDefaults = { description: '', redirectUrisJson: '[]', updatedAt: null } as const;

/** A record type's fields in a backup of `format`. */
function fieldsOf(type: RecordType, format: number): readonly (readonly [string, string, Kind])[] {
  if (type === 'access_token' && format < 3) return accessTokenBeforeFormat3;
  if (type === 'integration' && format < 5) return integrationBeforeFormat5;
  return fields[type];
}

const isStoredText = (v: unknown) => typeof v === 'string' && !v.includes('\u0000');
const orNull =
  (test: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    v === null || test(v);

const kindProblems: Record<Exclude<Kind, 'record_type'>, [test: (value: unknown) => boolean, expected: string]> = {
  id: [(v) => Number.isSafeInteger(v) && (v as number) >= 1, 'a positive integer'],
  count: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer'],
  time: [(v) => Number.isSafeInteger(v), 'an integer (epoch seconds)'],
  time_ms: [(v) => Number.isSafeInteger(v), 'an integer (epoch milliseconds)'],
  time_ms_or_null: [orNull(Number.isSafeInteger), 'an integer (epoch milliseconds) or null'],
  time_or_null: [orNull(Number.isSafeInteger), 'an integer (epoch seconds) or null'],
  token_scopes: [(v) => v === 'read' || v === 'write' || v === 'read write', '"read", "write" or "read write"'],
  text: [(v) => typeof v === 'string', 'a string'],
  stored_text: [isStoredText, 'a string without U+0000'],
  stored_text_or_null: [orNull(isStoredText), 'a string without U+0000, or null'],
  hash: [(v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v), 'a SHA-256 hash (64 hex digits)'],
  json_object: [isJsonObjectText, 'the JSON text of an object'],
  flag: [(v) => typeof v === 'boolean', 'true or false'],
  outcome: [(v) => v === 'ok' || v === 'failed', '"ok" or "failed"'],
  revision_operation: [
    (v) => ['create', 'replace', 'merge', 'delete', 'restore'].includes(v as string),
    'one of create, replace, merge, delete, restore',
  ],
  actor_type: [(v) => ['token', 'admin', 'console', 'cli'].includes(v as string), 'one of token, admin, console, cli'],
  json_object_or_null: [orNull(isJsonObjectText), 'the JSON text of an object, or null'],
  json_array: [isJsonArrayText, 'the JSON text of an array'],
  reply_status: [(v) => ['pending', 'sent', 'failed'].includes(v as string), 'one of pending, sent, failed'],
  event_status: [(v) => ['pending', 'delivered', 'failed'].includes(v as string), 'one of pending, delivered, failed'],
  idempotency_key_or_null: [orNull(isIdempotencyKey), 'null or 1–255 visible ASCII characters'],
  hash_or_null: [orNull((v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)), 'a SHA-256 hash or null'],
  id_or_null: [orNull((v) => Number.isSafeInteger(v) && (v as number) >= 1), 'a positive integer or null'],
  connection_type: [
    (v) => ['bearer_token', 'basic_auth', 'api_key'].includes(v as string),
    'one of bearer_token, basic_auth, api_key',
  ],
  grant_type: [
    (v) => v === 'authorization_code' || v === 'client_credentials',
    '"authorization_code" or "client_credentials"',
  ],
  http_status_or_null: [
    orNull((v) => Number.isSafeInteger(v) && (v as number) >= 100 && (v as number) <= 999),
    'an HTTP status (100–999) or null',
  ],
};

function isJsonArrayText(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return Array.isArray(JSON.parse(value));
  } catch {
    return false;
  }
}

function isIdempotencyKey(value: unknown): boolean {
  return typeof value === 'string' && idempotencyKeyPattern.test(value);
}

function isJsonObjectText(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

export function headerLine(header: BackupHeader): string {
  return JSON.stringify({
    type: 'switchboard-backup',
    format: header.format,
    schema_version: header.schemaVersion,
    exported_at: header.exportedAt,
    source: header.source,
  });
}

/** A record as its line, fields always in the same order, so equal data gives equal bytes. */
export function recordLine(record: BackupRecord): string {
  const line: Record<string, unknown> = { type: record.type };
  const values = record as unknown as Record<string, unknown>;
  for (const [name, key] of fields[record.type]) line[name] = values[key];
  return JSON.stringify(line);
}

/** The end line of a backup in `format` (the counts of that format's record types). */
export function endLine(counts: RecordCounts, format: number = backupFormat): string {
  const ordered: Record<string, number> = {};
  for (const type of recordTypesOf(format)) ordered[type] = counts[type];
  return JSON.stringify({ type: 'end', counts: ordered });
}

const formatList = `${readableFormats.slice(0, -1).join(', ')} and ${readableFormats.at(-1)}`;

/** The first line: refuses anything but a Switchboard backup in a format this one reads. */
export function parseHeader(text: string | undefined): BackupHeader {
  if (text === undefined) throw new BackupFormatError('the input is empty: it is not a Switchboard backup');
  let line: Record<string, unknown> | undefined;
  try {
    line = objectOf(JSON.parse(text));
  } catch {
    line = undefined;
  }
  if (line?.type !== 'switchboard-backup') {
    throw new BackupFormatError('line 1: not a Switchboard backup (no switchboard-backup header line)');
  }
  if (!readableFormats.includes(line.format as number)) {
    throw new BackupFormatError(
      `line 1: backup format ${JSON.stringify(line.format)} is unknown; this Switchboard reads formats ${formatList}`,
    );
  }
  const at = (problem: string) => new BackupFormatError(`line 1: ${problem}`);
  checkFields(line, ['type', 'format', 'schema_version', 'exported_at', 'source'], at, 'the header');
  if (!kindProblems.id[0](line.schema_version)) throw at('"schema_version" must be a positive integer');
  if (typeof line.exported_at !== 'string') throw at('"exported_at" must be a string');
  if (line.source !== 'sqlite' && line.source !== 'postgres') throw at('"source" must be "sqlite" or "postgres"');
  return {
    format: line.format as number,
    schemaVersion: line.schema_version as number,
    exportedAt: line.exported_at,
    source: line.source,
  };
}

export type ParsedLine = BackupRecord | { type: 'end'; counts: RecordCounts };

/**
 * A line after the header of a backup in `format`: a record, or the end line. Throws
 * naming the line on any flaw, a record type the format does not hold included.
 */
export function parseLine(text: string, lineNumber: number, format: number = backupFormat): ParsedLine {
  const at = (problem: string) => new BackupFormatError(`line ${lineNumber}: ${problem}`);
  if (text.trim() === '') throw at('empty line');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw at(`not valid JSON (${(error as Error).message})`);
  }
  const line = objectOf(parsed);
  if (!line) throw at('not a JSON object');
  if (line.type === 'end') return { type: 'end', counts: parseCounts(line, at, format) };
  const types = recordTypesOf(format);
  if (typeof line.type !== 'string' || !(types as readonly string[]).includes(line.type)) {
    if ((recordTypes as readonly string[]).includes(line.type as string)) {
      throw at(`a format-${format} backup has no ${line.type as string} records`);
    }
    throw at(`unknown record type ${JSON.stringify(line.type)}`);
  }
  const type = line.type as RecordType;
  const spec = fieldsOf(type, format);
  checkFields(line, ['type', ...spec.map(([name]) => name)], at, `the ${type} record`);
  const record: Record<string, unknown> = { type };
  if (spec === accessTokenBeforeFormat3) Object.assign(record, accessTokenDefaults);
  if (spec === integrationBeforeFormat5) Object.assign(record, integrationDefaults);
  for (const [name, key, kind] of spec) {
    const [test, expected] = kind === 'record_type' ? sequenceTypeProblem(format) : kindProblems[kind];
    if (!test(line[name])) throw at(`"${name}" in the ${type} record must be ${expected}`);
    record[key] = line[name];
  }
  return record as unknown as BackupRecord;
}

/** A sequence record names a data record type of its backup's format. */
function sequenceTypeProblem(format: number): [test: (value: unknown) => boolean, expected: string] {
  const types = recordTypesOf(format).filter(
    (type): type is DataRecordType =>
      type !== 'sequence' && !perAccountRecordTypes.has(type) && !perInstanceRecordTypes.has(type),
  );
  return [(v) => types.includes(v as DataRecordType), `one of ${types.join(', ')}`];
}

function parseCounts(line: Record<string, unknown>, at: (problem: string) => Error, format: number): RecordCounts {
  checkFields(line, ['type', 'counts'], at, 'the end line');
  const counts = line.counts;
  if (typeof counts !== 'object' || counts === null || Array.isArray(counts)) {
    throw at('"counts" in the end line must be an object');
  }
  const types = recordTypesOf(format);
  checkFields(counts as Record<string, unknown>, types, at, '"counts"');
  // Types the format does not hold: none.
  const parsed = zeroCounts();
  for (const type of types) {
    const count = (counts as Record<string, unknown>)[type];
    if (!kindProblems.count[0](count)) throw at(`"counts.${type}" must be a non-negative integer`);
    parsed[type] = count as number;
  }
  return parsed;
}

/** Exactly these fields: a missing one is damage, an extra one a format this does not know. */
function checkFields(
  line: Record<string, unknown>,
  expected: readonly string[],
  at: (problem: string) => Error,
  what: string,
): void {
  const missing = expected.find((name) => !Object.hasOwn(line, name));
  if (missing !== undefined) throw at(`${what} lacks "${missing}"`);
  const extra = Object.keys(line).find((name) => !expected.includes(name));
  if (extra !== undefined) throw at(`${what} has an unknown field "${extra}"`);
}

const objectOf = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
