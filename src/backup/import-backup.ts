import type { Readable } from 'node:stream';
import type { ImportCounts, Store } from '../store/store.js';
import { recordTypes, zeroCounts, type BackupRecord, type RecordCounts, type RecordType } from './backup-record.js';
import { BackupFormatError, parseHeader, parseLine, type BackupHeader } from './backup-format.js';
import { readLines } from './read-lines.js';

/** An import that failed or was refused; nothing was imported. One line, for the command line. */
export class ImportError extends Error {}

/**
 * Restores a backup from `input` into an empty store, in one transaction: on any flaw in
 * the backup (named by line number), a missing end line, counts that do not match it, or a
 * row the store refuses, nothing is imported. `schemaVersion` is the store's: a backup
 * from a newer schema is refused.
 */
export async function importBackup(
  store: Store,
  input: Readable,
  options: { schemaVersion: number },
): Promise<{ header: BackupHeader; counts: ImportCounts }> {
  const lines = readLines(input);
  try {
    const header = parseHeader((await lines.next()).value);
    if (header.schemaVersion > options.schemaVersion) {
      throw new BackupFormatError(
        `line 1: the backup is from schema version ${header.schemaVersion}, newer than this Switchboard's ` +
          `${options.schemaVersion}; upgrade Switchboard to import it`,
      );
    }
    const counts = await store.importRecords(checkedRecords(lines));
    if (counts === 'not_empty') {
      throw new ImportError(
        'Import refused, nothing was imported: the target database already has accounts or configs; ' +
          'import only into an empty database',
      );
    }
    return { header, counts };
  } catch (error) {
    if (error instanceof ImportError) throw error;
    const message = (error as Error).message.replace(/\s*\n\s*/g, ' ');
    throw new ImportError(`Import failed, nothing was imported: ${message}`, { cause: error });
  } finally {
    // Stops reading (and closes the input) if the import ended before the input did.
    await lines.return(undefined);
  }
}

const typeNames = 'accounts, admin tokens, integrations, access tokens, configs, then sequences';

/**
 * The records after the header, checked as they pass: order of types, ascending ids,
 * references to rows listed before, and at the end the end line's counts. Throws (and so
 * makes the store roll back) on the first flaw.
 */
async function* checkedRecords(lines: AsyncIterable<string>): AsyncGenerator<BackupRecord> {
  const seen = zeroCounts();
  const lastIds = new Map<RecordType, number>();
  const accounts = new Set<number>();
  const integrations = new Set<string>();
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
    const record = parseLine(text, lineNumber);
    if (record.type === 'end') {
      checkCounts(record.counts, seen, at);
      ended = true;
      continue;
    }
    const index = recordTypes.indexOf(record.type);
    if (index < typeIndex) {
      throw at(`${record.type} record after ${recordTypes[typeIndex]} records; a backup lists ${typeNames}`);
    }
    typeIndex = index;
    const order = record.type === 'sequence' ? recordTypes.indexOf(record.recordType) : record.id;
    const previous = lastIds.get(record.type);
    if (previous !== undefined && order <= previous) {
      throw at(
        record.type === 'sequence'
          ? `the sequence record of ${record.recordType} is out of order or repeated`
          : `${record.type} id ${record.id} does not come after id ${previous}; each type is listed by ascending id`,
      );
    }
    lastIds.set(record.type, order);

    if (record.type === 'account') accounts.add(record.id);
    if ((record.type === 'admin_token' || record.type === 'integration') && !accounts.has(record.accountId)) {
      throw at(`${record.type} ${record.id} belongs to account ${record.accountId}, which is not listed before it`);
    }
    if (record.type === 'integration') integrations.add(`${record.accountId}/${record.name}`);
    if (record.type === 'access_token' && !integrations.has(`${record.accountId}/${record.integration}`)) {
      throw at(
        `access_token ${record.id} is for integration "${record.integration}" of account ${record.accountId}, ` +
          'which is not listed before it',
      );
    }
    seen[record.type] += 1;
    yield record;
  }
  if (!ended) {
    throw new BackupFormatError(`the backup stops after line ${lineNumber} without its end line: it is truncated`);
  }
}

function checkCounts(expected: RecordCounts, seen: RecordCounts, at: (problem: string) => Error): void {
  for (const type of recordTypes) {
    if (expected[type] !== seen[type]) {
      throw at(
        `the end line counts ${expected[type]} ${type} records, but the backup has ${seen[type]}: ` +
          'records are missing or added',
      );
    }
  }
}
