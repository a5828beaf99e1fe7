import type { IntegrationRow } from './rows.js';
import { toIntegration } from './rows.js';
import type { AuthorizationCode, OAuthClient, RefreshToken } from './oauth-grant-records.js';
import { scopesOf } from './token-rows.js';

// The authorization-code grant's rows as both stores return them, and their records.

export type OAuthClientRow = IntegrationRow & {
  description: string;
  redirect_uris: string;
  updated_at: number | null;
};

export type AuthorizationCodeRow = {
  account_id: number;
  integration: string;
  scopes: string;
  redirect_uri: string;
  code_challenge: string | null;
  admin_email: string;
  created_at: number;
  expires_at: number;
};

export type RefreshTokenRow = {
  account_id: number;
  integration: string;
  scopes: string;
  /** SQLite: 0/1; PostgreSQL: a boolean. */
  public_client: number | boolean;
  created_at: number;
  expires_at: number;
};

/** Redirect URIs as stored: a JSON array of strings; anything else reads as none. */
function redirectUrisOf(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((uri): uri is string => typeof uri === 'string') : [];
  } catch {
    return [];
  }
}

export const toOAuthClient = (row: OAuthClientRow): OAuthClient => ({
  integration: toIntegration(row),
  description: row.description,
  redirectUris: redirectUrisOf(row.redirect_uris),
  updatedAt: row.updated_at ?? row.created_at,
});

export const toAuthorizationCode = (row: AuthorizationCodeRow): AuthorizationCode => ({
  accountId: row.account_id,
  integration: row.integration,
  scopes: scopesOf(row.scopes),
  redirectUri: row.redirect_uri,
  codeChallenge: row.code_challenge,
  adminEmail: row.admin_email,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

export const toRefreshToken = (row: RefreshTokenRow): RefreshToken => ({
  accountId: row.account_id,
  integration: row.integration,
  scopes: scopesOf(row.scopes),
  publicClient: row.public_client === true || row.public_client === 1,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});
