import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** What a stored ciphertext starts with; anything else is a plaintext value from before encryption. */
export const cipherPrefix = 'enc:v1:';

/** Key ids: short, and free of the `:` that separates a stored value's parts. */
const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;
const ivBytes = 12;
const tagBytes = 16;

// IVs are cut from a pool of random bytes drawn 4 KiB at a time: one `randomBytes` call per
// value cost about 5 µs, 40 % of sealing a short value (GCM needs each IV unique under a key;
// random bytes from the pool are as unique as fresh ones, and each is handed out once).
let ivPool = Buffer.alloc(0);
let ivOffset = 0;
function nextIv(): Buffer {
  if (ivOffset + ivBytes > ivPool.length) {
    ivPool = randomBytes(4096);
    ivOffset = 0;
  }
  ivOffset += ivBytes;
  return ivPool.subarray(ivOffset - ivBytes, ivOffset);
}

/** One AES-256 key and the id stored beside every value it encrypts. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** A key ring or a stored value is unusable: a missing key id, a damaged value, a bad key. */
export class EncryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionError';
  }
}

/** Parses one `id:key` pair; the key is 32 bytes as base64, base64url or 64 hex digits. */
export function parseKeyPair(pair: string, source: string): EncryptionKey {
  const colon = pair.indexOf(':');
  const id = colon < 0 ? '' : pair.slice(0, colon).trim();
  const text = colon < 0 ? '' : pair.slice(colon + 1).trim();
  if (!keyIdPattern.test(id)) {
    throw new EncryptionError(`${source}: each key must be "id:key" with an id of 1–32 letters, digits, _ or -`);
  }
  const key = /^[0-9a-fA-F]{64}$/.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(text)
      ? Buffer.from(text, 'base64')
      : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new EncryptionError(`${source}: key "${id}" must be 32 bytes, as base64 or 64 hex digits`);
  }
  return { id, key };
}

/** Parses `id:key` pairs separated by commas or new lines (`#` starts a comment line); the first encrypts. */
export function parseKeyRing(text: string, source: string): EncryptionKey[] {
  const pairs = text
    .split(/[,\n]/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const keys = pairs.map((pair) => parseKeyPair(pair, source));
  const seen = new Set<string>();
  for (const { id } of keys) {
    if (seen.has(id)) throw new EncryptionError(`${source}: key id "${id}" appears twice`);
    seen.add(id);
  }
  return keys;
}

/**
 * Encrypts stored values with AES-256-GCM under the first key of a ring and decrypts under
 * any key of it. A stored value is `enc:v1:{keyId}:{base64url(iv | ciphertext | tag)}`.
 * The additional data is the column's name, so a value cannot be read as another column's
 * (not the row: an instance's id is unknown before its insert; see "Encryption at rest" in the README).
 * A value without the prefix was stored before encryption and is returned as it is.
 * With no key at all, values are stored as they are and ciphertext cannot be read.
 */
export class ValueCipher {
  private readonly keys: Map<string, Buffer>;

  constructor(readonly ring: readonly EncryptionKey[]) {
    this.keys = new Map(ring.map(({ id, key }) => [id, key]));
  }

  /** The id new values are encrypted under; undefined when encryption is off. */
  get currentKeyId(): string | undefined {
    return this.ring[0]?.id;
  }

  get enabled(): boolean {
    return this.ring.length > 0;
  }

  encrypt(plain: string, column: string): string {
    const current = this.ring[0];
    if (!current) return plain;
    const iv = nextIv();
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    cipher.setAAD(Buffer.from(column));
    const body = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${cipherPrefix}${current.id}:${body.toString('base64url')}`;
  }

  decrypt(stored: string, column: string): string {
    const keyId = keyIdOf(stored);
    if (keyId === undefined) return stored;
    const key = this.keys.get(keyId);
    if (!key) {
      throw new EncryptionError(
        `${column} is encrypted under key "${keyId}", which is not in the key ring ` +
          `(SWITCHBOARD_ENCRYPTION_KEYS or SWITCHBOARD_ENCRYPTION_KEY_FILE)`,
      );
    }
    const body = Buffer.from(stored.slice(cipherPrefix.length + keyId.length + 1), 'base64url');
    if (body.length < ivBytes + tagBytes) throw new EncryptionError(`${column} under key "${keyId}" is damaged`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, ivBytes));
      decipher.setAAD(Buffer.from(column));
      decipher.setAuthTag(body.subarray(body.length - tagBytes));
      return Buffer.concat([
        decipher.update(body.subarray(ivBytes, body.length - tagBytes)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new EncryptionError(`${column} does not decrypt under key "${keyId}": the key or the value is wrong`);
    }
  }

  /** True when `stored` is already encrypted under the current key (or encryption is off and it is plain). */
  isCurrent(stored: string): boolean {
    return keyIdOf(stored) === this.currentKeyId;
  }

  /** `stored` under the current key: decrypted and encrypted again, or as it is when already current. */
  reencrypt(stored: string, column: string): string {
    return this.isCurrent(stored) ? stored : this.encrypt(this.decrypt(stored, column), column);
  }

  hasKey(keyId: string): boolean {
    return this.keys.has(keyId);
  }
}

/** The key id of a stored ciphertext; undefined for a plaintext value. */
export function keyIdOf(stored: string): string | undefined {
  if (!stored.startsWith(cipherPrefix)) return undefined;
  const end = stored.indexOf(':', cipherPrefix.length);
  return end < 0 ? undefined : stored.slice(cipherPrefix.length, end);
}

/** A cipher that stores plaintext: for stores opened without keys. */
export const noEncryption = new ValueCipher([]);
