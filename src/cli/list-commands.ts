import { formatTimestamp, systemClock } from '../clock.js';
import type { Settings } from '../settings.js';
import type { AccessTokenDetails } from '../store/store.js';
import { resolveAccount } from './account-option.js';
import { withStore } from './commands.js';
import { printListing, type JsonFlag } from './output.js';

const time = (seconds: number | null) => (seconds === null ? null : formatTimestamp(seconds));
const cell = (value: string | null) => value ?? '-';

/** `switchboard accounts list [--json]`: every account, id and subdomain; never a credential. */
export async function accountsList(settings: Settings, flags: JsonFlag): Promise<void> {
  await withStore(settings, systemClock, async (store) => {
    const accounts = await store.listAccounts();
    const json = accounts.map((account) => ({
      id: account.id,
      subdomain: account.subdomain,
      created_at: formatTimestamp(account.createdAt),
    }));
    printListing(flags, {
      json: { accounts: json },
      columns: [{ heading: 'id', align: 'right' }, { heading: 'subdomain' }, { heading: 'created' }],
      rows: json.map((account) => [String(account.id), account.subdomain, account.created_at]),
      empty: 'No account yet: create one with "switchboard accounts create --subdomain NAME".',
    });
  });
}

const pageSize = 500;

/** A ZIS access token as the CLI lists it: its first characters only, never the token or its hash. */
function accessTokenJson(token: AccessTokenDetails) {
  return {
    id: token.id,
    integration: token.integration,
    client_id: token.clientId,
    token: token.tokenPrefix === null ? null : `${token.tokenPrefix}...`,
    scopes: [...token.scopes],
    created_at: formatTimestamp(token.createdAt),
    expires_at: time(token.expiresAt),
    used_at: time(token.usedAt),
  };
}

/**
 * `switchboard tokens list [--account S] [--admin] [--json]`: the account's ZIS access
 * tokens (id, integration, first characters, scopes, times), or with `--admin` its admin API
 * tokens (id, email, created). Never a token or its hash: the ids are what `tokens revoke` takes.
 */
export async function tokensList(
  settings: Settings,
  flags: JsonFlag & { account?: string; admin?: boolean },
): Promise<void> {
  await withStore(settings, systemClock, async (store) => {
    const account = await resolveAccount(store, flags.account);
    if (flags.admin) {
      const tokens = (await store.listAdminTokens(account.id)).map((token) => ({
        id: token.id,
        email: token.email,
        created_at: formatTimestamp(token.createdAt),
      }));
      return printListing(flags, {
        json: { admin_tokens: tokens },
        columns: [{ heading: 'id', align: 'right' }, { heading: 'email' }, { heading: 'created' }],
        rows: tokens.map((token) => [String(token.id), token.email, token.created_at]),
        empty: `No admin token on ${account.subdomain}.`,
      });
    }
    const tokens: AccessTokenDetails[] = [];
    for (let afterId = 0; ;) {
      const page = await store.listAccessTokens(account.id, { afterId, limit: pageSize });
      tokens.push(...page);
      if (page.length < pageSize) break;
      afterId = page.at(-1)!.id;
    }
    const json = tokens.map(accessTokenJson);
    printListing(flags, {
      json: { tokens: json },
      columns: [
        { heading: 'id', align: 'right' },
        { heading: 'integration' },
        { heading: 'token' },
        { heading: 'scopes' },
        { heading: 'created' },
        { heading: 'expires' },
        { heading: 'used' },
      ],
      rows: json.map((token) => [
        String(token.id),
        token.integration,
        cell(token.token),
        token.scopes.join(' '),
        token.created_at,
        cell(token.expires_at),
        cell(token.used_at),
      ]),
      empty: `No ZIS access token on ${account.subdomain}: issue one with "switchboard tokens create --integration NAME".`,
    });
  });
}
