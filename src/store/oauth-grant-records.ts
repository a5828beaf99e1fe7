import type { Integration } from './records.js';

/** store.ts's `TokenScope`, restated: that file imports this one. */
type TokenScope = 'read' | 'write';

// The OAuth authorization-code grant's stored records, and the OAuth client fields the
// Support API's /api/v2/oauth/clients shows. Times are whole epoch seconds; codes and
// refresh tokens are kept only as hashes.

/** An integration's OAuth client with the fields an admin edits through the Support API. */
export interface OAuthClient {
  integration: Integration;
  description: string;
  /** Where the authorization-code grant may send a code: absolute URLs, as set. */
  redirectUris: string[];
  /** Epoch seconds; the creation time when it was never changed. */
  updatedAt: number;
}

/** What `PUT /api/v2/oauth/clients/{id}` changes; an absent field stays as it is. */
export interface OAuthClientChange {
  description?: string;
  redirectUris?: string[];
  nowSeconds: number;
}

/** A one-use authorization code, as the console's consent stored it. */
export interface AuthorizationCode {
  accountId: number;
  integration: string;
  scopes: TokenScope[];
  redirectUri: string;
  /** PKCE S256 challenge (base64url of SHA-256 of the verifier), or null. */
  codeChallenge: string | null;
  adminEmail: string;
  createdAt: number;
  expiresAt: number;
}

export interface NewAuthorizationCode extends Omit<AuthorizationCode, 'scopes'> {
  codeHash: string;
  scopes: readonly TokenScope[];
}

/** A refresh token: one use, then replaced. */
export interface RefreshToken {
  accountId: number;
  integration: string;
  scopes: TokenScope[];
  /** Issued to a PKCE exchange without the client secret: refreshed without it too. */
  publicClient: boolean;
  createdAt: number;
  expiresAt: number;
}

export interface NewRefreshToken extends Omit<RefreshToken, 'scopes'> {
  tokenHash: string;
  scopes: readonly TokenScope[];
  /** The access token issued beside it: revoking that one deletes this one. */
  accessTokenId: number;
}
