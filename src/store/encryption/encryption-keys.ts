import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../../settings.js';
import { EncryptionError, parseKeyRing, ValueCipher, type EncryptionKey } from './value-cipher.js';

/** A new key as one `id:key` line (32 random bytes, base64). */
export function newKeyLine(id = `k${randomBytes(4).toString('hex')}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** Where the development key ring is kept when no key is configured. */
export const devKeyFile = (dataDir: string) => join(dataDir, 'encryption-keys');

/**
 * The encryption key ring: `SWITCHBOARD_ENCRYPTION_KEYS`, else the file
 * `SWITCHBOARD_ENCRYPTION_KEY_FILE`, else in development `{dataDir}/encryption-keys`
 * (mode 0600; not the signing key's file), which `serve` creates on first use. In
 * production with neither, `serve` refuses to start, because a key made up on the spot
 * would sit beside the data it protects and differ on every node. For `serve`, pass
 * `{ forServe: true }`; other commands never create a key file and, without keys, get an
 * empty ring, which stores plaintext and reads ciphertext as a clear error.
 */
export function loadEncryptionKeys(
  settings: Pick<Settings, 'encryptionKeys' | 'encryptionKeyFile' | 'dataDir' | 'mode'>,
  options: { forServe: boolean },
): EncryptionKey[] {
  if (settings.encryptionKeys) return nonEmpty(parseKeyRing(settings.encryptionKeys, 'SWITCHBOARD_ENCRYPTION_KEYS'));
  if (settings.encryptionKeyFile) return readKeyFile(settings.encryptionKeyFile, 'SWITCHBOARD_ENCRYPTION_KEY_FILE');
  if (settings.mode === 'production') {
    if (!options.forServe) return [];
    throw new EncryptionError(
      'Production mode needs an encryption key: set SWITCHBOARD_ENCRYPTION_KEYS="id:BASE64KEY" or ' +
        'SWITCHBOARD_ENCRYPTION_KEY_FILE (make one with `switchboard keys generate`)',
    );
  }
  const file = devKeyFile(settings.dataDir);
  if (existsSync(file)) return readKeyFile(file, file);
  if (!options.forServe) return [];
  mkdirSync(settings.dataDir, { recursive: true });
  try {
    writeFileSync(file, `# Switchboard development encryption keys; the first encrypts.\n${newKeyLine('dev1')}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(file, 0o600);
  return readKeyFile(file, file);
}

/** The cipher for these settings (see {@link loadEncryptionKeys}). */
export function loadCipher(
  settings: Pick<Settings, 'encryptionKeys' | 'encryptionKeyFile' | 'dataDir' | 'mode'>,
  options: { forServe: boolean },
): ValueCipher {
  return new ValueCipher(loadEncryptionKeys(settings, options));
}

function readKeyFile(path: string, source: string): EncryptionKey[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new EncryptionError(`${source}: cannot read ${path}: ${(error as Error).message}`);
  }
  return nonEmpty(parseKeyRing(text, source));
}

function nonEmpty(keys: EncryptionKey[]): EncryptionKey[] {
  if (keys.length === 0) throw new EncryptionError('The encryption key ring is empty: give at least one "id:key" pair');
  return keys;
}
