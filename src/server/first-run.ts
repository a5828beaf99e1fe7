import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount, issueAccessToken, registerIntegration } from '../accounts/provision.js';
import type { Clock } from '../clock.js';
import type { AccountStore, ConfigStore, TokenStore } from '../store/store.js';

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

/** The scope the banner's "Try it" lines write and read. */
export const tryItScope = 'my_scope';

/**
 * Whether the banner's example config exists yet: it decides which write the banner
 * prints (a create on the first start, a merge on every later one), so the printed command
 * succeeds on each start against the same data, not only the first.
 */
export async function tryItConfigExists(
  store: Pick<ConfigStore, 'getConfig'>,
  credentials: DevCredentials,
): Promise<boolean> {
  const key = { accountId: credentials.account_id, integration: credentials.integration };
  return (await store.getConfig(key, tryItScope)) !== undefined;
}

/**
 * The lines a new user reads: what was created and curl lines that work as printed. The
 * write is a create (POST) while `my_scope` does not exist, else a merge (PATCH) of the
 * same config: either answers 2xx, and the list read after it finds the config.
 */
export function devCredentialsBanner(
  credentials: DevCredentials,
  baseUrl: string,
  file: string,
  isNew: boolean,
  configExists = false,
): string {
  const url = `${baseUrl}/api/services/zis/integrations/${credentials.integration}/configs`;
  const auth = `-H "Authorization: Bearer ${credentials.access_token}"`;
  const json = `-H 'Content-Type: application/json'`;
  const write = configExists
    ? `  curl -X PATCH ${url}/${tryItScope} ${auth} ${json} -d '{"config":{"enabled":true}}'; echo`
    : `  curl -X POST ${url} ${auth} ${json} -d '{"scope":"${tryItScope}","config":{"enabled":true}}'; echo`;
  return [
    isNew ? 'First run: created a development account.' : 'Development account (created on first run):',
    `  account       ${credentials.subdomain} (id ${credentials.account_id})`,
    `  admin         ${credentials.admin_email} / API token ${credentials.api_token}`,
    `  integration   ${credentials.integration} (OAuth client ${credentials.oauth_client_identifier})`,
    `  ZIS token     ${credentials.access_token}`,
    `  kept in       ${file} (mode 0600)`,
    '',
    'Try it:',
    write,
    `  curl -g '${url}?filter[scope]=*' ${auth}; echo`,
    `Console: ${baseUrl}/console (sign in with the admin email and API token above)`,
    `API reference: ${baseUrl}/docs`,
    '',
  ].join('\n');
}
