import { open } from 'node:fs/promises';
import { createAccount, issueAccessToken, registerIntegration, subdomainProblem } from '../accounts/provision.js';
import { describeCounts } from '../backup/backup-record.js';
import { exportBackup, exportBackupToFile } from '../backup/export-backup.js';
import { importBackup } from '../backup/import-backup.js';
import { systemClock, type Clock } from '../clock.js';
import type { Settings } from '../settings.js';
import { openStore } from '../store/open-store.js';
import { storeOptionsOf } from '../store/store-options.js';
import { loadCipher } from '../store/encryption/encryption-keys.js';
import type { Store } from '../store/store.js';
import { isIntegrationName } from '../zis/names.js';
import { resolveAccount } from './account-option.js';
import { UsageError } from './usage-error.js';

export { UsageError };

/** Opens and migrates the store `settings` name, runs `work` on it, and closes it. */
export async function withStore<T>(
  settings: Settings,
  clock: Clock,
  work: (store: Store, schemaVersion: number) => Promise<T>,
): Promise<T> {
  const store = await openStore(settings.databaseUrl, {
    ...storeOptionsOf(settings),
    clock,
    cipher: loadCipher(settings, { forServe: false }),
  });
  try {
    const report = await store.migrate();
    return await work(store, report.to);
  } finally {
    await store.close();
  }
}

const print = (json: boolean | undefined, value: object, text: string) =>
  process.stdout.write(json ? JSON.stringify(value) + '\n' : text + '\n');

/** `switchboard migrate`: apply pending migrations. */
export async function migrate(settings: Settings, clock: Clock = systemClock): Promise<void> {
  const store = await openStore(settings.databaseUrl, {
    ...storeOptionsOf(settings),
    clock,
    cipher: loadCipher(settings, { forServe: false }),
  });
  try {
    const report = await store.migrate();
    process.stdout.write(
      report.from === report.to
        ? `Database is up to date (schema version ${report.to}).\n`
        : `Migrated from schema version ${report.from} to ${report.to}.\n`,
    );
  } finally {
    await store.close();
  }
}

/**
 * `switchboard accounts create --subdomain S [--id N] [--email E] --json` prints
 * `{"id":N,"subdomain":"S","admin_email":"…","api_token":"…"}`.
 */
export async function accountsCreate(
  settings: Settings,
  flags: { subdomain: string; id?: string; email?: string; json?: boolean; doctor?: boolean },
  clock: Clock = systemClock,
): Promise<void> {
  const problem = subdomainProblem(flags.subdomain);
  if (problem) throw new UsageError(problem);
  let id: number | undefined;
  if (flags.id !== undefined) {
    id = Number(flags.id);
    if (!Number.isSafeInteger(id) || id < 1) throw new UsageError(`--id must be a positive integer; got "${flags.id}"`);
  }
  await withStore(settings, clock, async (store) => {
    const created = await createAccount(store, clock, {
      subdomain: flags.subdomain,
      id,
      adminEmail: flags.email,
      doctor: flags.doctor === true,
    });
    if (created === 'exists') {
      throw new UsageError(`An account with subdomain "${flags.subdomain}"${id ? ` or id ${id}` : ''} already exists`);
    }
    const { account, adminEmail, apiToken } = created;
    print(
      flags.json,
      {
        id: account.id,
        subdomain: account.subdomain,
        admin_email: adminEmail,
        api_token: apiToken,
        ...(account.doctor ? { doctor: true } : {}),
      },
      `Created ${account.doctor ? 'doctor ' : ''}account ${account.subdomain} (id ${account.id}).\nAdmin: ${adminEmail}\nAPI token (shown once): ${apiToken}`,
    );
  });
}

/**
 * `switchboard tokens create --account S --integration I --json` prints
 * `{"access_token":"…","account_id":N,"integration":"I"}`, registering the integration first
 * if it is not yet.
 */
export async function tokensCreate(
  settings: Settings,
  flags: { account?: string; integration: string; json?: boolean },
  clock: Clock = systemClock,
): Promise<void> {
  if (!isIntegrationName(flags.integration)) {
    throw new UsageError(`--integration must match ^[a-z0-9_-]{1,64}$; got "${flags.integration}"`);
  }
  await withStore(settings, clock, async (store) => {
    const account = await resolveAccount(store, flags.account);
    if (!(await store.findIntegration(account.id, flags.integration))) {
      await registerIntegration(store, clock, account.id, flags.integration);
    }
    const token = await issueAccessToken(store, clock, account.id, flags.integration);
    print(
      flags.json,
      { access_token: token, account_id: account.id, integration: flags.integration },
      `ZIS access token for ${flags.integration} on ${account.subdomain} (shown once): ${token}`,
    );
  });
}

/**
 * `switchboard export [--output FILE]`: the whole store as a backup (JSON lines) on stdout or
 * in FILE; a one-line summary on stderr, so stdout holds the backup only.
 */
export async function exportCommand(
  settings: Settings,
  flags: { output?: string; decrypt?: boolean },
  clock: Clock = systemClock,
): Promise<void> {
  await withStore(settings, clock, async (store, schemaVersion) => {
    const decryptWith = flags.decrypt ? loadCipher(settings, { forServe: false }) : undefined;
    const options = { schemaVersion, clock, decryptWith };
    const counts = flags.output
      ? await exportBackupToFile(store, flags.output, options)
      : await exportBackup(store, process.stdout, { ...options, end: false });
    process.stderr.write(
      `Exported ${describeCounts(counts)} from ${store.dialect} (schema version ${schemaVersion})` +
        `${flags.decrypt ? ', metadata and state decrypted' : ''}` +
        `${flags.output ? ` to ${flags.output}` : ''}.\n`,
    );
  });
}

/**
 * `switchboard import [--input FILE]`: restores a backup from stdin or FILE into an empty
 * store, all or nothing; a one-line summary on stderr.
 */
export async function importCommand(
  settings: Settings,
  flags: { input?: string },
  clock: Clock = systemClock,
): Promise<void> {
  // Opened before the store, so a wrong path fails before the database is touched.
  const input = flags.input
    ? (
        await open(flags.input, 'r').catch((error: Error) => {
          throw new UsageError(`Cannot read --input ${flags.input}: ${error.message}`);
        })
      ).createReadStream()
    : process.stdin;
  await withStore(settings, clock, async (store, schemaVersion) => {
    const cipher = loadCipher(settings, { forServe: false });
    const { header, counts, plaintextValues } = await importBackup(store, input, { schemaVersion, cipher });
    process.stderr.write(
      `Imported ${describeCounts(counts)} into ${store.dialect} ` +
        `(a backup of ${header.source} exported at ${header.exportedAt}).\n`,
    );
    if (plaintextValues > 0 && cipher.enabled) {
      process.stderr.write(
        `${plaintextValues} instance values were imported as plaintext; ` +
          `run "switchboard keys rotate" to encrypt them under key "${cipher.currentKeyId}".\n`,
      );
    }
  });
}
