import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../http/authenticate.js';
import type { Metrics } from '../ops/metrics.js';
import type { Settings } from '../settings.js';
import type { ChannelIntegration, ChannelStore, PullRecord } from '../store/channel-store.js';
import type { FailureLimiter } from '../store/failure-limiter.js';
import type { ReplyStore } from '../store/reply-store.js';
import { adminUiConsoleRoutes, adminUiReturnRoutes } from './admin-ui/admin-ui-routes.js';
import { requireAdmin, type ChannelContext } from './channel-context.js';
import { EventDeliverer } from './events/event-deliverer.js';
import { eventRoutes } from './events/event-routes.js';
import { integrationRoutes } from './integrations/integration-routes.js';
import { instanceRoutes } from './instances/instance-routes.js';
import { OutboundClient } from './outbound/outbound-client.js';
import type { PullDependencies } from './pull/pull-instance.js';
import { pullRoutes } from './pull/pull-routes.js';
import { PullScheduler } from './pull/pull-scheduler.js';
import type { HostAllows } from './push/push-auth.js';
import { pushRoutes } from './push/push-routes.js';
import { integrationSigningSecret } from './signing-secret.js';
import { reportErrorRoutes } from './channelback/report-error-routes.js';
import { ReplySender } from './channelback/reply-sender.js';
import { replyRoutes } from './channelback/reply-routes.js';
import { clickthroughRoutes } from './clickthrough/clickthrough-routes.js';
import { doctorRoutes, type DoctorWorkspace } from './doctor/doctor-routes.js';
import { DoctorRuns } from './doctor/doctor-runs.js';
import type { ExchangeStore } from '../store/exchange-store.js';
import { ExchangeRecorder } from './inspector/exchange-recorder.js';
import { exchangeRoutes } from './inspector/exchange-routes.js';

export type ChannelSettings = Pick<
  Settings,
  'mode' | 'pull' | 'events' | 'handoffTtlMs' | 'outboundAllow' | 'channelback' | 'shutdownGraceMs' | 'inspector'
>;

/** The client every call to an integration goes through, configured from settings. */
export function outboundClientFor(settings: Pick<Settings, 'mode' | 'pull' | 'outboundAllow'>): OutboundClient {
  return new OutboundClient({
    mode: settings.mode,
    timeoutMs: settings.pull.timeoutMs,
    maxResponseBytes: settings.pull.maxResponseBytes,
    extraAllowed: settings.outboundAllow,
    // Most instances of an integration share its origin: as many sockets as pulls in flight,
    // or a slow integration caps the loop at a handful of pulls at a time.
    connectionsPerOrigin: settings.pull.concurrency,
  });
}

/** What a pull needs, for the scheduler, the API and the CLI alike. */
export function pullDependenciesFor(options: {
  channels: ChannelStore;
  client: OutboundClient;
  settings: Pick<Settings, 'pull'>;
  secretKey: string;
  nowMs: () => number;
  metrics?: Metrics;
  /** Told of every failed pull, so its reason reaches the process log as well as the pull log. */
  onFailedPull?: (record: PullRecord) => void;
  /** Records each pull's request and answer (the inspector). */
  inspector?: ExchangeRecorder;
}): PullDependencies {
  const { settings, secretKey, metrics, onFailedPull } = options;
  return {
    inspector: options.inspector,
    store: options.channels,
    client: options.client,
    nowMs: options.nowMs,
    timing: { intervalMs: settings.pull.intervalMs, jitter: 0.1, maxBackoffMs: settings.pull.maxBackoffMs },
    deactivateAfter: settings.pull.deactivateAfter,
    leaseMs: settings.pull.leaseMs,
    signingSecretFor: (target) => integrationSigningSecret(secretKey, target.integration),
    observe: (record) => {
      metrics?.observePull(record);
      if (record.outcome !== 'ok') onFailedPull?.(record);
    },
  };
}

/**
 * Everything the Channel-framework host needs, built once per process: the outbound
 * client, the pull dependencies and (when enabled) this node's pull scheduler.
 */
export function createChannelHost(options: {
  channels: ChannelStore;
  replies: ReplyStore;
  /** The inspector's rings (`SWITCHBOARD_INSPECTOR_EXCHANGES`). */
  exchanges: ExchangeStore;
  settings: ChannelSettings;
  secretKey: string;
  nowMs: () => number;
  metrics: Metrics;
  log: (error: unknown) => void;
  onFailedPull?: (record: PullRecord) => void;
  /** Where absolute links (the admin UI's return_url) point: see `http/public-url.ts`. */
  publicUrlOf: (request: FastifyRequest) => string;
  /** Where an API doctor run works (`doctor/doctor-routes.ts`); without it the doctor routes refuse. */
  doctorWorkspace?: DoctorWorkspace;
}) {
  const { channels, settings, secretKey, nowMs, metrics } = options;
  // On stop, the work under way may finish within the same grace as the requests in flight.
  const drainMs = settings.shutdownGraceMs;
  const client = outboundClientFor(settings);
  const inspector = new ExchangeRecorder(options.exchanges, settings.inspector, options.log);
  const signingSecret = (integration: ChannelIntegration) => integrationSigningSecret(secretKey, integration);
  const pull = pullDependenciesFor({
    channels,
    client,
    settings,
    secretKey,
    nowMs,
    metrics,
    onFailedPull: options.onFailedPull,
    inspector,
  });
  const scheduler = new PullScheduler(channels, pull, {
    tickMs: Math.min(1000, settings.pull.intervalMs),
    concurrency: settings.pull.concurrency,
    drainMs,
    onError: options.log,
  });
  const replySender = new ReplySender(
    options.replies,
    { store: options.replies, client, nowMs, ...settings.channelback, signingSecretFor: signingSecret, inspector },
    { tickMs: 1000, concurrency: settings.channelback.concurrency, drainMs, onError: options.log },
  );
  const channelbackContext = (principalOf: (request: FastifyRequest) => Principal) => ({
    ...context(principalOf),
    replies: options.replies,
    mode: settings.mode,
    kickSender: () => replySender.kick(),
  });
  // `inspector` reaches each batch's DeliveryDependencies, which the deliverer spreads from its options.
  const delivererOptions = {
    ...settings.events,
    store: channels,
    client,
    nowMs,
    secretKey,
    drainMs,
    onError: options.log,
    inspector,
  };
  const deliverer = new EventDeliverer(delivererOptions);
  const doctorRuns = new DoctorRuns();
  const context = (principalOf: (request: FastifyRequest) => Principal): ChannelContext => ({
    channels,
    client,
    nowMs,
    pull,
    signingSecret,
    handoffTtlMs: settings.handoffTtlMs,
    principalOf,
    publicUrlOf: options.publicUrlOf,
    inspector,
  });
  return {
    client,
    scheduler,
    /** This node's channelback worker: started by `serve`, like the scheduler. */
    replySender,
    /** Event callbacks from the outbox: started by `serve`, like the scheduler. */
    deliverer,
    /** Routes that take admin credentials (register inside the authenticated scope). */
    registerAuthenticated: async (api: FastifyInstance, principalOf: (request: FastifyRequest) => Principal) => {
      await api.register(async function channelAdminApi(scope) {
        const ctx = context(principalOf);
        // Runs after the authentication hook: a bearer token answers 403 before the body is read.
        scope.addHook('onRequest', async (request) => {
          requireAdmin(ctx, request);
        });
        await scope.register(integrationRoutes, ctx);
        await scope.register(instanceRoutes, ctx);
        await scope.register(pullRoutes, ctx);
        await scope.register(eventRoutes, ctx);
        await scope.register(exchangeRoutes, { ...ctx, exchanges: options.exchanges });
        await scope.register(replyRoutes, channelbackContext(principalOf));
        await scope.register(clickthroughRoutes, channelbackContext(principalOf));
        await scope.register(doctorRoutes, {
          ...ctx,
          runs: doctorRuns,
          workspaceFor: options.doctorWorkspace ?? (async () => 'refused' as const),
          pullTimeoutMs: settings.pull.timeoutMs,
          maxResponseBytes: settings.pull.maxResponseBytes,
        });
      });
    },
    /**
     * What the console's pages call: the same store, client and pull dependencies as the
     * API routes, with the replies store for channelback.
     */
    contextFor: (principalOf: (request: FastifyRequest) => Principal) => channelbackContext(principalOf),
    /** The admin UI hand-off's console side (register inside the console's signed-in scope). */
    registerConsole: async (consoleScope: FastifyInstance, principalOf: (request: FastifyRequest) => Principal) => {
      await consoleScope.register(adminUiConsoleRoutes, context(principalOf));
    },
    /**
     * The admin UI's return_url, the push API and report_error: their tokens are the
     * credential, so failed push tokens count against `failures` like failed API tokens.
     */
    registerPublic: async (app: FastifyInstance, failures: FailureLimiter, hostAllows: HostAllows) => {
      await app.register(pushRoutes, { channels, nowMs, failures, hostAllows });
      await app.register(reportErrorRoutes, {
        ...channelbackContext(() => {
          throw new Error('report_error takes no principal');
        }),
        failures,
        hostAllows,
      });
      await app.register(
        adminUiReturnRoutes,
        context(() => {
          throw new Error('return_url takes no principal');
        }),
      );
    },
    /**
     * Stops the three leased workers at once: nothing more is claimed or begun, and each item
     * claimed is finished (within the grace) or handed back. `serve` calls it on SIGTERM,
     * before the requests in flight drain; `close` calls it again (the same stop).
     */
    stopWorkers: async () => {
      await Promise.all([scheduler.stop(), replySender.stop(), deliverer.stop()]);
    },
    close: async () => {
      await Promise.all([scheduler.stop(), replySender.stop(), deliverer.stop()]);
      await client.close();
    },
  };
}
