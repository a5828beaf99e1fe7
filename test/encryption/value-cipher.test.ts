import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EncryptionError,
  keyIdOf,
  parseKeyRing,
  ValueCipher,
  type EncryptionKey,
} from '../../src/store/encryption/value-cipher.js';
import { opaqueTexts } from '../helpers/opaque-texts.js';

const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });

describe('value cipher', () => {
  const k1 = key('k1');
  const k2 = key('k2');
  const cipher = new ValueCipher([k1]);

  it.each(Object.entries(opaqueTexts))('round-trips %s byte for byte, and hides it', (_name, value) => {
    const stored = cipher.encrypt(value, 'instances.metadata');
    expect(stored).toMatch(/^enc:v1:k1:[A-Za-z0-9_-]+$/);
    if (value.length > 3) expect(stored).not.toContain(value);
    expect(cipher.decrypt(stored, 'instances.metadata')).toBe(value);
  });

  it('uses a fresh IV for every value, across refills of the IV pool', () => {
    expect(cipher.encrypt('same', 'c')).not.toBe(cipher.encrypt('same', 'c'));
    // 1,000 values take 12,000 bytes of IVs: the 4 KiB pool is drawn again twice.
    const stored = Array.from({ length: 1000 }, () => cipher.encrypt('same', 'c'));
    const ivs = stored.map((value) => Buffer.from(value.split(':')[3]!, 'base64url').subarray(0, 12).toString('hex'));
    expect(new Set(ivs).size).toBe(1000);
    expect(stored.every((value) => cipher.decrypt(value, 'c') === 'same')).toBe(true);
  });

  it('reads values stored before encryption as they are', () => {
    expect(cipher.decrypt('{"token":"legacy"}', 'instances.metadata')).toBe('{"token":"legacy"}');
    expect(keyIdOf('{"token":"legacy"}')).toBeUndefined();
  });

  it('binds a value to its column', () => {
    const stored = cipher.encrypt('secret', 'instances.metadata');
    expect(() => cipher.decrypt(stored, 'instances.state')).toThrow(/does not decrypt under key "k1"/);
  });

  it('names a missing key id, and refuses a wrong key or a damaged value', () => {
    const stored = cipher.encrypt('secret', 'c');
    expect(() => new ValueCipher([k2]).decrypt(stored, 'c')).toThrow(/key "k1", which is not in the key ring/);
    expect(() => new ValueCipher([{ id: 'k1', key: k2.key }]).decrypt(stored, 'c')).toThrow(EncryptionError);
    expect(() => cipher.decrypt(stored.slice(0, -4), 'c')).toThrow(EncryptionError);
    expect(() => cipher.decrypt('enc:v1:k1:AAAA', 'c')).toThrow(/damaged/);
  });

  it('decrypts under any key of the ring and re-encrypts under the first', () => {
    const old = cipher.encrypt('secret', 'c');
    const rotated = new ValueCipher([k2, k1]);
    expect(rotated.isCurrent(old)).toBe(false);
    const again = rotated.reencrypt(old, 'c');
    expect(keyIdOf(again)).toBe('k2');
    expect(rotated.isCurrent(again)).toBe(true);
    expect(rotated.reencrypt(again, 'c')).toBe(again);
    expect(rotated.decrypt(again, 'c')).toBe('secret');
    expect(keyIdOf(rotated.reencrypt('plain', 'c'))).toBe('k2');
  });

  it('stores plaintext without keys, and cannot read ciphertext then', () => {
    const none = new ValueCipher([]);
    expect(none.encrypt('x', 'c')).toBe('x');
    expect(() => none.decrypt(cipher.encrypt('x', 'c'), 'c')).toThrow(/not in the key ring/);
  });
});

describe('key ring parsing', () => {
  const b64 = randomBytes(32).toString('base64');
  const hex = randomBytes(32).toString('hex');

  it('reads id:key pairs from commas or lines, base64 or hex, first first', () => {
    const ring = parseKeyRing(`# comment\nk2:${b64}\n\nk1:${hex}`, 'file');
    expect(ring.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(ring[1]!.key.toString('hex')).toBe(hex);
    expect(parseKeyRing(`a:${b64},b:${hex}`, 'env').map((k) => k.id)).toEqual(['a', 'b']);
  });

  it.each([
    ['no id', b64, /"id:key"/],
    ['a short key', 'k1:c2hvcnQ=', /must be 32 bytes/],
    ['not base64', `k1:${'!'.repeat(44)}`, /must be 32 bytes/],
    ['a bad id', `k:1:${b64}`, /must be 32 bytes|"id:key"/],
    ['a repeated id', `k1:${b64},k1:${hex}`, /appears twice/],
  ])('refuses %s with a message naming the setting', (_case, text, message) => {
    expect(() => parseKeyRing(text, 'SWITCHBOARD_ENCRYPTION_KEYS')).toThrow(message);
    expect(() => parseKeyRing(text, 'SWITCHBOARD_ENCRYPTION_KEYS')).toThrow(/SWITCHBOARD_ENCRYPTION_KEYS/);
  });
});
