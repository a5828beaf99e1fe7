import type { Command, Option } from 'commander';
import { loadSettings } from '../settings.js';
import { accountOption } from './account-option.js';
import { configsDelete, configsGet, configsList, configsSet, type ConfigFlags } from './config-commands.js';
import { accountsList, tokensList } from './list-commands.js';

type Flags<T> = T & { database?: string };

/**
 * Adds `accounts list`, `tokens list` and `configs get|set|list|delete` to their groups:
 * each works on the store directly, as the other commands do (no server needed).
 */
export function registerStoreCommands(
  groups: { accounts: Command; tokens: Command; configs: Command },
  databaseOption: () => Option,
): void {
  const json = ['--json', 'print JSON (the default when stdout is not a terminal)'] as const;

  groups.accounts
    .command('list')
    .description('List the accounts: id, subdomain, created')
    .option(...json)
    .addOption(databaseOption())
    .action(async (flags: Flags<{ json?: boolean }>) => {
      await accountsList(loadSettings(process.env, flags), flags);
    });

  groups.tokens
    .command('list')
    .description("List an account's ZIS access tokens (or, with --admin, its admin API tokens); never the tokens")
    .addOption(accountOption())
    .option('--admin', 'list the admin API tokens instead')
    .option(...json)
    .addOption(databaseOption())
    .action(async (flags: Flags<{ account?: string; admin?: boolean; json?: boolean }>) => {
      await tokensList(loadSettings(process.env, flags), flags);
    });

  groups.configs
    .command('get <integration> <scope>')
    .description('Print one config, as GET …/configs/{scope} answers it')
    .addOption(accountOption())
    .option(...json)
    .addOption(databaseOption())
    .action(async (integration: string, scope: string, flags: Flags<ConfigFlags>) => {
      await configsGet(loadSettings(process.env, flags), integration, scope, flags);
    });

  groups.configs
    .command('set <integration> <scope> [config]')
    .description('Create the config, or replace it if the scope exists; the config is JSON, "-" or absent: stdin')
    .addOption(accountOption())
    .option('--file <file>', 'read the config (JSON) from this file')
    .option(...json)
    .addOption(databaseOption())
    .action(
      async (
        integration: string,
        scope: string,
        config: string | undefined,
        flags: Flags<ConfigFlags & { file?: string }>,
      ) => {
        await configsSet(loadSettings(process.env, flags), integration, scope, config, flags);
      },
    );

  groups.configs
    .command('list <integration>')
    .description('List the configs whose scope matches --filter ("*" matches any run of characters)')
    .addOption(accountOption())
    .option('--filter <pattern>', 'scope pattern, e.g. "acme:*" (default "*": every config)')
    .option(...json)
    .addOption(databaseOption())
    .action(async (integration: string, flags: Flags<ConfigFlags & { filter?: string }>) => {
      await configsList(loadSettings(process.env, flags), integration, flags);
    });

  groups.configs
    .command('delete <integration> <scope>')
    .description('Delete one config')
    .addOption(accountOption())
    .addOption(databaseOption())
    .action(async (integration: string, scope: string, flags: Flags<ConfigFlags>) => {
      await configsDelete(loadSettings(process.env, flags), integration, scope, flags);
    });
}
