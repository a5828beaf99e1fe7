import type { IntegrationKey } from '../zis-registry-store.js';
import {
  toBundle,
  toConnection,
  toJobSpecInstall,
  toOAuthClient,
  type BundleRow,
  type ConnectionRow,
  type JobSpecInstallRow,
  type OAuthClientRow,
} from '../zis-registry-rows.js';
import type {
  BundleRecord,
  ConnectionChange,
  ConnectionRecord,
  ConnectionType,
  JobSpecInstall,
  NewBundle,
  NewConnection,
  NewOAuthClient,
  OAuthClientChange,
  OAuthClientRecord,
  SecretTable,
  StoredSecretRow,
  ZisRegistryStorage,
} from '../zis-registry-store.js';
import { isUniqueViolation } from './connection-errors.js';
import type { PostgresAccess } from './postgres-channel-store.js';
import type { TransactionLock } from './transaction-locks.js';
import { zisRegistrySql as sql } from './zis-registry-queries.js';

/** The ZIS registry on PostgreSQL: one statement per call, autocommit, except key rotation's rewrite. */
export class PostgresZisRegistry implements ZisRegistryStorage {
  constructor(
    private readonly db: PostgresAccess,
    private readonly lock: TransactionLock,
  ) {}

  /** Uploads of one bundle take turns (a transaction-scoped lock on its name), so each gets its own version. */
  saveBundle(input: NewBundle): Promise<BundleRecord> {
    return this.db.transaction(async (client) => {
      await this.lock(client, `${input.accountId}/${input.integration}/${input.name}`);
      const { rows } = await client.query<BundleRow>(sql.insertBundleVersion, [
        input.accountId,
        input.integration,
        input.name,
        input.uuid,
        input.description,
        input.templateVersion,
        input.resourcesJson,
        input.nowSeconds,
      ]);
      return toBundle(rows[0]!);
    });
  }

  async listLatestBundles(key: IntegrationKey, page: { afterName: string; limit: number }): Promise<BundleRecord[]> {
    const rows = await this.db.rows<BundleRow>(sql.latestBundles, [
      key.accountId,
      key.integration,
      page.afterName,
      page.limit,
    ]);
    return rows.map(toBundle);
  }

  async listBundleVersions(key: IntegrationKey, name: string): Promise<BundleRecord[]> {
    return (await this.db.rows<BundleRow>(sql.bundleVersions, [key.accountId, key.integration, name])).map(toBundle);
  }

  async installJobSpec(key: IntegrationKey, jobSpecName: string, nowSeconds: number): Promise<JobSpecInstall> {
    await this.db.rows(sql.installJobSpec, [key.accountId, key.integration, jobSpecName, nowSeconds]);
    const [row] = await this.db.rows<JobSpecInstallRow>(sql.jobSpecInstall, [
      key.accountId,
      key.integration,
      jobSpecName,
    ]);
    return toJobSpecInstall(row!);
  }

  async uninstallJobSpec(key: IntegrationKey, jobSpecName: string): Promise<boolean> {
    const rows = await this.db.rows(`${sql.uninstallJobSpec} RETURNING id`, [
      key.accountId,
      key.integration,
      jobSpecName,
    ]);
    return rows.length > 0;
  }

  async listJobSpecInstalls(key: IntegrationKey): Promise<JobSpecInstall[]> {
    const rows = await this.db.rows<JobSpecInstallRow>(sql.jobSpecInstalls, [key.accountId, key.integration]);
    return rows.map(toJobSpecInstall);
  }

  async createConnection(input: NewConnection): Promise<ConnectionRecord | 'exists'> {
    try {
      const [row] = await this.db.rows<ConnectionRow>(sql.insertConnection, [
        input.accountId,
        input.integration,
        input.name,
        input.connectionType,
        input.allowedDomain,
        input.label,
        input.secret,
        input.nowSeconds,
        input.nowSeconds,
      ]);
      return toConnection(row!);
    } catch (error) {
      if (isUniqueViolation(error)) return 'exists';
      throw error;
    }
  }

  async getConnection(key: IntegrationKey, type: ConnectionType, name: string): Promise<ConnectionRecord | undefined> {
    const [row] = await this.db.rows<ConnectionRow>(sql.connection, [key.accountId, key.integration, type, name]);
    return row && toConnection(row);
  }

  async listConnections(key: IntegrationKey): Promise<ConnectionRecord[]> {
    return (await this.db.rows<ConnectionRow>(sql.connections, [key.accountId, key.integration])).map(toConnection);
  }

  async updateConnection(
    key: IntegrationKey,
    type: ConnectionType,
    name: string,
    change: ConnectionChange,
  ): Promise<ConnectionRecord | undefined> {
    const [row] = await this.db.rows<ConnectionRow>(sql.updateConnection, [
      change.allowedDomain ?? null,
      change.label ?? null,
      change.secret ?? null,
      change.nowSeconds,
      key.accountId,
      key.integration,
      type,
      name,
    ]);
    return row && toConnection(row);
  }

  async deleteConnection(key: IntegrationKey, type: ConnectionType, name: string): Promise<boolean> {
    const rows = await this.db.rows(`${sql.deleteConnection} RETURNING id`, [
      key.accountId,
      key.integration,
      type,
      name,
    ]);
    return rows.length > 0;
  }

  async createOAuthClient(input: NewOAuthClient): Promise<OAuthClientRecord> {
    const [row] = await this.db.rows<OAuthClientRow>(sql.insertOAuthClient, [
      input.uuid,
      input.accountId,
      input.integration,
      input.name,
      input.clientId,
      input.clientSecret,
      input.authUrl,
      input.tokenUrl,
      input.defaultScopes,
      input.grantType,
      input.nowSeconds,
      input.nowSeconds,
    ]);
    return toOAuthClient(row!);
  }

  async listOAuthClients(key: IntegrationKey): Promise<OAuthClientRecord[]> {
    return (await this.db.rows<OAuthClientRow>(sql.oauthClients, [key.accountId, key.integration])).map(toOAuthClient);
  }

  async getOAuthClient(key: IntegrationKey, uuid: string): Promise<OAuthClientRecord | undefined> {
    const [row] = await this.db.rows<OAuthClientRow>(sql.oauthClient, [key.accountId, key.integration, uuid]);
    return row && toOAuthClient(row);
  }

  async updateOAuthClient(
    key: IntegrationKey,
    uuid: string,
    change: OAuthClientChange,
  ): Promise<OAuthClientRecord | undefined> {
    const [row] = await this.db.rows<OAuthClientRow>(sql.updateOAuthClient, [
      change.name ?? null,
      change.clientId ?? null,
      change.clientSecret ?? null,
      change.authUrl ?? null,
      change.tokenUrl ?? null,
      change.defaultScopes ?? null,
      change.grantType ?? null,
      change.nowSeconds,
      key.accountId,
      key.integration,
      uuid,
    ]);
    return row && toOAuthClient(row);
  }

  async deleteOAuthClient(key: IntegrationKey, uuid: string): Promise<boolean> {
    const rows = await this.db.rows(`${sql.deleteOAuthClient} RETURNING id`, [key.accountId, key.integration, uuid]);
    return rows.length > 0;
  }

  async storedSecrets(table: SecretTable, afterId: number, limit: number): Promise<StoredSecretRow[]> {
    const rows = await this.db.rows<StoredSecretRow>(sql.storedSecrets[table], [afterId, limit]);
    return rows.map((row) => ({ id: Number(row.id), secret: row.secret }));
  }

  /** One short transaction for the batch: each row rewritten only if unchanged since it was read. */
  rewriteSecrets(table: SecretTable, rewrites: { id: number; old: string; secret: string }[]): Promise<number> {
    return this.db.transaction(async (client) => {
      let count = 0;
      for (const r of rewrites)
        count += (await client.query(sql.rewriteSecret[table], [r.secret, r.id, r.old])).rowCount ?? 0;
      return count;
    });
  }
}
