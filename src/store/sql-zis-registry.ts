import type { Rendered } from './sql/render.js';
import type { zisRegistryStatements } from './sql/zis-registry.js';
import { countOf, rowsOf, type SqlRunner } from './sql-runner.js';
import {
  toBundle,
  toConnection,
  toJobSpecInstall,
  toOAuthClient,
  type BundleRow,
  type ConnectionRow,
  type JobSpecInstallRow,
  type OAuthClientRow,
} from './zis-registry-rows.js';
import type {
  BundleRecord,
  ConnectionChange,
  ConnectionRecord,
  ConnectionType,
  IntegrationKey,
  JobSpecInstall,
  NewBundle,
  NewConnection,
  NewOAuthClient,
  OAuthClientChange,
  OAuthClientRecord,
  StoredSecretRow,
  ZisRegistryStorage,
} from './zis-registry-store.js';
import type { SecretTable } from './encryption/encrypting-zis-registry.js';

/** The registry's statements in one dialect: the shared ones, and the two each dialect writes its own way. */
export type ZisRegistrySql = Rendered<typeof zisRegistryStatements> & {
  /** ($1 account, $2 integration, $3 name, $4 uuid, $5 description, $6 template version, $7 resources, $8 now) */
  readonly insertBundleVersion: string;
  /** ($1 account, $2 integration, $3 after name, $4 limit), names in byte order. */
  readonly latestBundles: string;
};

/** The ZIS registry on either store: one statement per call, except a bundle upload and key rotation's rewrite. */
export class SqlZisRegistry implements ZisRegistryStorage {
  constructor(
    private readonly db: SqlRunner,
    private readonly sql: ZisRegistrySql,
  ) {}

  /** Uploads of one bundle take turns (a transaction-scoped lock on its name), so each gets its own version. */
  saveBundle(input: NewBundle): Promise<BundleRecord> {
    const { accountId, integration, name, uuid, description, templateVersion, resourcesJson, nowSeconds } = input;
    const values = [accountId, integration, name, uuid, description, templateVersion, resourcesJson, nowSeconds];
    const sql = this.sql;
    return this.db.write(
      function* () {
        const [row] = yield* rowsOf<BundleRow>(sql.insertBundleVersion, values);
        return toBundle(row!);
      },
      { lock: `${accountId}/${integration}/${name}` },
    );
  }

  async listLatestBundles(key: IntegrationKey, page: { afterName: string; limit: number }): Promise<BundleRecord[]> {
    const values = [key.accountId, key.integration, page.afterName, page.limit];
    return (await this.db.rows<BundleRow>(this.sql.latestBundles, values)).map(toBundle);
  }

  async listBundleVersions(key: IntegrationKey, name: string): Promise<BundleRecord[]> {
    return (await this.db.rows<BundleRow>(this.sql.bundleVersions, [key.accountId, key.integration, name])).map(
      toBundle,
    );
  }

  installJobSpec(key: IntegrationKey, jobSpecName: string, nowSeconds: number): Promise<JobSpecInstall> {
    const sql = this.sql;
    return this.db.write(function* () {
      yield* countOf(sql.installJobSpec, [key.accountId, key.integration, jobSpecName, nowSeconds]);
      const [row] = yield* rowsOf<JobSpecInstallRow>(sql.jobSpecInstall, [key.accountId, key.integration, jobSpecName]);
      return toJobSpecInstall(row!);
    });
  }

  async uninstallJobSpec(key: IntegrationKey, jobSpecName: string): Promise<boolean> {
    return (await this.db.writeCount(this.sql.uninstallJobSpec, [key.accountId, key.integration, jobSpecName])) > 0;
  }

  async listJobSpecInstalls(key: IntegrationKey): Promise<JobSpecInstall[]> {
    const rows = await this.db.rows<JobSpecInstallRow>(this.sql.jobSpecInstalls, [key.accountId, key.integration]);
    return rows.map(toJobSpecInstall);
  }

  async createConnection(input: NewConnection): Promise<ConnectionRecord | 'exists'> {
    const { accountId, integration, name, connectionType, allowedDomain, label, secret, nowSeconds } = input;
    try {
      const [row] = await this.db.writeRows<ConnectionRow>(this.sql.insertConnection, [
        ...[accountId, integration, name, connectionType, allowedDomain, label, secret, nowSeconds, nowSeconds],
      ]);
      return toConnection(row!);
    } catch (error) {
      if (this.db.isUniqueViolation(error)) return 'exists';
      throw error;
    }
  }

  async getConnection(key: IntegrationKey, type: ConnectionType, name: string): Promise<ConnectionRecord | undefined> {
    const [row] = await this.db.rows<ConnectionRow>(this.sql.connection, [key.accountId, key.integration, type, name]);
    return row && toConnection(row);
  }

  async listConnections(key: IntegrationKey): Promise<ConnectionRecord[]> {
    return (await this.db.rows<ConnectionRow>(this.sql.connections, [key.accountId, key.integration])).map(
      toConnection,
    );
  }

  async updateConnection(
    key: IntegrationKey,
    type: ConnectionType,
    name: string,
    change: ConnectionChange,
  ): Promise<ConnectionRecord | undefined> {
    const [row] = await this.db.writeRows<ConnectionRow>(this.sql.updateConnection, [
      ...[change.allowedDomain ?? null, change.label ?? null, change.secret ?? null, change.nowSeconds],
      ...[key.accountId, key.integration, type, name],
    ]);
    return row && toConnection(row);
  }

  async deleteConnection(key: IntegrationKey, type: ConnectionType, name: string): Promise<boolean> {
    const values = [key.accountId, key.integration, type, name];
    return (await this.db.writeCount(this.sql.deleteConnection, values)) > 0;
  }

  async createOAuthClient(input: NewOAuthClient): Promise<OAuthClientRecord> {
    const [row] = await this.db.writeRows<OAuthClientRow>(this.sql.insertOAuthClient, [
      ...[input.uuid, input.accountId, input.integration, input.name, input.clientId, input.clientSecret],
      ...[input.authUrl, input.tokenUrl, input.defaultScopes, input.grantType, input.nowSeconds, input.nowSeconds],
    ]);
    return toOAuthClient(row!);
  }

  async listOAuthClients(key: IntegrationKey): Promise<OAuthClientRecord[]> {
    return (await this.db.rows<OAuthClientRow>(this.sql.oauthClients, [key.accountId, key.integration])).map(
      toOAuthClient,
    );
  }

  async getOAuthClient(key: IntegrationKey, uuid: string): Promise<OAuthClientRecord | undefined> {
    const [row] = await this.db.rows<OAuthClientRow>(this.sql.oauthClient, [key.accountId, key.integration, uuid]);
    return row && toOAuthClient(row);
  }

  async updateOAuthClient(
    key: IntegrationKey,
    uuid: string,
    change: OAuthClientChange,
  ): Promise<OAuthClientRecord | undefined> {
    const [row] = await this.db.writeRows<OAuthClientRow>(this.sql.updateOAuthClient, [
      ...[change.name ?? null, change.clientId ?? null, change.clientSecret ?? null, change.authUrl ?? null],
      ...[change.tokenUrl ?? null, change.defaultScopes ?? null, change.grantType ?? null, change.nowSeconds],
      ...[key.accountId, key.integration, uuid],
    ]);
    return row && toOAuthClient(row);
  }

  async deleteOAuthClient(key: IntegrationKey, uuid: string): Promise<boolean> {
    return (await this.db.writeCount(this.sql.deleteOAuthClient, [key.accountId, key.integration, uuid])) > 0;
  }

  async storedSecrets(table: SecretTable, afterId: number, limit: number): Promise<StoredSecretRow[]> {
    const rows = await this.db.rows<StoredSecretRow>(this.sql.storedSecrets[table], [afterId, limit]);
    return rows.map((row) => ({ id: Number(row.id), secret: row.secret }));
  }

  /** One short transaction for the batch: each row rewritten only if unchanged since it was read. */
  rewriteSecrets(table: SecretTable, rewrites: { id: number; old: string; secret: string }[]): Promise<number> {
    const rewrite = this.sql.rewriteSecret[table];
    return this.db.write(function* () {
      let count = 0;
      for (const r of rewrites) count += yield* countOf(rewrite, [r.secret, r.id, r.old]);
      return count;
    });
  }
}
