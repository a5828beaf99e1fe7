import type { BackupRecord } from '../store/backup-records.js';
import { encryptedColumns } from '../store/encryption/encrypting-stores.js';
import { keyIdOf, type ValueCipher } from '../store/encryption/value-cipher.js';

const { metadata: M, state: S } = encryptedColumns;

/** `switchboard export --decrypt`: instances' metadata and state as plaintext; everything else as stored. */
export async function* decryptedRecords(
  records: AsyncIterable<BackupRecord>,
  cipher: ValueCipher,
): AsyncGenerator<BackupRecord> {
  for await (const record of records) {
    yield record.type === 'instance'
      ? { ...record, metadata: cipher.decrypt(record.metadata, M), state: cipher.decrypt(record.state, S) }
      : record;
  }
}

/**
 * Instances' metadata and state as an import stores them: ciphertext stays as it is
 * (byte for byte; `keys rotate` moves it to the current key later) once it is shown to
 * decrypt under the key ring, so a backup the ring cannot read is refused whole; plaintext
 * (a `--decrypt` backup, or one from before encryption) is encrypted under the current key.
 */
export async function* sealedRecords(
  records: AsyncIterable<BackupRecord>,
  cipher: ValueCipher,
): AsyncGenerator<BackupRecord> {
  for await (const record of records) {
    if (record.type !== 'instance') {
      yield record;
      continue;
    }
    const seal = (value: string, column: string) => {
      const keyId = keyIdOf(value);
      if (keyId === undefined) return cipher.encrypt(value, column);
      if (!cipher.hasKey(keyId)) {
        throw new Error(
          `instance ${record.id}: ${column} is encrypted under key "${keyId}", which is not in the key ring; ` +
            `add that key to SWITCHBOARD_ENCRYPTION_KEYS (or the key file), or import a backup made with --decrypt`,
        );
      }
      cipher.decrypt(value, column);
      return value;
    };
    yield { ...record, metadata: seal(record.metadata, M), state: seal(record.state, S) };
  }
}
