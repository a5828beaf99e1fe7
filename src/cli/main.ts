import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { loadSettings } from '../settings.js';
import {
  instancesList,
  integrationsList,
  integrationsRegister,
  integrationsRemove,
  pullNow,
} from './channel-commands.js';
import { serve } from '../server/serve.js';
import { repliesCreate } from './replies-command.js';
import { tokensRevoke } from './revoke-command.js';
import { keysGenerate, keysRotate } from './keys-commands.js';
import { caCommand } from './ca-command.js';
import { configsWatch, type WatchFlags } from './watch-command.js';
import { accountsCreate, exportCommand, importCommand, migrate, tokensCreate } from './commands.js';
import { configsHistory, type HistoryFlags } from './history-command.js';
import { accountOption } from './account-option.js';
import { registerStoreCommands } from './store-commands.js';
import { doctorCli, type DoctorFlags } from './doctor-command.js';

const databaseOption = () =>
  new Option(
    '--database <url>',
    'sqlite:PATH or postgres://… (default: env DATABASE_URL, else sqlite:./data/switchboard.db)',
  );

// The package's own version: package.json sits two folders up from src/cli/ and dist/cli/ alike.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command()
  .name('switchboard')
  .description('Integration configs (ZIS-compatible) and channel integration host')
  .version(version, '-V, --version', 'print the version and exit')
  .showHelpAfterError();

program
  .command('serve')
  .description('Run the HTTP service')
  .option('--port <port>', 'port to listen on (env PORT, default 3000)')
  .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
  .addOption(databaseOption())
  .option(
    '--wait-for-database <seconds>',
    'at start, wait this long for an unreachable database (env SWITCHBOARD_WAIT_FOR_DATABASE_SECONDS, default 0)',
  )
  .action(async (flags: { port?: string; host?: string; database?: string; waitForDatabase?: string }) => {
    await serve(loadSettings(process.env, flags));
  });

program
  .command('ca')
  .description("The local development CA's certificate path (created on first use); --pem prints the certificate")
  .option('--pem', 'print the certificate (PEM) instead of its path')
  .action(async (flags: { pem?: boolean }) => {
    await caCommand(loadSettings(process.env), flags);
  });

program
  .command('migrate')
  .description('Apply pending database migrations, then exit')
  .addOption(databaseOption())
  .action(async (flags: { database?: string }) => {
    await migrate(loadSettings(process.env, flags));
  });

const accounts = program.command('accounts').description('Manage accounts');
accounts
  .command('create')
  .description('Create an account with an admin and its API token (shown once)')
  .requiredOption('--subdomain <subdomain>', 'unique subdomain, e.g. acme')
  .option('--id <id>', 'account id (zendesk_account_id); default: the next free one')
  .option('--email <email>', 'admin email (default admin@{subdomain}.example)')
  .option('--json', 'print JSON')
  .option('--doctor', "a doctor account: the integration doctor's own on a production server, never a tenant")
  .addOption(databaseOption())
  .action(
    async (flags: {
      subdomain: string;
      id?: string;
      email?: string;
      json?: boolean;
      doctor?: boolean;
      database?: string;
    }) => {
      await accountsCreate(loadSettings(process.env, flags), flags);
    },
  );

const tokens = program.command('tokens').description('Manage ZIS access tokens and revoke admin tokens');
tokens
  .command('create')
  .description('Issue a ZIS bearer token for an integration (registering the integration if needed)')
  .addOption(accountOption())
  .requiredOption('--integration <name>', 'integration name')
  .option('--json', 'print JSON')
  .addOption(databaseOption())
  .action(async (flags: { account?: string; integration: string; json?: boolean; database?: string }) => {
    await tokensCreate(loadSettings(process.env, flags), flags);
  });

tokens
  .command('revoke')
  .description('Revoke a ZIS access token or an admin API token; every node stops accepting it within a second')
  .addOption(accountOption())
  .option('--token-id <id>', 'a ZIS access token id (GET /api/v2/oauth/tokens)')
  .option('--admin-token-id <id>', 'an admin API token id (GET /api/switchboard/v1/admin_tokens)')
  .addOption(databaseOption())
  .action(async (flags: { account?: string; tokenId?: string; adminTokenId?: string; database?: string }) => {
    await tokensRevoke(loadSettings(process.env, flags), flags);
  });

program
  .command('export')
  .description('Write a complete backup (JSON lines) to stdout or a file; secrets only as hashes')
  .option('--output <file>', 'write the backup to this file instead of stdout')
  .option('--decrypt', "write instances' metadata and state as plaintext (default: as stored, encrypted, with key ids)")
  .addOption(databaseOption())
  .action(async (flags: { output?: string; decrypt?: boolean; database?: string }) => {
    await exportCommand(loadSettings(process.env, flags), flags);
  });

program
  .command('import')
  .description('Restore a backup from stdin or a file into an empty database, all or nothing')
  .option('--input <file>', 'read the backup from this file instead of stdin')
  .addOption(databaseOption())
  .action(async (flags: { input?: string; database?: string }) => {
    await importCommand(loadSettings(process.env, flags), flags);
  });

const configs = program.command('configs').description('ZIS configs: read, write, list, delete, history and changes');
configs
  .command('watch <integration>')
  .description("Print the integration's config changes as they happen, one line each, until interrupted")
  .addOption(accountOption())
  .option('--filter <scope>', 'scopes to watch, "*" matching any run of characters (default: all)')
  .option('--since <revision>', 'print the changes after this revision first (default: from now)')
  .option('--json', 'print each change as a JSON line, as the HTTP feed sends it')
  .option('--poll-ms <ms>', 'also re-read this often, for writes no notification reaches (default 1000)')
  .addOption(databaseOption())
  .action(async (integration: string, flags: WatchFlags & { database?: string }) => {
    await configsWatch(loadSettings(process.env, flags), integration, flags);
  });

const keys = program.command('keys').description('Encryption keys for metadata and state at rest');
keys
  .command('generate')
  .description('Print a new key as an id:key line, for SWITCHBOARD_ENCRYPTION_KEYS or a key file')
  .option('--id <id>', 'the key id (default: k and 8 random hex digits)')
  .action((flags: { id?: string }) => keysGenerate(flags));
keys
  .command('rotate')
  .description('Re-encrypt every value under the first key of the ring, online, in short batches')
  .option('--batch-size <n>', 'rows per transaction (default 500)')
  .addOption(databaseOption())
  .action(async (flags: { batchSize?: string; database?: string }) => {
    await keysRotate(loadSettings(process.env, flags), flags);
  });

const integrations = program.command('integrations').description('Manage channel integrations');
integrations
  .command('register')
  .description('Register a channel integration by manifest URL; prints it with its signing secret')
  .addOption(accountOption())
  .requiredOption('--manifest-url <url>', 'the integration manifest URL')
  .addOption(databaseOption())
  .action(async (flags: { account?: string; manifestUrl: string; database?: string }) => {
    await integrationsRegister(loadSettings(process.env, flags), flags);
  });
integrations
  .command('list')
  .description('List channel integrations')
  .addOption(accountOption())
  .option('--json', 'print JSON (the default when stdout is not a terminal)')
  .addOption(databaseOption())
  .action(async (flags: { account?: string; json?: boolean; database?: string }) => {
    await integrationsList(loadSettings(process.env, flags), flags);
  });
integrations
  .command('remove')
  .description('Remove a channel integration and its instances')
  .addOption(accountOption())
  .requiredOption('--id <id>', 'integration id')
  .addOption(databaseOption())
  .action(async (flags: { account?: string; id: string; database?: string }) => {
    await integrationsRemove(loadSettings(process.env, flags), flags);
  });

program
  .command('instances')
  .description('List the instances of an account (metadata redacted)')
  .addOption(accountOption())
  .option('--json', 'print JSON (the default when stdout is not a terminal)')
  .addOption(databaseOption())
  .action(async (flags: { account?: string; json?: boolean; database?: string }) => {
    await instancesList(loadSettings(process.env, flags), flags);
  });

program
  .command('pull')
  .description('Pull one instance now and print the outcome')
  .addOption(accountOption())
  .requiredOption('--instance <id>', 'instance id')
  .addOption(databaseOption())
  .action(async (flags: { account?: string; instance: string; database?: string }) => {
    await pullNow(loadSettings(process.env, flags), flags);
  });

const replies = program.command('replies').description("Agents' replies, sent to the integration (channelback)");
replies
  .command('create')
  .description('Reply to a thread; a running serve sends it to the channelback_url')
  .addOption(accountOption())
  .requiredOption('--instance <id>', 'instance id')
  .requiredOption('--thread <id>', 'thread id')
  .requiredOption('--message <text>', 'the reply, 1–65535 characters')
  .addOption(databaseOption())
  .action(async (flags: { account?: string; instance: string; thread: string; message: string; database?: string }) => {
    await repliesCreate(loadSettings(process.env, flags), flags);
  });

// The `configs` group may be declared above already (for `configs watch`).
const configsGroup =
  program.commands.find((command) => command.name() === 'configs') ??
  program.command('configs').description('ZIS configs: their history and changes');
configsGroup
  .command('history <integration> <scope>')
  .description("Print a config's revisions, newest first: number, time, operation, ETag, who, config")
  .addOption(accountOption())
  .option('--limit <n>', 'how many revisions (default 20)')
  .option('--before <revision>', 'only revisions before this one (the next page)')
  .option('--json', 'print each revision as a JSON line, as the history API answers it')
  .addOption(databaseOption())
  .action(async (integration: string, scope: string, flags: HistoryFlags & { database?: string }) => {
    await configsHistory(loadSettings(process.env, flags), integration, scope, flags);
  });

registerStoreCommands({ accounts, tokens, configs: configsGroup }, databaseOption);
program
  .command('doctor <manifest_url>')
  .description(
    'Check a channel integration against every protocol rule, on a throwaway host of its own; ' +
      'exit 0 (no errors), 1 (errors) or 2 (could not run)',
  )
  .option('--metadata <json>', 'complete the admin UI hand-off with this metadata (else a person completes it)')
  .option('--metadata-file <path>', 'the same, read from a file')
  .option('--wait <seconds>', 'how long to wait for a person (the hand-off) and for pushes (default 60)')
  .option('--channelback-thread <id>', 'send a test reply to this thread (it sends a real message)')
  .option('--keep', "keep the doctor's temporary store (and its integration) afterwards")
  .option('--json', 'print the report as JSON')
  .option('--junit <file>', 'also write the report as JUnit XML')
  .option('--port <port>', "where the doctor's host listens on 127.0.0.1 (default: a free port)")
  .action(async (manifestUrl: string, flags: DoctorFlags) => {
    process.exitCode = await doctorCli(manifestUrl, flags);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`switchboard: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
