import type { Readable } from 'node:stream';
import type { BackupStore, ImportCounts } from '../store/store.js';
import { zeroCounts, type BackupRecord, type RecordCounts, type RecordType } from '../store/backup-records.js';
import { BackupFormatError, parseHeader, parseLine, recordTypesOf, type BackupHeader } from './backup-format.js';
import { readLines } from './read-lines.js';
import { typeListOf } from './backup-record.js';
import type { ValueCipher } from '../store/encryption/value-cipher.js';
import { checkedInstanceValues } from './instance-values.js';

/** An import that failed or was refused; nothing was imported. One line, for the command line. */
export class ImportError extends Error {}

/**
 * Restores a backup from `input` into an empty store, in one transaction: on any flaw in
 * the backup (named by line number), a missing end line, counts that do not match it, or a
 * row the store refuses, nothing is imported. `schemaVersion` is the store's: a backup
 * from a newer schema is refused.
 */
export async function importBackup(
  store: BackupStore,
  input: Readable,
  options: { schemaVersion: number; cipher?: ValueCipher },
): Promise<{ header: BackupHeader; counts: ImportCounts; plaintextValues: number }> {
  const lines = readLines(input);
  try {
    const header = parseHeader((await lines.next()).value);
    if (header.schemaVersion > options.schemaVersion) {
      throw new BackupFormatError(
        `line 1: the backup is from schema version ${header.schemaVersion}, newer than this Switchboard's ` +
          `${options.schemaVersion}; upgrade Switchboard to import it`,
      );
    }
    const checked = checkedRecords(lines, header.format);
    const plaintext = { count: 0 };
    const counts = await store.importRecords(
      options.cipher ? checkedInstanceValues(checked, options.cipher, plaintext) : checked,
    );
    if (counts === 'not_empty') {
      throw new ImportError(
        'Import refused, nothing was imported: the target database already has accounts or configs; ' +
          'import only into an empty database',
      );
    }
    return { header, counts, plaintextValues: plaintext.count };
  } catch (error) {
    if (error instanceof ImportError) throw error;
    const message = (error as Error).message.replace(/\s*\n\s*/g, ' ');
    throw new ImportError(`Import failed, nothing was imported: ${message}`, { cause: error });
  } finally {
    // Stops reading (and closes the input) if the import ended before the input did.
    await lines.return(undefined);
  }
}

/**
 * Ids listed in ascending order, each with a number: about 16 bytes an id, so even millions
 * of threads fit, and a lookup is a binary search.
 */
class AscendingIds {
  private ids = new Float64Array(1024);
  private values = new Float64Array(1024);
  private size = 0;

  add(id: number, value: number): void {
    if (this.size === this.ids.length) {
      const grow = (array: Float64Array) => {
        const bigger = new Float64Array(array.length * 2);
        bigger.set(array);
        return bigger;
      };
      this.ids = grow(this.ids);
      this.values = grow(this.values);
    }
    this.ids[this.size] = id;
    this.values[this.size] = value;
    this.size += 1;
  }

  get(id: number): number | undefined {
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const found = this.ids[middle]!;
      if (found === id) return this.values[middle];
      if (found < id) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }
}

/**
 * The records after the header, checked as they pass: the types the format holds, order of
 * types, ascending ids, references to rows listed before (a channel row's to its own
 * account's rows), and at the end the end line's counts. Throws (and so makes the store
 * roll back) on the first flaw.
 */
async function* checkedRecords(lines: AsyncIterable<string>, format: number): AsyncGenerator<BackupRecord> {
  const types = recordTypesOf(format);
  const seen = zeroCounts();
  const lastIds = new Map<RecordType, number>();
  const accounts = new Set<number>();
  const integrations = new Set<string>();
  /** Channel integration id → its account; instance id → its account; thread id → its instance. */
  const channelIntegrations = new AscendingIds();
  const instances = new AscendingIds();
  const threads = new AscendingIds();
  let lastPush: { instanceId: number; key: Buffer } | undefined;
  let typeIndex = 0;
  let lineNumber = 1;
  let ended = false;
  for await (const text of lines) {
    lineNumber += 1;
    const at = (problem: string) => new BackupFormatError(`line ${lineNumber}: ${problem}`);
    if (ended) {
      if (text.trim() === '') continue;
      throw at('unexpected content after the end line');
    }
    const record = parseLine(text, lineNumber, format);
    if (record.type === 'end') {
      checkCounts(record.counts, seen, types, at);
      ended = true;
      continue;
    }
    const index = types.indexOf(record.type);
    if (index < typeIndex) {
      throw at(`${record.type} record after ${types[typeIndex]} records; a backup lists ${typeListOf(types)}`);
    }
    typeIndex = index;
    if (record.type === 'push_request') {
      // Listed by instance id, then request id in byte order (as both stores sort it).
      const key = Buffer.from(record.requestId);
      if (
        lastPush !== undefined &&
        (record.instanceId < lastPush.instanceId ||
          (record.instanceId === lastPush.instanceId && Buffer.compare(key, lastPush.key) <= 0))
      ) {
        throw at(
          `push_request of instance ${record.instanceId} is out of order or repeated; ` +
            'push records are listed by instance_id, then request_id',
        );
      }
      lastPush = { instanceId: record.instanceId, key };
      checkReferences(record);
      seen[record.type] += 1;
      yield record;
      continue;
    }
    // Per-account records (revision counters and watermarks) are listed by account id.
    const order =
      record.type === 'sequence' ? types.indexOf(record.recordType) : 'id' in record ? record.id : record.accountId;
    const previous = lastIds.get(record.type);
    if (previous !== undefined && order <= previous) {
      throw at(
        record.type === 'sequence'
          ? `the sequence record of ${record.recordType} is out of order or repeated`
          : `${record.type} ${idName(record)} ${order} does not come after ${idName(record)} ${previous}; ` +
              `each type is listed by ascending ${idName(record)}`,
      );
    }
    lastIds.set(record.type, order);
    checkReferences(record);
    seen[record.type] += 1;
    yield record;
  }
  if (!ended) {
    throw new BackupFormatError(`the backup stops after line ${lineNumber} without its end line: it is truncated`);
  }

  function checkReferences(record: BackupRecord): void {
    const at = (problem: string) => new BackupFormatError(`line ${lineNumber}: ${problem}`);
    const unlisted = (what: string) =>
      at(`${record.type} ${'id' in record ? record.id : ''} ${what}, which is not listed before it`.replace('  ', ' '));
    switch (record.type) {
      case 'config_revision':
      case 'revision_counter':
      case 'revision_watermark':
        if (!accounts.has(record.accountId)) throw unlisted(`belongs to account ${record.accountId}`);
        return;
      case 'account':
        accounts.add(record.id);
        return;
      case 'admin_token':
      case 'integration':
      case 'channel_integration':
        if (!accounts.has(record.accountId)) throw unlisted(`belongs to account ${record.accountId}`);
        if (record.type === 'integration') integrations.add(`${record.accountId}/${record.name}`);
        if (record.type === 'channel_integration') channelIntegrations.add(record.id, record.accountId);
        return;
      case 'zis_bundle':
      case 'zis_job_spec_install':
      case 'zis_connection':
      case 'zis_oauth_client':
      case 'access_token':
        if (!integrations.has(`${record.accountId}/${record.integration}`)) {
          throw unlisted(`is for integration "${record.integration}" of account ${record.accountId}`);
        }
        return;
      case 'instance': {
        const owner = channelIntegrations.get(record.integrationId);
        if (owner === undefined) throw unlisted(`is of channel integration ${record.integrationId}`);
        if (owner !== record.accountId) {
          throw at(
            `instance ${record.id} belongs to account ${record.accountId}, ` +
              `but its channel integration ${record.integrationId} to account ${owner}`,
          );
        }
        instances.add(record.id, record.accountId);
        return;
      }
      case 'push_request':
        if (instances.get(record.instanceId) === undefined) {
          throw at(`push_request of instance ${record.instanceId}: the instance is not listed before it`);
        }
        return;
      case 'reply':
      case 'pull':
      case 'thread':
        if (instances.get(record.instanceId) === undefined) throw unlisted(`is of instance ${record.instanceId}`);
        if (record.type === 'thread') threads.add(record.id, record.instanceId);
        if (record.type === 'reply' && threads.get(record.threadId) !== record.instanceId) {
          throw at(
            `reply ${record.id} of instance ${record.instanceId} is in thread ${record.threadId}, which is not listed before it for that instance`,
          );
        }
        return;
      case 'resource': {
        if (instances.get(record.instanceId) === undefined) throw unlisted(`is of instance ${record.instanceId}`);
        const owner = threads.get(record.threadId);
        if (owner === undefined) throw unlisted(`is in thread ${record.threadId}`);
        if (owner !== record.instanceId) {
          throw at(
            `resource ${record.id} of instance ${record.instanceId} is in thread ${record.threadId}, ` +
              `which is of instance ${owner}`,
          );
        }
        return;
      }
      default:
        return;
    }
  }
}

/** What a record type is listed by: its id, or for per-account records the account's. */
const idName = (record: BackupRecord) => ('id' in record ? 'id' : 'account_id');

function checkCounts(
  expected: RecordCounts,
  seen: RecordCounts,
  types: readonly RecordType[],
  at: (problem: string) => Error,
): void {
  for (const type of types) {
    if (expected[type] !== seen[type]) {
      throw at(
        `the end line counts ${expected[type]} ${type} records, but the backup has ${seen[type]}: ` +
          'records are missing or added',
      );
    }
  }
}
