import type { BackupRecord } from '../store/backup-records.js';
import { encryptedColumns } from '../store/encryption/encrypting-stores.js';
import { keyIdOf, type ValueCipher } from '../store/encryption/value-cipher.js';
import { secretColumns } from '../store/encryption/encrypting-zis-registry.js';

const { metadata: M, state: S } = encryptedColumns;

/**
 * `switchboard export --decrypt`: instances' metadata and state, and ZIS connection and
 * OAuth client secrets, as plaintext; everything else as stored.
 */
export async function* decryptedRecords(
  records: AsyncIterable<BackupRecord>,
  cipher: ValueCipher,
): AsyncGenerator<BackupRecord> {
  for await (const record of records) {
    if (record.type === 'instance') {
      yield { ...record, metadata: cipher.decrypt(record.metadata, M), state: cipher.decrypt(record.state, S) };
    } else if (record.type === 'zis_connection') {
      yield { ...record, secret: cipher.decrypt(record.secret, secretColumns.zis_connections) };
    } else if (record.type === 'zis_oauth_client') {
      yield { ...record, clientSecret: cipher.decrypt(record.clientSecret, secretColumns.zis_oauth_clients) };
    } else {
      yield record;
    }
  }
}

/** A record's encrypted values with their columns (the cipher's additional data). */
function encryptedValuesOf(record: BackupRecord): (readonly [value: string, column: string])[] {
  switch (record.type) {
    case 'instance':
      return [
        [record.metadata, M],
        [record.state, S],
      ];
    case 'zis_connection':
      return [[record.secret, secretColumns.zis_connections]];
    case 'zis_oauth_client':
      return [[record.clientSecret, secretColumns.zis_oauth_clients]];
    default:
      return [];
  }
}

/**
 * Checks instances' metadata and state, and ZIS secrets, on their way into an import, which stores every
 * value byte for byte as the backup holds it (so export, import, export gives the same
 * file): ciphertext must decrypt under the key ring, or the whole import is refused naming
 * the key id; plaintext (a `--decrypt` backup, or one from before encryption) is counted in
 * `plaintext`, for `keys rotate` to encrypt afterwards.
 */
export async function* checkedInstanceValues(
  records: AsyncIterable<BackupRecord>,
  cipher: ValueCipher,
  plaintext: { count: number },
): AsyncGenerator<BackupRecord> {
  for await (const record of records) {
    for (const [value, column] of encryptedValuesOf(record)) {
      const keyId = keyIdOf(value);
      if (keyId === undefined) {
        plaintext.count += 1;
      } else if (!cipher.hasKey(keyId)) {
        throw new Error(
          `${record.type} ${'id' in record ? record.id : ''}: ${column} is encrypted under key "${keyId}", which is not in the key ring; ` +
            `add that key to SWITCHBOARD_ENCRYPTION_KEYS (or the key file), or import a backup made with --decrypt`,
        );
      } else {
        cipher.decrypt(value, column);
      }
    }
    yield record;
  }
}
