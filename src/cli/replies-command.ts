import { createReply } from '../channels/channelback/create-reply.js';
import { replyJson } from '../channels/channelback/reply-json.js';
import { systemClock, type Clock } from '../clock.js';
import { ApiError } from '../http/errors.js';
import type { Settings } from '../settings.js';
import { openStore } from '../store/open-store.js';
import { storeOptionsOf } from '../store/store-options.js';
import { loadCipher } from '../store/encryption/encryption-keys.js';
import { UsageError } from './commands.js';
import { resolveAccount } from './account-option.js';

/**
 * `switchboard replies create --account S --instance N --thread T --message M`: stores an
 * agent's reply to a thread, pending, and prints it. A running `serve` (its reply sender)
 * sends it to the integration's channelback_url within a second or so.
 */
export async function repliesCreate(
  settings: Settings,
  flags: { account?: string; instance: string; thread: string; message: string },
  clock: Clock = systemClock,
) {
  const store = await openStore(settings.databaseUrl, {
    ...storeOptionsOf(settings),
    clock,
    cipher: loadCipher(settings, { forServe: false }),
  });
  try {
    await store.migrate();
    const account = await resolveAccount(store, flags.account);
    const [instanceId, threadId] = [Number(flags.instance), Number(flags.thread)];
    if (!Number.isInteger(instanceId) || instanceId < 1 || !Number.isInteger(threadId) || threadId < 1) {
      throw new UsageError('--instance and --thread take ids: positive integers');
    }
    const reply = await createReply(
      { channels: store.channels, replies: store.replies },
      {
        accountId: account.id,
        instanceId,
        threadId,
        body: { message: flags.message },
        mode: settings.mode,
        nowMs: clock().getTime(),
      },
    ).catch((error: unknown) => {
      throw error instanceof ApiError ? new UsageError(error.detail) : error;
    });
    process.stdout.write(JSON.stringify({ reply: replyJson(reply) }, null, 2) + '\n');
  } finally {
    await store.close();
  }
}
