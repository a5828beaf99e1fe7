import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount, issueAccessToken, registerIntegration } from '../accounts/provision.js';
import type { Clock } from '../clock.js';
import type { AccountStore, TokenStore } from '../store/store.js';

/** What the first run creates, as kept in `{dataDir}/dev-credentials.json` (mode 0600). */
export interface DevCredentials {
  subdomain: string;
  account_id: number;
  admin_email: string;
  api_token: string;
  integration: string;
  oauth_client_identifier: string;
  oauth_client_secret: string;
  access_token: string;
}

export const devCredentialsFile = (dataDir: string) => join(dataDir, 'dev-credentials.json');

/**
 * On an empty database outside production: a `dev` account, its admin token, the
 * integration `my_integration` and a ZIS token for it. Returns the credentials, new or
 * kept from an earlier first run (`isNew` false), or undefined when there are none to show.
 */
export async function ensureDevCredentials(
  store: AccountStore & TokenStore,
  clock: Clock,
  dataDir: string,
): Promise<{ credentials: DevCredentials; isNew: boolean } | undefined> {
  const file = devCredentialsFile(dataDir);
  if (!(await store.isEmpty())) {
    if (!existsSync(file)) return undefined;
    try {
      return { credentials: JSON.parse(readFileSync(file, 'utf8')) as DevCredentials, isNew: false };
    } catch {
      return undefined;
    }
  }
  const provisioned = await createAccount(store, clock, { subdomain: 'dev' });
  if (provisioned === 'exists') return undefined; // another process won the race
  const integration = 'my_integration';
  const registered = await registerIntegration(store, clock, provisioned.account.id, integration);
  if (registered === 'exists') return undefined;
  const accessToken = await issueAccessToken(store, clock, provisioned.account.id, integration);
  const credentials: DevCredentials = {
    subdomain: provisioned.account.subdomain,
    account_id: provisioned.account.id,
    admin_email: provisioned.adminEmail,
    api_token: provisioned.apiToken,
    integration,
    oauth_client_identifier: registered.integration.clientIdentifier,
    oauth_client_secret: registered.clientSecret,
    access_token: accessToken,
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { credentials, isNew: true };
}

/** The lines a new user reads: what was created and a curl line that works as printed. */
export function devCredentialsBanner(
  credentials: DevCredentials,
  baseUrl: string,
  file: string,
  isNew: boolean,
): string {
  const url = `${baseUrl}/api/services/zis/integrations/${credentials.integration}/configs`;
  return [
    isNew ? 'First run: created a development account.' : 'Development account (created on first run):',
    `  account       ${credentials.subdomain} (id ${credentials.account_id})`,
    `  admin         ${credentials.admin_email} / API token ${credentials.api_token}`,
    `  integration   ${credentials.integration} (OAuth client ${credentials.oauth_client_identifier})`,
    `  ZIS token     ${credentials.access_token}`,
    `  kept in       ${file} (mode 0600)`,
    '',
    'Try it:',
    `  curl -X POST ${url} -H "Authorization: Bearer ${credentials.access_token}" -H 'Content-Type: application/json' -d '{"scope":"my_scope","config":{"enabled":true}}'`,
    `  curl -g '${url}?filter[scope]=*' -H "Authorization: Bearer ${credentials.access_token}"`,
    `Console: ${baseUrl}/console (sign in with the admin email and API token above)`,
    `API reference: ${baseUrl}/docs`,
    '',
  ].join('\n');
}
