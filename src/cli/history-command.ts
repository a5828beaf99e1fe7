import { formatTimestamp } from '../clock.js';
import type { Settings } from '../settings.js';
import { openStore } from '../store/open-store.js';
import { storeOptionsOf } from '../store/store-options.js';
import { loadCipher } from '../store/encryption/encryption-keys.js';
import type { ConfigRevision } from '../store/store.js';
import { revisionEtag, revisionJson } from '../zis/history/revision-json.js';
import { scopeProblem } from '../zis/names.js';
import { UsageError } from './commands.js';
import { resolveAccount } from './account-option.js';

export interface HistoryFlags {
  account?: string;
  limit?: string;
  before?: string;
  json?: boolean;
}

/** `12 2026-11-27T19:40:00Z merge "7-3" token:17 {"a":1}`: one line per revision. */
export function revisionLine(revision: ConfigRevision): string {
  return [
    revision.revision,
    formatTimestamp(revision.changedAtSeconds),
    revision.operation,
    revisionEtag(revision),
    `${revision.actor.type}:${revision.actor.id}`,
    revision.configJson ?? '-',
  ].join(' ');
}

const positive = (flag: string, raw: string | undefined, fallback: number | undefined) => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} takes a whole number, 1 or more`);
  return value;
};

/**
 * `switchboard configs history <integration> <scope> --account S [--limit N] [--before R] [--json]`:
 * the scope's revisions, newest first, one line each (or JSON lines shaped as the history
 * API answers them). Fails when the scope never had a revision.
 */
export async function configsHistory(
  settings: Settings,
  integration: string,
  scope: string,
  flags: HistoryFlags,
): Promise<void> {
  const problem = scopeProblem(scope);
  if (problem) throw new UsageError(`Invalid scope: ${problem}`);
  const limit = positive('--limit', flags.limit, 20)!;
  const before = positive('--before', flags.before, undefined);
  const store = await openStore(settings.databaseUrl, {
    ...storeOptionsOf(settings),
    cipher: loadCipher(settings, { forServe: false }),
  });
  try {
    await store.migrate();
    const account = await resolveAccount(store, flags.account);
    const key = { accountId: account.id, integration };
    const revisions = await store.listConfigRevisions(key, scope, { beforeRevision: before, limit });
    if (revisions.length === 0 && (await store.listConfigRevisions(key, scope, { limit: 1 })).length === 0) {
      throw new UsageError(
        `The config "${scope}" of integration "${integration}" on ${account.subdomain} has no history`,
      );
    }
    const lines = revisions.map((revision) => (flags.json ? revisionJson(revision) : revisionLine(revision)));
    if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await store.close();
  }
}
