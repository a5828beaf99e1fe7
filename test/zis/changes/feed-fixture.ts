import { call, createTenant, startServer, type Tenant, type TestServer } from '../../helpers/server.js';
import type { OpenedStore, StoreKind } from '../../helpers/stores.js';
import type { Settings } from '../../../src/settings.js';
import { loadSettings } from '../../../src/settings.js';

export const configsPath = (integration = 'feed') => `/api/services/zis/integrations/${integration}/configs`;
export const changesPath = (integration = 'feed') => `/api/switchboard/v1/integrations/${integration}/changes`;

/** A real server over a fresh store of `kind`, with an account whose integrations are `feed` and `other`. */
export interface FeedFixture {
  opened: OpenedStore;
  server: TestServer;
  tenant: Tenant;
  token: string;
  /** A request with the `feed` integration's token. */
  req: (method: string, url: string, options?: Parameters<typeof call>[3]) => ReturnType<typeof call>;
  /** Writes a config through the API (create or merge), resolving with the status. */
  write: (scope: string, config: Record<string, unknown>) => Promise<number>;
  close: () => Promise<void>;
}

/** Settings for feed tests: heartbeats and the safety poll fast enough to see in a test. */
export function feedSettings(overrides: Partial<Settings> = {}): Partial<Settings> {
  const defaults = loadSettings({});
  return {
    changes: { heartbeatMs: 50, pollMs: 60_000, maxStreamsPerClient: 1000 },
    connections: defaults.connections,
    ...overrides,
  };
}

export async function openFeedFixture(kind: StoreKind, settings: Partial<Settings> = feedSettings()) {
  const opened = await kind.open();
  const server = await startServer(opened.store, { settings });
  const tenant = await createTenant(opened.store, 'acme', ['feed', 'other']);
  const token = tenant.tokens.feed!;
  const req: FeedFixture['req'] = (method, url, options = {}) =>
    call(server.baseUrl, method, url, { token, ...options });
  const write: FeedFixture['write'] = async (scope, config) => {
    const merged = await req('PATCH', `${configsPath()}/${encodeURIComponent(scope)}`, { body: { config } });
    if (merged.status !== 404) return merged.status;
    return (await req('POST', configsPath(), { body: { scope, config } })).status;
  };
  return {
    opened,
    server,
    tenant,
    token,
    req,
    write,
    close: async () => {
      await server.close();
      await opened.cleanup();
    },
  } satisfies FeedFixture;
}
