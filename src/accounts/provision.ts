import { epochSeconds, type Clock } from '../clock.js';
import { generateSecret, hashSecret } from '../security/secrets.js';
import {
  tokenPrefixLength,
  tokenScopes,
  type Account,
  type AccountStore,
  type Integration,
  type TokenScope,
  type TokenStore,
} from '../store/store.js';

const subdomainRegex = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why a subdomain is unacceptable, or undefined. */
export function subdomainProblem(subdomain: string): string | undefined {
  if (!subdomainRegex.test(subdomain)) {
    return `subdomain "${subdomain}" must be 1–63 lowercase letters, digits or hyphens, not starting or ending with a hyphen`;
  }
  return undefined;
}

export interface ProvisionedAccount {
  account: Account;
  adminEmail: string;
  /** Shown once; only its hash is stored. */
  apiToken: string;
}

/** Creates an account with one admin and a fresh API token. */
export async function createAccount(
  store: AccountStore,
  clock: Clock,
  input: { subdomain: string; id?: number; adminEmail?: string; doctor?: boolean },
): Promise<ProvisionedAccount | 'exists'> {
  const apiToken = generateSecret('sbat_');
  const adminEmail = input.adminEmail ?? `admin@${input.subdomain}.example`;
  const account = await store.createAccount({
    id: input.id,
    subdomain: input.subdomain,
    adminEmail,
    adminTokenHash: hashSecret(apiToken),
    nowSeconds: epochSeconds(clock),
    ...(input.doctor ? { doctor: true } : {}),
  });
  return account === 'exists' ? 'exists' : { account, adminEmail, apiToken };
}

export interface RegisteredIntegration {
  integration: Integration;
  /** Shown once; only its hash is stored. */
  clientSecret: string;
}

/**
 * Registers an integration and its OAuth client. The client identifier starts `zis_` as
 * the vendor's does, and carries the account id so that it is unique across accounts.
 */
export async function registerIntegration(
  store: TokenStore,
  clock: Clock,
  accountId: number,
  name: string,
  description = '',
): Promise<RegisteredIntegration | 'exists'> {
  const clientSecret = generateSecret();
  const integration = await store.createIntegration({
    accountId,
    name,
    clientIdentifier: `zis_${name}_${accountId}`,
    clientSecretHash: hashSecret(clientSecret),
    nowSeconds: epochSeconds(clock),
    description,
  });
  return integration === 'exists' ? 'exists' : { integration, clientSecret };
}

/** Issues a bearer token with read and write for one integration of one account. Shown once. */
export async function issueAccessToken(
  store: TokenStore,
  clock: Clock,
  accountId: number,
  integration: string,
): Promise<string> {
  return (await issueScopedAccessToken(store, clock, accountId, integration, tokenScopes)).token;
}

export interface IssuedAccessToken {
  id: number;
  /** Shown once; only its hash and its first {@link tokenPrefixLength} characters are stored. */
  token: string;
  tokenPrefix: string;
  createdAt: number;
}

/** Issues a bearer token with the given scopes for one integration of one account, expiring when asked. */
export async function issueScopedAccessToken(
  store: TokenStore,
  clock: Clock,
  accountId: number,
  integration: string,
  scopes: readonly TokenScope[],
  /** Epoch seconds after which it stops working; never when omitted. */
  expiresAt?: number,
): Promise<IssuedAccessToken> {
  const token = generateSecret('sbzt_');
  const tokenPrefix = token.slice(0, tokenPrefixLength);
  const createdAt = epochSeconds(clock);
  const { id } = await store.createAccessToken({
    tokenHash: hashSecret(token),
    accountId,
    integration,
    scopes,
    tokenPrefix,
    nowSeconds: createdAt,
    expiresAt,
  });
  return { id, token, tokenPrefix, createdAt };
}
