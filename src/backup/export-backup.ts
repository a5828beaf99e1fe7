import { open, rename, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { epochSeconds, formatTimestamp, type Clock } from '../clock.js';
import type { BackupStore, Lifecycle } from '../store/store.js';
import { zeroCounts, type RecordCounts } from '../store/backup-records.js';
import { backupFormat, endLine, headerLine, recordLine } from './backup-format.js';
import type { ValueCipher } from '../store/encryption/value-cipher.js';
import { decryptedRecords } from './instance-values.js';

export interface ExportOptions {
  /** The schema version of the store, as its `migrate()` reported it. */
  schemaVersion: number;
  clock: Clock;
  /** Writes instances' metadata and state decrypted (`--decrypt`); by default as stored, ciphertext with key ids. */
  decryptWith?: ValueCipher;
}

/** Lines are written in chunks of about this many characters: fewer, larger writes. */
const chunkChars = 64 * 1024;

/**
 * Writes the whole backup to `output`, streaming: header, every record, end line. Waits
 * for the output to take each chunk (backpressure), so memory stays flat. Leaves the
 * output open when `end` is false (stdout). Resolves with the number of records of each type.
 */
export async function exportBackup(
  store: BackupStore & Pick<Lifecycle, 'dialect'>,
  output: NodeJS.WritableStream,
  options: ExportOptions & { end?: boolean },
): Promise<RecordCounts> {
  const counts = zeroCounts();
  async function* chunks(): AsyncGenerator<string> {
    const header = {
      format: backupFormat,
      schemaVersion: options.schemaVersion,
      exportedAt: formatTimestamp(epochSeconds(options.clock)),
      source: store.dialect,
    };
    let chunk = headerLine(header) + '\n';
    const records = options.decryptWith
      ? decryptedRecords(store.exportRecords(), options.decryptWith)
      : store.exportRecords();
    for await (const record of records) {
      counts[record.type] += 1;
      chunk += recordLine(record) + '\n';
      if (chunk.length >= chunkChars) {
        yield chunk;
        chunk = '';
      }
    }
    yield chunk + endLine(counts) + '\n';
  }
  await pipeline(chunks, output, { end: options.end ?? true });
  return counts;
}

/**
 * Writes the backup to a file: first to a temporary file beside it, synced to disk, then
 * renamed into place, so a failed export never replaces an earlier good backup.
 */
export async function exportBackupToFile(
  store: BackupStore & Pick<Lifecycle, 'dialect'>,
  path: string,
  options: ExportOptions,
): Promise<RecordCounts> {
  const partial = `${path}.${process.pid}.partial`;
  try {
    const counts = await exportBackup(store, createWriteStream(partial, { flags: 'wx' }), options);
    const file = await open(partial, 'r+');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(partial, path);
    return counts;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
