import { epochSeconds, type Clock } from '../clock.js';
import { generateSecret, hashSecret } from '../security/secrets.js';
import type { Account, Integration, Store } from '../store/store.js';

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
  store: Store,
  clock: Clock,
  input: { subdomain: string; id?: number; adminEmail?: string },
): Promise<ProvisionedAccount | 'exists'> {
  const apiToken = generateSecret('sbat_');
  const adminEmail = input.adminEmail ?? `admin@${input.subdomain}.example`;
  const account = await store.createAccount({
    id: input.id,
    subdomain: input.subdomain,
    adminEmail,
    adminTokenHash: hashSecret(apiToken),
    nowSeconds: epochSeconds(clock),
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
  store: Store,
  clock: Clock,
  accountId: number,
  name: string,
): Promise<RegisteredIntegration | 'exists'> {
  const clientSecret = generateSecret();
  const integration = await store.createIntegration({
    accountId,
    name,
    clientIdentifier: `zis_${name}_${accountId}`,
    clientSecretHash: hashSecret(clientSecret),
    nowSeconds: epochSeconds(clock),
  });
  return integration === 'exists' ? 'exists' : { integration, clientSecret };
}

/** Issues a bearer token for one integration of one account. Shown once. */
export async function issueAccessToken(
  store: Store,
  clock: Clock,
  accountId: number,
  integration: string,
): Promise<string> {
  const token = generateSecret('sbzt_');
  await store.createAccessToken({
    tokenHash: hashSecret(token),
    accountId,
    integration,
    nowSeconds: epochSeconds(clock),
  });
  return token;
}
