import type { RotationBatch } from './encryption/key-rotation.js';
import { plainWrite, plainRead, type MethodTable } from './method-facts.js';
import {
  openClient,
  openConnection,
  sealClientSecret,
  sealConnectionSecret,
  type SecretTable,
} from './encryption/encrypting-zis-registry.js';

/** Which account's which integration a row belongs to (the same shape as the configs' key in store.ts). */
export interface IntegrationKey {
  accountId: number;
  integration: string;
}

/**
 * Storage for the ZIS registry routes setup scripts call: bundles (every upload a new
 * version), installed job specs, connections (bearer token, basic auth, API key) and ZIS
 * OAuth clients. Nothing here runs: Switchboard has no flow engine.
 *
 * Reads and writes are scoped by account and integration; another account's rows are
 * simply not found. Times are whole epoch seconds, passed in. Behind the store's
 * encryption wrapper (`encryption/encrypting-zis-registry.ts`) secrets are plaintext;
 * inside it, and in the database, they are only ciphertext.
 */
export interface ZisRegistryStore {
  /**
   * Stores an upload as the next version of the bundle named `input.name` (version 1 and
   * `input.uuid` for a new name; later versions keep the first's uuid).
   */
  saveBundle(input: NewBundle): Promise<BundleRecord>;
  /** The newest version of each bundle, by name, after `afterName`, at most `limit`. */
  listLatestBundles(key: IntegrationKey, page: { afterName: string; limit: number }): Promise<BundleRecord[]>;
  /** Every stored version of one bundle, newest first. */
  listBundleVersions(key: IntegrationKey, name: string): Promise<BundleRecord[]>;

  /** Marks a job spec installed (again: nothing changes, the first install is kept). */
  installJobSpec(key: IntegrationKey, jobSpecName: string, nowSeconds: number): Promise<JobSpecInstall>;
  /** False when it was not installed. */
  uninstallJobSpec(key: IntegrationKey, jobSpecName: string): Promise<boolean>;
  listJobSpecInstalls(key: IntegrationKey): Promise<JobSpecInstall[]>;

  /** `exists` (and nothing stored) when the integration has a connection of that name, of any type. */
  createConnection(input: NewConnection): Promise<ConnectionRecord | 'exists'>;
  getConnection(key: IntegrationKey, type: ConnectionType, name: string): Promise<ConnectionRecord | undefined>;
  /** An integration's connections of every type, by ascending id. */
  listConnections(key: IntegrationKey): Promise<ConnectionRecord[]>;
  /** Changes the given fields; undefined when there is no such connection. */
  updateConnection(
    key: IntegrationKey,
    type: ConnectionType,
    name: string,
    change: ConnectionChange,
  ): Promise<ConnectionRecord | undefined>;
  deleteConnection(key: IntegrationKey, type: ConnectionType, name: string): Promise<boolean>;

  createOAuthClient(input: NewOAuthClient): Promise<OAuthClientRecord>;
  /** An integration's OAuth clients, by ascending id. */
  listOAuthClients(key: IntegrationKey): Promise<OAuthClientRecord[]>;
  getOAuthClient(key: IntegrationKey, uuid: string): Promise<OAuthClientRecord | undefined>;
  updateOAuthClient(
    key: IntegrationKey,
    uuid: string,
    change: OAuthClientChange,
  ): Promise<OAuthClientRecord | undefined>;
  deleteOAuthClient(key: IntegrationKey, uuid: string): Promise<boolean>;

  /**
   * Key rotation, one batch of one table: the rows after `afterId` (at most `limit`) whose
   * secret is not under the current key are re-encrypted under it, each only if no writer
   * changed it since it was read.
   */
  reencryptSecrets(batch: { table: SecretTable; afterId: number; limit: number }): Promise<RotationBatch>;
}

/** A stored secret as key rotation reads it. */
export interface StoredSecretRow {
  id: number;
  secret: string;
}

/** The store under the encryption wrapper: secrets pass through as stored, and rotation reads and rewrites them. */
export interface ZisRegistryStorage extends Omit<ZisRegistryStore, 'reencryptSecrets'> {
  storedSecrets(table: SecretTable, afterId: number, limit: number): Promise<StoredSecretRow[]>;
  /** Each row rewritten only if it still holds `old`; returns how many were. */
  rewriteSecrets(table: SecretTable, rewrites: { id: number; old: string; secret: string }[]): Promise<number>;
}

export interface NewBundle extends IntegrationKey {
  name: string;
  /** The uuid a new bundle gets; an existing bundle keeps its own. */
  uuid: string;
  description: string;
  templateVersion: string;
  /** The `resources` object as JSON text. */
  resourcesJson: string;
  nowSeconds: number;
}

export interface BundleRecord {
  id: number;
  accountId: number;
  integration: string;
  name: string;
  version: number;
  uuid: string;
  description: string;
  templateVersion: string;
  resourcesJson: string;
  uploadedAt: number;
}

export interface JobSpecInstall {
  id: number;
  accountId: number;
  integration: string;
  /** `zis:{integration}:job_spec:{name}` */
  jobSpecName: string;
  installedAt: number;
}

export const connectionTypes = ['bearer_token', 'basic_auth', 'api_key'] as const;
export type ConnectionType = (typeof connectionTypes)[number];

export interface NewConnection extends IntegrationKey {
  /** Named so, not `type`: a backup record's `type` is its record type. */
  connectionType: ConnectionType;
  name: string;
  allowedDomain: string;
  /** basic_auth's username, api_key's header_name; null for bearer_token. */
  label: string | null;
  /** The token, password or API key. */
  secret: string;
  nowSeconds: number;
}

export interface ConnectionRecord extends Omit<NewConnection, 'nowSeconds'> {
  id: number;
  createdAt: number;
  updatedAt: number;
}

export interface ConnectionChange {
  allowedDomain?: string;
  label?: string;
  secret?: string;
  nowSeconds: number;
}

export interface NewOAuthClient extends IntegrationKey {
  uuid: string;
  name: string | null;
  clientId: string;
  clientSecret: string;
  authUrl: string | null;
  tokenUrl: string;
  defaultScopes: string | null;
  grantType: 'authorization_code' | 'client_credentials';
  nowSeconds: number;
}

export interface OAuthClientRecord extends Omit<NewOAuthClient, 'nowSeconds'> {
  id: number;
  createdAt: number;
  updatedAt: number;
}

export type OAuthClientChange = Partial<
  Pick<NewOAuthClient, 'name' | 'clientId' | 'clientSecret' | 'authUrl' | 'tokenUrl' | 'defaultScopes' | 'grantType'>
> & { nowSeconds: number };

/** The ZIS registry: connection and OAuth client secrets are sealed and opened here. */
export const zisRegistryTable = {
  saveBundle: plainWrite,
  listLatestBundles: plainRead,
  listBundleVersions: plainRead,
  installJobSpec: plainWrite,
  uninstallJobSpec: plainWrite,
  listJobSpecInstalls: plainRead,
  createConnection: {
    ...plainWrite,
    seal: ([input], cipher) => [{ ...input, secret: sealConnectionSecret(input.secret, cipher) }],
    open: (created, cipher) => (created === 'exists' ? created : openConnection(created, cipher)),
  },
  getConnection: { ...plainRead, open: (found, cipher) => found && openConnection(found, cipher) },
  listConnections: { ...plainRead, open: (found, cipher) => found.map((c) => openConnection(c, cipher)) },
  updateConnection: {
    ...plainWrite,
    seal: ([key, type, name, change], cipher) => [
      key,
      type,
      name,
      { ...change, secret: sealConnectionSecret(change.secret, cipher) },
    ],
    open: (updated, cipher) => updated && openConnection(updated, cipher),
  },
  deleteConnection: plainWrite,
  createOAuthClient: {
    ...plainWrite,
    seal: ([input], cipher) => [{ ...input, clientSecret: sealClientSecret(input.clientSecret, cipher) }],
    open: openClient,
  },
  listOAuthClients: { ...plainRead, open: (found, cipher) => found.map((c) => openClient(c, cipher)) },
  getOAuthClient: { ...plainRead, open: (found, cipher) => found && openClient(found, cipher) },
  updateOAuthClient: {
    ...plainWrite,
    seal: ([key, uuid, change], cipher) => [
      key,
      uuid,
      { ...change, clientSecret: sealClientSecret(change.clientSecret, cipher) },
    ],
    open: (updated, cipher) => updated && openClient(updated, cipher),
  },
  deleteOAuthClient: plainWrite,
  reencryptSecrets: plainWrite,
} satisfies MethodTable<ZisRegistryStore>;
