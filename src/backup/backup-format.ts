import {
  dataRecordTypes,
  recordTypes,
  type BackupRecord,
  type DataRecordType,
  type RecordCounts,
  type RecordType,
} from './backup-record.js';

// The backup file: JSON lines. A header line, one line per record, and an end line with
// the number of records of each type, so that a truncated file is told from a whole one:
//
//   {"type":"switchboard-backup","format":1,"schema_version":1,"exported_at":"…","source":"sqlite"}
//   {"type":"account","id":1,"subdomain":"acme","created_at":1704067200}
//   …
//   {"type":"end","counts":{"account":1,…}}

/** The format this Switchboard writes and the only one it reads. */
export const backupFormat = 1;

export interface BackupHeader {
  format: number;
  /** The schema version of the database it was exported from. */
  schemaVersion: number;
  /** `2024-01-01T00:00:00Z` */
  exportedAt: string;
  source: 'sqlite' | 'postgres';
}

/** A backup that cannot be read (not a backup, damaged, truncated); the message says where. */
export class BackupFormatError extends Error {}

type Kind = 'id' | 'count' | 'time' | 'text' | 'hash' | 'json_object' | 'record_type';

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
  ],
  access_token: [
    ['id', 'id', 'id'],
    ['account_id', 'accountId', 'id'],
    ['integration', 'integration', 'text'],
    ['token_hash', 'tokenHash', 'hash'],
    ['created_at', 'createdAt', 'time'],
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
  sequence: [
    ['record_type', 'recordType', 'record_type'],
    ['last_id', 'lastId', 'count'],
  ],
};

const kindProblems: Record<Kind, [test: (value: unknown) => boolean, expected: string]> = {
  id: [(v) => Number.isSafeInteger(v) && (v as number) >= 1, 'a positive integer'],
  count: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer'],
  time: [(v) => Number.isSafeInteger(v), 'an integer (epoch seconds)'],
  text: [(v) => typeof v === 'string', 'a string'],
  hash: [(v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v), 'a SHA-256 hash (64 hex digits)'],
  json_object: [isJsonObjectText, 'the JSON text of an object'],
  record_type: [(v) => dataRecordTypes.includes(v as DataRecordType), `one of ${dataRecordTypes.join(', ')}`],
};

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

export function endLine(counts: RecordCounts): string {
  const ordered: Record<string, number> = {};
  for (const type of recordTypes) ordered[type] = counts[type];
  return JSON.stringify({ type: 'end', counts: ordered });
}

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
  if (line.format !== backupFormat) {
    throw new BackupFormatError(
      `line 1: backup format ${JSON.stringify(line.format)} is unknown; this Switchboard reads format ${backupFormat}`,
    );
  }
  const at = (problem: string) => new BackupFormatError(`line 1: ${problem}`);
  checkFields(line, ['type', 'format', 'schema_version', 'exported_at', 'source'], at, 'the header');
  if (!kindProblems.id[0](line.schema_version)) throw at('"schema_version" must be a positive integer');
  if (typeof line.exported_at !== 'string') throw at('"exported_at" must be a string');
  if (line.source !== 'sqlite' && line.source !== 'postgres') throw at('"source" must be "sqlite" or "postgres"');
  return {
    format: backupFormat,
    schemaVersion: line.schema_version as number,
    exportedAt: line.exported_at,
    source: line.source,
  };
}

export type ParsedLine = BackupRecord | { type: 'end'; counts: RecordCounts };

/** A line after the header: a record, or the end line. Throws naming the line on any flaw. */
export function parseLine(text: string, lineNumber: number): ParsedLine {
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
  if (line.type === 'end') return { type: 'end', counts: parseCounts(line, at) };
  if (typeof line.type !== 'string' || !(recordTypes as readonly string[]).includes(line.type)) {
    throw at(`unknown record type ${JSON.stringify(line.type)}`);
  }
  const type = line.type as RecordType;
  const spec = fields[type];
  checkFields(line, ['type', ...spec.map(([name]) => name)], at, `the ${type} record`);
  const record: Record<string, unknown> = { type };
  for (const [name, key, kind] of spec) {
    const [test, expected] = kindProblems[kind];
    if (!test(line[name])) throw at(`"${name}" in the ${type} record must be ${expected}`);
    record[key] = line[name];
  }
  return record as unknown as BackupRecord;
}

function parseCounts(line: Record<string, unknown>, at: (problem: string) => Error): RecordCounts {
  checkFields(line, ['type', 'counts'], at, 'the end line');
  const counts = line.counts;
  if (typeof counts !== 'object' || counts === null || Array.isArray(counts)) {
    throw at('"counts" in the end line must be an object');
  }
  checkFields(counts as Record<string, unknown>, recordTypes, at, '"counts"');
  for (const type of recordTypes) {
    if (!kindProblems.count[0]((counts as Record<string, unknown>)[type])) {
      throw at(`"counts.${type}" must be a non-negative integer`);
    }
  }
  return counts as RecordCounts;
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
