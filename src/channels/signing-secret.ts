import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChannelIntegration } from '../store/channel-store.js';

/**
 * The server's secret key, from `SWITCHBOARD_SECRET_KEY`, else kept in `{dataDir}/secret-key`
 * (created on first use, mode 0600). Nodes sharing a database must share the key.
 */
export function loadSecretKey(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'secret-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
  chmodSync(file, 0o600);
  return key;
}

/**
 * The secret that signs requests to one integration. Derived from the server key and the
 * integration's identity rather than stored, so the database holds no signing secret at all.
 */
export function integrationSigningSecret(
  secretKey: string,
  integration: Pick<ChannelIntegration, 'accountId' | 'id' | 'createdAt'>,
): string {
  return createHmac('sha256', secretKey)
    .update(`channel-integration:${integration.accountId}:${integration.id}:${integration.createdAt}`)
    .digest('base64url');
}
