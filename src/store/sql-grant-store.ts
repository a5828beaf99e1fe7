import type { AuthorizationCode, NewAuthorizationCode, NewRefreshToken, OAuthClient } from './oauth-grant-records.js';
import type { OAuthClientChange, RefreshToken } from './oauth-grant-records.js';
import {
  toAuthorizationCode,
  toOAuthClient,
  toRefreshToken,
  type AuthorizationCodeRow,
  type OAuthClientRow,
  type RefreshTokenRow,
} from './oauth-grant-rows.js';
import { consoleSessionStatements } from './sql/console-sessions.js';
import { oauthGrantStatements } from './sql/oauth-grants.js';
import { forDialect } from './sql/render.js';
import { countOf, type SqlRunner } from './sql-runner.js';
import type { GrantStore, IntegrationKey, NewConsoleSession } from './store.js';
import { scopesText } from './token-rows.js';

/** OAuth codes, refresh tokens, OAuth clients' settings and console sessions, on either store. */
export class SqlGrantStore implements GrantStore {
  private readonly sql;

  constructor(private readonly db: SqlRunner) {
    this.sql = forDialect(db.dialect, { ...oauthGrantStatements, ...consoleSessionStatements });
  }

  async listOAuthClients(accountId: number): Promise<OAuthClient[]> {
    return (await this.db.rows<OAuthClientRow>(this.sql.oauthClientsOfAccount, [accountId])).map(toOAuthClient);
  }

  async findOAuthClient(accountId: number, id: number): Promise<OAuthClient | undefined> {
    const [row] = await this.db.rows<OAuthClientRow>(this.sql.oauthClientById, [accountId, id]);
    return row && toOAuthClient(row);
  }

  async updateOAuthClient(accountId: number, id: number, change: OAuthClientChange): Promise<OAuthClient | undefined> {
    const redirectUris = change.redirectUris === undefined ? null : JSON.stringify(change.redirectUris);
    const [row] = await this.db.writeRows<OAuthClientRow>(this.sql.updateOAuthClient, [
      ...[change.description ?? null, redirectUris, change.nowSeconds, accountId, id],
    ]);
    return row && toOAuthClient(row);
  }

  async createAuthorizationCode(input: NewAuthorizationCode): Promise<void> {
    const sql = this.sql;
    await this.db.write(function* () {
      yield* countOf(sql.deleteExpiredCodes, [input.createdAt]);
      yield* countOf(sql.insertCode, [
        ...[input.codeHash, input.accountId, input.integration, scopesText(input.scopes), input.redirectUri],
        ...[input.codeChallenge, input.adminEmail, input.createdAt, input.expiresAt],
      ]);
    });
  }

  async takeAuthorizationCode(codeHash: string, client: IntegrationKey): Promise<AuthorizationCode | undefined> {
    const values = [codeHash, client.accountId, client.integration];
    const [row] = await this.db.writeRows<AuthorizationCodeRow>(this.sql.takeCode, values);
    return row && toAuthorizationCode(row);
  }

  async createRefreshToken(input: NewRefreshToken): Promise<void> {
    const sql = this.sql;
    await this.db.write(function* () {
      yield* countOf(sql.deleteExpiredRefreshTokens, [input.createdAt]);
      yield* countOf(sql.deleteExpiredAccessTokens, [input.createdAt]);
      yield* countOf(sql.insertRefreshToken, [
        ...[input.tokenHash, input.accountId, input.integration, scopesText(input.scopes), input.publicClient],
        ...[input.createdAt, input.expiresAt, input.accessTokenId],
      ]);
    });
  }

  async takeRefreshToken(tokenHash: string, client: IntegrationKey): Promise<RefreshToken | undefined> {
    const values = [tokenHash, client.accountId, client.integration];
    const [row] = await this.db.writeRows<RefreshTokenRow>(this.sql.takeRefreshToken, values);
    return row && toRefreshToken(row);
  }

  async createConsoleSession(input: NewConsoleSession): Promise<void> {
    const values = [input.idHash, input.accountId, input.nowSeconds, input.expiresAt];
    await this.db.writeCount(this.sql.insertConsoleSession, values);
  }

  async consoleSessionActive(idHash: string, nowSeconds: number): Promise<boolean> {
    return (await this.db.rows(this.sql.consoleSessionActive, [idHash, nowSeconds])).length > 0;
  }

  async deleteConsoleSession(idHash: string): Promise<boolean> {
    return (await this.db.writeCount(this.sql.deleteConsoleSession, [idHash])) > 0;
  }

  pruneConsoleSessions(nowSeconds: number, limit: number): Promise<number> {
    return this.db.writeCount(this.sql.pruneConsoleSessions, [nowSeconds, limit]);
  }
}
