import type { ValueCipher } from './value-cipher.js';

/** The tables that hold secrets, and the column each keeps them in (also the cipher's additional data). */
export const secretColumns = {
  zis_connections: 'zis_connections.secret',
  zis_oauth_clients: 'zis_oauth_clients.client_secret',
} as const;
export type SecretTable = keyof typeof secretColumns;

const C = secretColumns.zis_connections;
const O = secretColumns.zis_oauth_clients;

// How registry secrets (connection tokens, passwords, API keys, OAuth client secrets) cross
// the encryption boundary, under the same key ring as instances' metadata: the method table
// (`zisRegistryTable`, beside the contract) seals them on every write and opens them on every read, so inside,
// and in the database, they are only ciphertext. Key rotation is zis-registry-rotation.ts.
// Typed by the fields they touch: the contract's file holds the table that calls these.

export const openConnection = <T extends { secret: string }>(c: T, cipher: ValueCipher): T => ({
  ...c,
  secret: cipher.decrypt(c.secret, C),
});

export const openClient = <T extends { clientSecret: string }>(c: T, cipher: ValueCipher): T => ({
  ...c,
  clientSecret: cipher.decrypt(c.clientSecret, O),
});

/** A connection secret, or undefined (kept as it is), sealed. */
export const sealConnectionSecret = <T extends string | undefined>(plain: T, cipher: ValueCipher): T =>
  (plain === undefined ? undefined : cipher.encrypt(plain, C)) as T;

/** An OAuth client secret, or undefined (kept as it is), sealed. */
export const sealClientSecret = <T extends string | undefined>(plain: T, cipher: ValueCipher): T =>
  (plain === undefined ? undefined : cipher.encrypt(plain, O)) as T;
