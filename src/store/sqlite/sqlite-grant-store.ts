import type Database from 'better-sqlite3';
import type {
  AuthorizationCode,
  NewAuthorizationCode,
  NewRefreshToken,
  OAuthClient,
  OAuthClientChange,
  RefreshToken,
} from '../oauth-grant-records.js';
import {
  toAuthorizationCode,
  toOAuthClient,
  toRefreshToken,
  type AuthorizationCodeRow,
  type OAuthClientRow,
  type RefreshTokenRow,
} from '../oauth-grant-rows.js';
import type { GrantStore, IntegrationKey, NewConsoleSession } from '../store.js';
import { scopesText } from '../token-rows.js';
import type { WriteQueue } from './group-commit.js';
import { oauthGrantSql as sql } from './oauth-grant-queries.js';
import { sessionSql } from './session-queries.js';

/** OAuth codes, refresh tokens, OAuth clients' settings and console sessions on SQLite: reads here, writes through group commit. */
export class SqliteGrantStore implements GrantStore {
  private readonly statements = new Map<string, Database.Statement>();

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

  async listOAuthClients(accountId: number): Promise<OAuthClient[]> {
    return (this.q(sql.oauthClientsOfAccount).all(accountId) as OAuthClientRow[]).map(toOAuthClient);
  }

  async findOAuthClient(accountId: number, id: number): Promise<OAuthClient | undefined> {
    const row = this.q(sql.oauthClientById).get(accountId, id) as OAuthClientRow | undefined;
    return row && toOAuthClient(row);
  }

  updateOAuthClient(accountId: number, id: number, change: OAuthClientChange): Promise<OAuthClient | undefined> {
    return this.writes.enqueue(() => {
      const row = this.q(sql.updateOAuthClient).get(
        change.description ?? null,
        change.redirectUris === undefined ? null : JSON.stringify(change.redirectUris),
        change.nowSeconds,
        accountId,
        id,
      ) as OAuthClientRow | undefined;
      return row && toOAuthClient(row);
    });
  }

  async createAuthorizationCode(input: NewAuthorizationCode): Promise<void> {
    await this.writes.enqueue(() => {
      this.q(sql.deleteExpiredCodes).run(input.createdAt);
      this.q(sql.insertCode).run(
        input.codeHash,
        input.accountId,
        input.integration,
        scopesText(input.scopes),
        input.redirectUri,
        input.codeChallenge,
        input.adminEmail,
        input.createdAt,
        input.expiresAt,
      );
    });
  }

  takeAuthorizationCode(codeHash: string, client: IntegrationKey): Promise<AuthorizationCode | undefined> {
    return this.writes.enqueue(() => {
      const row = this.q(sql.takeCode).get(codeHash, client.accountId, client.integration) as
        AuthorizationCodeRow | undefined;
      return row && toAuthorizationCode(row);
    });
  }

  async createRefreshToken(input: NewRefreshToken): Promise<void> {
    await this.writes.enqueue(() => {
      this.q(sql.deleteExpiredRefreshTokens).run(input.createdAt);
      this.q(sql.deleteExpiredAccessTokens).run(input.createdAt);
      this.q(sql.insertRefreshToken).run(
        input.tokenHash,
        input.accountId,
        input.integration,
        scopesText(input.scopes),
        input.publicClient ? 1 : 0,
        input.createdAt,
        input.expiresAt,
        input.accessTokenId,
      );
    });
  }

  takeRefreshToken(tokenHash: string, client: IntegrationKey): Promise<RefreshToken | undefined> {
    return this.writes.enqueue(() => {
      const row = this.q(sql.takeRefreshToken).get(tokenHash, client.accountId, client.integration) as
        RefreshTokenRow | undefined;
      return row && toRefreshToken(row);
    });
  }

  async createConsoleSession(input: NewConsoleSession): Promise<void> {
    await this.writes.enqueue(() =>
      this.q(sessionSql.insertConsoleSession).run(input.idHash, input.accountId, input.nowSeconds, input.expiresAt),
    );
  }

  async consoleSessionActive(idHash: string, nowSeconds: number): Promise<boolean> {
    return this.q(sessionSql.consoleSessionActive).get(idHash, nowSeconds) !== undefined;
  }

  deleteConsoleSession(idHash: string): Promise<boolean> {
    return this.writes.enqueue(() => this.q(sessionSql.deleteConsoleSession).run(idHash).changes > 0);
  }

  pruneConsoleSessions(nowSeconds: number, limit: number): Promise<number> {
    return this.writes.enqueue(() => this.q(sessionSql.pruneConsoleSessions).run(nowSeconds, limit).changes);
  }
}
