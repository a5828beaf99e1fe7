import { systemClock, type Clock } from '../clock.js';
import type { Settings } from '../settings.js';
import { openStore } from '../store/open-store.js';
import { storeOptionsOf } from '../store/store-options.js';
import { UsageError } from './commands.js';
import { resolveAccount } from './account-option.js';

/** A positive integer id from a flag, or a usage error naming the flag. */
function idFlag(name: string, text: string): number {
  const id = Number(text);
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(id)) {
    throw new UsageError(`${name} takes a token id, a positive integer; got "${text}"`);
  }
  return id;
}

/**
 * `switchboard tokens revoke --account S (--token-id N | --admin-token-id N)`: revokes a ZIS
 * access token (ids from `GET /api/v2/oauth/tokens`) or an admin API token (ids from
 * `GET /api/switchboard/v1/admin_tokens`). Running nodes stop accepting it within a second.
 * Unlike the API, it may revoke an account's last admin token (the operator's way out when
 * that token leaked).
 */
export async function tokensRevoke(
  settings: Settings,
  flags: { account?: string; tokenId?: string; adminTokenId?: string },
  clock: Clock = systemClock,
): Promise<void> {
  if ((flags.tokenId === undefined) === (flags.adminTokenId === undefined)) {
    throw new UsageError(
      'Give exactly one of --token-id N (a ZIS access token) or --admin-token-id N (an admin token)',
    );
  }
  const tokenId = flags.tokenId === undefined ? undefined : idFlag('--token-id', flags.tokenId);
  const adminTokenId = flags.adminTokenId === undefined ? undefined : idFlag('--admin-token-id', flags.adminTokenId);
  const store = await openStore(settings.databaseUrl, {
    ...storeOptionsOf(settings),
    clock,
  });
  try {
    await store.migrate();
    const account = await resolveAccount(store, flags.account);
    if (tokenId !== undefined) {
      if (!(await store.deleteAccessToken(account.id, tokenId))) {
        throw new UsageError(`No access token with id ${tokenId} on account "${account.subdomain}"`);
      }
      process.stdout.write(`Revoked access token ${tokenId} of ${account.subdomain}.\n`);
      return;
    }
    const outcome = await store.deleteAdminToken(account.id, adminTokenId!, { keepLast: false });
    if (outcome === 'not_found') {
      throw new UsageError(`No admin token with id ${adminTokenId} on account "${account.subdomain}"`);
    }
    process.stdout.write(`Revoked admin token ${adminTokenId} of ${account.subdomain}.\n`);
  } finally {
    await store.close();
  }
}
