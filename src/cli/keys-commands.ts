import { systemClock, type Clock } from '../clock.js';
import type { Settings } from '../settings.js';
import { loadCipher, newKeyLine } from '../store/encryption/encryption-keys.js';
import { rotateInstanceKeys } from '../store/encryption/key-rotation.js';
import { rotateZisSecretKeys } from '../store/encryption/zis-registry-rotation.js';
import { rotateExchangeKeys } from '../store/encryption/exchange-rotation.js';
import { openStore } from '../store/open-store.js';
import { storeOptionsOf } from '../store/store-options.js';
import { UsageError } from './commands.js';

/** Passes over the table at most: a row a writer changed during a pass is checked again in the next. */
const maxPasses = 5;

/** `switchboard keys generate [--id ID]`: prints a new `id:key` line (32 random bytes, base64). */
export function keysGenerate(flags: { id?: string }): void {
  if (flags.id !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(flags.id)) {
    throw new UsageError(`--id must be 1–32 letters, digits, _ or -; got "${flags.id}"`);
  }
  process.stdout.write(newKeyLine(flags.id) + '\n');
}

/**
 * `switchboard keys rotate [--batch-size N]`: re-encrypts every instance's metadata and
 * state not under the first key of the ring, in batches of one short transaction each,
 * while serving nodes keep reading and writing. Start every node with the new ring first
 * (new key first, old keys after it), then rotate; then the old key may leave the ring.
 * Idempotent and resumable: a second run finds nothing left to do.
 */
export async function keysRotate(
  settings: Settings,
  flags: { batchSize?: string },
  clock: Clock = systemClock,
): Promise<void> {
  const batchSize = Number(flags.batchSize ?? 500);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new UsageError(`--batch-size must be an integer from 1 to 10000; got "${flags.batchSize}"`);
  }
  const cipher = loadCipher(settings, { forServe: false });
  if (!cipher.enabled) {
    throw new UsageError(
      'No encryption key to rotate to: set SWITCHBOARD_ENCRYPTION_KEYS or SWITCHBOARD_ENCRYPTION_KEY_FILE (new key first)',
    );
  }
  const store = await openStore(settings.databaseUrl, {
    ...storeOptionsOf(settings),
    clock,
    cipher,
  });
  try {
    await store.migrate();
    const started = clock().getTime();
    let scanned = 0;
    let reencrypted = 0;
    let pass = 0;
    let changed = 0;
    do {
      pass += 1;
      const totals = await rotateInstanceKeys(store, { batchSize });
      if (pass === 1) scanned = totals.scanned;
      reencrypted += totals.reencrypted;
      changed = totals.changedMeanwhile;
    } while (changed > 0 && pass < maxPasses);
    // ZIS connection and OAuth client secrets, under the same ring: a row a writer changed
    // meanwhile was written under the writer's current key, so one pass is enough.
    const secrets = await rotateZisSecretKeys(store.zisRegistry, { batchSize });
    // The inspector's exchange bodies: one pass, as for the registry's secrets.
    const bodies = await rotateExchangeKeys(store.exchanges, { batchSize });
    const seconds = ((clock().getTime() - started) / 1000).toFixed(1);
    process.stdout.write(
      `Rotated to key "${cipher.currentKeyId}": re-encrypted ${reencrypted} of ${scanned} instances ` +
        `in ${seconds}s (${pass} pass${pass > 1 ? 'es' : ''}, batches of ${batchSize}), ` +
        `and ${secrets.reencrypted} of ${secrets.scanned} ZIS connection and OAuth client secrets.\n` +
        `Re-encrypted ${bodies.reencrypted} of ${bodies.scanned} inspector exchanges (request and answer bodies).\n`,
    );
    if (changed > 0) {
      throw new UsageError(
        `${changed} instances kept changing under concurrent writes; run "switchboard keys rotate" again`,
      );
    }
  } finally {
    await store.close();
  }
}
