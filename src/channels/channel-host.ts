import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../http/authenticate.js';
import type { Metrics } from '../ops/metrics.js';
import type { Settings } from '../settings.js';
import type { ChannelStore } from '../store/channel-store.js';
import { adminUiConsoleRoutes, adminUiReturnRoutes } from './admin-ui/admin-ui-routes.js';
import type { ChannelContext } from './channel-context.js';
import { integrationRoutes } from './integrations/integration-routes.js';
import { instanceRoutes } from './instances/instance-routes.js';
import { OutboundClient } from './outbound/outbound-client.js';
import { pullRoutes } from './pull/pull-routes.js';
import { PullScheduler } from './pull/pull-scheduler.js';
import { integrationSigningSecret } from './signing-secret.js';

export type ChannelSettings = Pick<Settings, 'mode' | 'pull' | 'handoffTtlMs' | 'outboundAllow'>;

/**
 * Everything the Channel-framework host needs, built once per process: the outbound
 * client, the pull dependencies and (when enabled) this node's pull scheduler.
 */
export function createChannelHost(options: {
  channels: ChannelStore;
  settings: ChannelSettings;
  secretKey: string;
  now: () => number;
  metrics: Metrics;
  log: (error: unknown) => void;
}) {
  const { channels, settings, secretKey, now, metrics } = options;
  const client = new OutboundClient({
    mode: settings.mode,
    timeoutMs: settings.pull.timeoutMs,
    maxResponseBytes: settings.pull.maxResponseBytes,
    extraAllowed: settings.outboundAllow,
  });
  const signingSecret = (integration: Parameters<typeof integrationSigningSecret>[1]) =>
    integrationSigningSecret(secretKey, integration);
  const pull = {
    store: channels,
    client,
    now,
    timing: { intervalMs: settings.pull.intervalMs, jitter: 0.1, maxBackoffMs: settings.pull.maxBackoffMs },
    deactivateAfter: settings.pull.deactivateAfter,
    signingSecretFor: (target: { integration: Parameters<typeof signingSecret>[0] }) =>
      signingSecret(target.integration),
    observe: (record: Parameters<Metrics['observePull']>[0]) => metrics.observePull(record),
  };
  const scheduler = new PullScheduler(channels, pull, {
    tickMs: Math.min(1000, settings.pull.intervalMs),
    concurrency: settings.pull.concurrency,
    // A lease outlives the longest pull, so a live node never loses one mid-pull.
    leaseMs: settings.pull.timeoutMs * 2 + 5000,
    onError: options.log,
  });
  const context = (principalOf: (request: FastifyRequest) => Principal): ChannelContext => ({
    channels,
    client,
    now,
    pull,
    signingSecret,
    handoffTtlMs: settings.handoffTtlMs,
    principalOf,
  });
  return {
    client,
    scheduler,
    /** Routes that take admin credentials (register inside the authenticated scope). */
    registerAuthenticated: async (api: FastifyInstance, principalOf: (request: FastifyRequest) => Principal) => {
      const ctx = context(principalOf);
      await api.register(integrationRoutes, ctx);
      await api.register(instanceRoutes, ctx);
      await api.register(pullRoutes, ctx);
      await api.register(adminUiConsoleRoutes, ctx);
    },
    /** The admin UI's return_url: its token is the credential. */
    registerPublic: async (app: FastifyInstance) => {
      await app.register(
        adminUiReturnRoutes,
        context(() => {
          throw new Error('return_url takes no principal');
        }),
      );
    },
    close: async () => {
      await scheduler.stop();
      await client.close();
    },
  };
}
