import { Option } from 'commander';
import type { Account, Store } from '../store/store.js';
import { UsageError } from './usage-error.js';

/** `--account <subdomain>`: optional, the only account when there is exactly one. */
export const accountOption = () =>
  new Option('--account <subdomain>', 'account subdomain (default: the only account, when there is one)');

/**
 * The account a command works on: the one `--account` names, or, without the flag, the
 * only account. No account, or several, is a usage error that says what to do.
 */
export async function resolveAccount(store: Store, subdomain: string | undefined): Promise<Account> {
  if (subdomain !== undefined) {
    const account = await store.findAccountBySubdomain(subdomain);
    if (!account) throw new UsageError(`No account with subdomain "${subdomain}"`);
    return account;
  }
  const accounts = await store.listAccounts();
  const [only] = accounts;
  if (only && accounts.length === 1) return only;
  if (accounts.length === 0) {
    throw new UsageError('No account yet: create one with "switchboard accounts create --subdomain NAME"');
  }
  const names = accounts.map((account) => account.subdomain).join(', ');
  throw new UsageError(`There are ${accounts.length} accounts (${names}): choose one with --account SUBDOMAIN`);
}
