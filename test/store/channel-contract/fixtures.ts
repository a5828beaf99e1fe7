import { afterAll, beforeAll } from 'vitest';
import type {
  ChannelIntegration,
  ChannelStore,
  Instance,
  PullCompletion,
  PulledResource,
  PullTarget,
} from '../../../src/store/channel-store.js';
import type { ChannelStoreKind, OpenedChannelStore } from '../../helpers/channel-stores.js';

/** Epoch milliseconds. */
export const T0 = 1_700_000_000_000;
export const A = 1;
export const B = 2;

export const manifestJson = (pullUrl: string | null | { href: string } = { href: 'https://chat.example/pull' }) =>
  JSON.stringify({
    name: 'Chat',
    id: 'com.example.chat',
    urls: {
      admin_ui: { href: 'https://chat.example/admin', scheme: 'https', written: './admin' },
      ...(pullUrl === null
        ? {}
        : { pull_url: typeof pullUrl === 'string' ? pullUrl : { ...pullUrl, scheme: 'https', written: './pull' } }),
    },
  });

export const resource = (externalId: string, links: { parentId?: string; threadId?: string } = {}): PulledResource => ({
  externalId,
  parentId: links.parentId ?? null,
  threadId: links.threadId ?? null,
  payloadJson: JSON.stringify({ external_id: externalId, message: `message ${externalId}` }),
});

/** Test data builders over one channel store. */
export function builders(channels: () => ChannelStore) {
  let n = 0;
  const integration = (accountId = A, pullUrl?: string | null | { href: string }, now = T0) =>
    channels().createIntegration({
      accountId,
      remoteId: 'com.example.chat',
      name: 'Chat',
      manifestUrl: 'https://chat.example/manifest.json',
      manifestJson: manifestJson(pullUrl),
      nowMs: now,
    });
  const instance = (
    on: ChannelIntegration,
    fields: { name?: string; metadata?: string; state?: string; now?: number } = {},
  ) =>
    channels().createInstance({
      accountId: on.accountId,
      integrationId: on.id,
      name: fields.name ?? `instance ${++n}`,
      metadata: fields.metadata ?? '{"token":"t"}',
      state: fields.state ?? '',
      instancePushId: `push-${++n}-${Math.random()}`,
      pushTokenHash: `hash-${n}`,
      nowMs: fields.now ?? T0,
    });
  const completion = (of: Instance | PullTarget, fields: Partial<PullCompletion> = {}): PullCompletion => {
    const target = 'instance' in of ? of.instance : of;
    return {
      instanceId: target.id,
      startedAt: T0 + 1000,
      durationMs: 250,
      outcome: 'ok',
      httpStatus: 200,
      error: null,
      stateVersionAtStart: target.stateVersion,
      resources: [],
      nextPullAt: T0 + 120_000,
      deactivateAfter: 3,
      nowMs: T0 + 1250,
      ...fields,
    };
  };
  const claim = async (of: Instance, now = T0 + 1000) => {
    const claimed = await channels().claimInstance(of.accountId, of.id, { nowMs: now, leaseMs: 60_000, owner: 'test' });
    if (typeof claimed === 'string') throw new Error(`claim refused: ${claimed}`);
    return claimed;
  };
  return { integration, instance, completion, claim };
}

/** A migrated store of `kind` with accounts A and B. */
export async function openContractStore(kind: ChannelStoreKind): Promise<OpenedChannelStore> {
  const opened = await kind.open();
  for (const [id, subdomain] of [
    [A, 'acme'],
    [B, 'beta'],
  ] as const) {
    await opened.store.createAccount({
      id,
      subdomain,
      adminEmail: 'a@x',
      adminTokenHash: `h-${subdomain}`,
      nowSeconds: 1,
    });
  }
  return opened;
}

/**
 * One store for the enclosing suite: opened before its tests (`onOpen` receives it), closed
 * after them. Returns the data builders over its channel store.
 */
export function useContractStore(kind: ChannelStoreKind, onOpen: (opened: OpenedChannelStore) => void) {
  let opened: OpenedChannelStore | undefined;
  beforeAll(async () => {
    opened = await openContractStore(kind);
    onOpen(opened);
  });
  afterAll(async () => {
    await opened?.cleanup();
  });
  return builders(() => opened!.channels);
}
