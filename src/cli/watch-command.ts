import { formatTimestamp } from '../clock.js';
import { ApiError } from '../http/errors.js';
import type { Settings } from '../settings.js';
import { openStore } from '../store/open-store.js';
import { storeOptionsOf } from '../store/store-options.js';
import { loadCipher } from '../store/encryption/encryption-keys.js';
import type { ConfigRevision } from '../store/store.js';
import { ChangeFollower } from '../zis/changes/change-follower.js';
import { ChangeHub } from '../zis/changes/change-hub.js';
import { changeJson } from '../zis/changes/change-json.js';
import { feedStart } from '../zis/changes/feed-start.js';
import { parseScopeFilter } from '../zis/configs/scope-filter.js';
import { UsageError } from './commands.js';
import { resolveAccount } from './account-option.js';

export interface WatchFlags {
  account?: string;
  filter?: string;
  since?: string;
  json?: boolean;
  pollMs?: string;
}

/** `42 2026-11-27T19:40:00Z merge app/settings "7-3"`: one line per change. */
export function changeLine(change: ConfigRevision): string {
  return [
    change.revision,
    formatTimestamp(change.changedAtSeconds),
    change.operation,
    change.scope,
    `"${change.configId}-${change.version}"`,
  ].join(' ');
}

/**
 * `switchboard configs watch <integration> --account S [--filter F] [--since N] [--json]`:
 * prints the integration's config changes, one line each, until interrupted (SIGINT or
 * SIGTERM). The same feed as `GET …/changes`: from `--since` (default: now), never skipping
 * or repeating one. Wakes on the store's notifications (every node's on PostgreSQL) and
 * re-reads every `--poll-ms` for writes this process cannot hear (another process on SQLite).
 */
export async function configsWatch(
  settings: Settings,
  integration: string,
  flags: WatchFlags,
  stopped: Promise<unknown> = stopSignal(),
): Promise<void> {
  const parsed = parseScopeFilter(flags.filter ?? '*');
  if ('problem' in parsed) throw new UsageError(`--filter: ${parsed.problem}`);
  const since = flags.since === undefined ? undefined : Number(flags.since);
  if (since !== undefined && !(Number.isSafeInteger(since) && since >= 0)) {
    throw new UsageError('--since takes a revision number: 0 or more');
  }
  const pollMs = Number(flags.pollMs ?? 1000);
  if (!Number.isInteger(pollMs) || pollMs < 10)
    throw new UsageError('--poll-ms takes a whole number of ms, 10 or more');

  const store = await openStore(settings.databaseUrl, {
    ...storeOptionsOf(settings),
    cipher: loadCipher(settings, { forServe: false }),
  });
  try {
    await store.migrate();
    const account = await resolveAccount(store, flags.account);
    if (!(await store.findIntegration(account.id, integration))) {
      throw new UsageError(`The account "${account.subdomain}" has no integration "${integration}"`);
    }
    let cursor: number;
    try {
      cursor = feedStart({ since }, await store.revisionBounds(account.id));
    } catch (error) {
      throw error instanceof ApiError ? new UsageError(error.detail.replace('since=', '--since ')) : error;
    }
    const hub = new ChangeHub(store, { pollMs });
    let failure: unknown;
    let fail: () => void = () => {};
    const failed = new Promise<void>((resolve) => (fail = resolve));
    const follower = new ChangeFollower({
      hub,
      key: { accountId: account.id, integration },
      pattern: parsed.pattern,
      cursor,
      deliver: (changes) => {
        const text = changes.map((change) => (flags.json ? changeJson(change) : changeLine(change))).join('\n');
        if (!process.stdout.write(text + '\n')) return new Promise((resolve) => process.stdout.once('drain', resolve));
      },
      onError: (error) => {
        failure = error;
        fail();
      },
    });
    follower.start();
    // The hub's timer does not hold a process open (a server's does not need it to): this does.
    const keepAlive = setInterval(() => {}, 1 << 30);
    await Promise.race([stopped, failed]);
    clearInterval(keepAlive);
    follower.close();
    hub.close();
    if (failure !== undefined) throw failure;
  } finally {
    await store.close();
  }
}

/** Resolves on the first SIGINT or SIGTERM: the watch ends cleanly, exit code 0. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
