import Database from 'better-sqlite3';
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
import type { WriteQueue } from './group-commit.js';
import { zisRegistrySql as sql } from './zis-registry-queries.js';

const isUniqueViolation = (error: unknown) =>
  error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';

/** The ZIS registry on the embedded SQLite store: reads on this connection, writes through group commit. */
export class SqliteZisRegistry implements ZisRegistryStorage {
  private statements: Map<string, Database.Statement> = new Map();

  constructor(
    private readonly db: Database.Database,
    private readonly writes: WriteQueue,
  ) {}

  /** Prepared on first use: the tables exist only once the store is migrated. */
  private q(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  saveBundle(input: NewBundle): Promise<BundleRecord> {
    const { accountId, integration, name, uuid, description, templateVersion, resourcesJson, nowSeconds } = input;
    const values = { accountId, integration, name, uuid, description, templateVersion, resourcesJson, nowSeconds };
    return this.writes.enqueue(() => toBundle(this.q(sql.insertBundleVersion).get(values) as BundleRow));
  }

  async listLatestBundles(key: IntegrationKey, page: { afterName: string; limit: number }): Promise<BundleRecord[]> {
    const rows = this.q(sql.latestBundles).all(key.accountId, key.integration, page.afterName, page.limit);
    return (rows as BundleRow[]).map(toBundle);
  }

  async listBundleVersions(key: IntegrationKey, name: string): Promise<BundleRecord[]> {
    return (this.q(sql.bundleVersions).all(key.accountId, key.integration, name) as BundleRow[]).map(toBundle);
  }

  installJobSpec(key: IntegrationKey, jobSpecName: string, nowSeconds: number): Promise<JobSpecInstall> {
    return this.writes.enqueue(() => {
      this.q(sql.installJobSpec).run(key.accountId, key.integration, jobSpecName, nowSeconds);
      const row = this.q(sql.jobSpecInstall).get(key.accountId, key.integration, jobSpecName);
      return toJobSpecInstall(row as JobSpecInstallRow);
    });
  }

  uninstallJobSpec(key: IntegrationKey, jobSpecName: string): Promise<boolean> {
    return this.writes.enqueue(
      () => this.q(sql.uninstallJobSpec).run(key.accountId, key.integration, jobSpecName).changes > 0,
    );
  }

  async listJobSpecInstalls(key: IntegrationKey): Promise<JobSpecInstall[]> {
    const rows = this.q(sql.jobSpecInstalls).all(key.accountId, key.integration) as JobSpecInstallRow[];
    return rows.map(toJobSpecInstall);
  }

  createConnection(input: NewConnection): Promise<ConnectionRecord | 'exists'> {
    const { accountId, integration, name, connectionType, allowedDomain, label, secret, nowSeconds } = input;
    return this.writes.enqueue(() => {
      try {
        const row = this.q(sql.insertConnection).get(
          accountId,
          integration,
          name,
          connectionType,
          allowedDomain,
          label,
          secret,
          nowSeconds,
          nowSeconds,
        );
        return toConnection(row as ConnectionRow);
      } catch (error) {
        if (isUniqueViolation(error)) return 'exists' as const;
        throw error;
      }
    });
  }

  async getConnection(key: IntegrationKey, type: ConnectionType, name: string): Promise<ConnectionRecord | undefined> {
    const row = this.q(sql.connection).get(key.accountId, key.integration, type, name) as ConnectionRow | undefined;
    return row && toConnection(row);
  }

  async listConnections(key: IntegrationKey): Promise<ConnectionRecord[]> {
    return (this.q(sql.connections).all(key.accountId, key.integration) as ConnectionRow[]).map(toConnection);
  }

  updateConnection(
    key: IntegrationKey,
    type: ConnectionType,
    name: string,
    change: ConnectionChange,
  ): Promise<ConnectionRecord | undefined> {
    return this.writes.enqueue(() => {
      const row = this.q(sql.updateConnection).get(
        change.allowedDomain ?? null,
        change.label ?? null,
        change.secret ?? null,
        change.nowSeconds,
        key.accountId,
        key.integration,
        type,
        name,
      ) as ConnectionRow | undefined;
      return row && toConnection(row);
    });
  }

  deleteConnection(key: IntegrationKey, type: ConnectionType, name: string): Promise<boolean> {
    return this.writes.enqueue(
      () => this.q(sql.deleteConnection).run(key.accountId, key.integration, type, name).changes > 0,
    );
  }

  createOAuthClient(input: NewOAuthClient): Promise<OAuthClientRecord> {
    return this.writes.enqueue(() =>
      toOAuthClient(
        this.q(sql.insertOAuthClient).get(
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
        ) as OAuthClientRow,
      ),
    );
  }

  async listOAuthClients(key: IntegrationKey): Promise<OAuthClientRecord[]> {
    return (this.q(sql.oauthClients).all(key.accountId, key.integration) as OAuthClientRow[]).map(toOAuthClient);
  }

  async getOAuthClient(key: IntegrationKey, uuid: string): Promise<OAuthClientRecord | undefined> {
    const row = this.q(sql.oauthClient).get(key.accountId, key.integration, uuid) as OAuthClientRow | undefined;
    return row && toOAuthClient(row);
  }

  updateOAuthClient(
    key: IntegrationKey,
    uuid: string,
    change: OAuthClientChange,
  ): Promise<OAuthClientRecord | undefined> {
    return this.writes.enqueue(() => {
      const row = this.q(sql.updateOAuthClient).get(
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
      ) as OAuthClientRow | undefined;
      return row && toOAuthClient(row);
    });
  }

  deleteOAuthClient(key: IntegrationKey, uuid: string): Promise<boolean> {
    return this.writes.enqueue(
      () => this.q(sql.deleteOAuthClient).run(key.accountId, key.integration, uuid).changes > 0,
    );
  }

  async storedSecrets(table: SecretTable, afterId: number, limit: number): Promise<StoredSecretRow[]> {
    return this.q(sql.storedSecrets[table]).all(afterId, limit) as StoredSecretRow[];
  }

  rewriteSecrets(table: SecretTable, rewrites: { id: number; old: string; secret: string }[]): Promise<number> {
    return this.writes.enqueue(() => {
      const rewrite = this.q(sql.rewriteSecret[table]);
      return rewrites.reduce((count, r) => count + rewrite.run(r.secret, r.id, r.old).changes, 0);
    });
  }
}
