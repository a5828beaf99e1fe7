import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { createAccount } from '../accounts/provision.js';
import { readFileSync } from 'node:fs';
import { systemClock, type Clock } from '../clock.js';
import { createChannelHost } from '../channels/channel-host.js';
import { healthRoutes } from '../ops/health-routes.js';
import { Metrics, metricsRoutes } from '../ops/metrics.js';
import { logDatabaseHealth } from '../ops/database-log.js';
import { StoreUnavailableError } from '../store/store-errors.js';
import { registerOpenApi } from '../ops/openapi.js';
import { recordRoutes } from '../ops/route-list.js';
import { rootRoute } from '../ops/root-route.js';
import type { Settings } from '../settings.js';
import type { Store } from '../store/store.js';
import { ChangeHub } from '../zis/changes/change-hub.js';
import { changeRoutes } from '../zis/changes/change-routes.js';
import { consoleRoutes } from '../console/console-routes.js';
import { configRoutes } from '../zis/configs/config-routes.js';
import { installConfigReadFastLane } from './config-read-install.js';
import { ReadCacheEpochs } from '../zis/configs/read-cache-epochs.js';
import { RenderedConfigs, type KeptAnswers } from '../zis/configs/rendered-configs.js';
import { historyRoutes } from '../zis/history/history-routes.js';
import { oauthTokenRoutes } from '../zis/registry/oauth-token-routes.js';
import { registryRoutes } from '../zis/registry/registry-routes.js';
import { bundleRoutes } from '../zis/bundles/bundle-routes.js';
import { jobSpecRoutes } from '../zis/bundles/job-spec-routes.js';
import { connectionRoutes } from '../zis/connections/connection-routes.js';
import { zisOAuthClientRoutes } from '../zis/connections/oauth-client-routes.js';
import { authenticate, checkHostAccount, credentialKeyOf, type Principal } from '../http/authenticate.js';
import { answerClientError, answerConnect, answerFrameworkError } from '../http/client-errors.js';
import { installErrorHandling } from '../http/error-handler.js';
import { checkingFailures } from '../http/failure-limits.js';
import { limitRequestsPerClient } from '../http/per-client-limit.js';
import { installJsonBodyParser } from '../http/json-body.js';
import { installBodyBudget } from '../http/body-budget.js';
import { PrincipalCache } from '../http/principal-cache.js';
import { logRequestLine, requestIdHeader, requestIdOf, type RequestLineLevel } from '../http/request-log.js';
import { publicBaseUrl, subdomainOfHost } from '../http/public-url.js';
import { lazySchemaCompilers } from '../http/validators.js';
import { watchRevocations } from '../http/revocation-watch.js';
import { adminTokenRoutes } from '../support/admin-token-routes.js';
import { supportOAuthRoutes } from '../support/oauth-routes.js';
import { supportOAuthClientRoutes } from '../support/oauth-client-routes.js';
import { oauthAuthorizeRoute } from '../support/oauth-authorize-route.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** How often each node reads the credential revocation version, ms. */
const revocationCheckMs = 250;

export interface AppOptions {
  store: Store;
  settings: Pick<
    Settings,
    | 'bodyLimit'
    | 'bodyBytesInFlight'
    | 'maxConfigBytes'
    | 'baseDomain'
    | 'publicUrl'
    | 'trustProxy'
    | 'logLevel'
    | 'mode'
    | 'pull'
    | 'events'
    | 'handoffTtlMs'
    | 'outboundAllow'
    | 'authCacheMs'
    | 'readCacheEntries'
    | 'connections'
    | 'changes'
    | 'authFailures'
    | 'channelback'
    | 'shutdownGraceMs'
    | 'inspector'
  > &
    // Absent is off.
    Partial<Pick<Settings, 'postgresReadCache'>>;
  /** The key integration signing secrets derive from; random per process when omitted. */
  secretKey?: string;
  clock?: Clock;
  /** A pino logger options object, or false for none (tests). */
  logger?: boolean | object;
  /** A ready-made pino logger; wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** The level of the one line per request: `info` (default), `debug` for the readable development log. */
  requestLogLevel?: RequestLineLevel;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The Host was `{subdomain}.{baseDomain}` and named the principal's account. */
    hostNamedAccount: boolean;
  }
  interface FastifyInstance {
    /** The Channel-framework host: its pull scheduler is started by `serve`, not here. */
    channelHost: ReturnType<typeof createChannelHost>;
    /** This node's change feed: one subscription to the store's change notifications, its watchers. */
    changeHub: ChangeHub;
  }
}

/** Builds the whole HTTP application around a migrated store. Does not listen. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { store, settings } = options;
  const clock = options.clock ?? systemClock;
  const requestLogLevel = options.requestLogLevel ?? 'info';
  const app = Fastify({
    ...(options.loggerInstance
      ? { loggerInstance: options.loggerInstance }
      : { logger: options.logger ?? { level: settings.logLevel } }),
    bodyLimit: settings.bodyLimit,
    schemaController: lazySchemaCompilers,
    trustProxy: settings.trustProxy,
    // Not fastify's header rule (it keeps any value the client sends): ours, which the lane
    // before fastify (config-read-install.ts) uses too.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Scopes may be 255 characters, three times that URL-encoded.
    routerOptions: { maxParamLength: 2048 },
    return503OnClosing: true,
    // Slow clients are cut off (408) rather than held forever; checked every second.
    requestTimeout: settings.connections.requestTimeoutMs,
    keepAliveTimeout: settings.connections.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(settings.connections.headersTimeoutMs, settings.connections.requestTimeoutMs),
      connectionsCheckingInterval: 1000,
    },
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    // One line per request (below) instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // First: the OpenAPI document and its coverage test see every route registered below.
  recordRoutes(app);
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header(requestIdHeader, request.id);
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    logRequestLine(
      request.log,
      request.method,
      request.url,
      reply.statusCode,
      reply.elapsedTime,
      undefined,
      requestLogLevel,
    );
    done();
  });
  app.server.maxConnections = settings.connections.maxConnections;
  app.server.on('connect', answerConnect);
  const perClient = limitRequestsPerClient(app, settings.connections.maxRequestsPerClient);
  installErrorHandling(app);
  installJsonBodyParser(app);
  installBodyBudget(app, settings.bodyBytesInFlight);
  app.decorateRequest('hostNamedAccount', false);
  const publicUrlOf = (request: FastifyRequest) => publicBaseUrl(request, settings, request.hostNamedAccount);
  // No principal here: a Host naming any existing account is kept.
  await registerOpenApi(app, version, async (request) => {
    const subdomain = subdomainOfHost(request.hostname, settings.baseDomain);
    const named = subdomain !== undefined && (await store.findAccountBySubdomain(subdomain)) !== undefined;
    return publicBaseUrl(request, settings, named);
  });
  const metrics = new Metrics({ database: store.databaseHealth });
  if (store.databaseHealth) {
    const stopLogging = logDatabaseHealth(store.databaseHealth, app.log);
    app.addHook('onClose', async () => stopLogging());
  }
  const secretKey = options.secretKey ?? randomBytes(32).toString('base64url');
  const channelHost = createChannelHost({
    channels: store.channels,
    replies: store.replies,
    exchanges: store.exchanges,
    settings,
    secretKey,
    nowMs: () => clock().getTime(),
    metrics,
    log: (error) => app.log.error({ err: error }, 'pull loop error'),
    // The reason is the pull log's: written never to quote metadata or state.
    publicUrlOf,
    // A doctor run (the API's) never works in a tenant's account: a throwaway account in
    // development, the caller's own doctor account in production.
    doctorWorkspace: async (account) => {
      if (settings.mode === 'production') {
        return account.doctor ? { accountId: account.id, subdomain: account.subdomain } : 'refused';
      }
      const created = await createAccount(store, clock, { subdomain: `doctor-${randomBytes(6).toString('hex')}` });
      if (created === 'exists') throw new Error('a new doctor account collided with an existing subdomain');
      return { accountId: created.account.id, subdomain: created.account.subdomain };
    },
    onFailedPull: (pull) =>
      app.log.warn(
        { instance_id: pull.instanceId, pull_id: pull.id, http_status: pull.httpStatus, error: pull.error },
        'pull failed',
      ),
  });
  app.decorate('channelHost', channelHost);
  app.addHook('onClose', async () => channelHost.close());
  const changeHub = new ChangeHub(store, { pollMs: settings.changes.pollMs });
  app.decorate('changeHub', changeHub);
  app.addHook('onClose', async () => changeHub.close());
  await app.register(healthRoutes, { store });
  await app.register(rootRoute, { version });
  await app.register(metricsRoutes, { metrics });
  const failures = store.createFailureLimiter(settings.authFailures);
  await app.register(oauthTokenRoutes, { store, clock, failures, baseDomain: settings.baseDomain });
  await app.register(oauthAuthorizeRoute);
  // A push token on `{subdomain}.{base domain}` must be that account's (as credentials on every route).
  await channelHost.registerPublic(app, failures, async (request, accountId) => {
    const subdomain = subdomainOfHost(request.hostname, settings.baseDomain);
    if (subdomain === undefined) return true;
    return (await store.findAccountBySubdomain(subdomain))?.id === accountId;
  });
  // The system clock as Date.now: no Date allocated per request on the hot path.
  const nowMs = clock === systemClock ? Date.now : () => clock().getTime();
  const principals = new PrincipalCache<Principal>(settings.authCacheMs, undefined, nowMs);
  // SQLite reads at once and keeps rendered answers per read epoch. PostgreSQL reads
  // through the pool, one round trip per read, so a write through any node is read at
  // once; with its read cache on, answers are kept per account until its next change
  // notification, while the LISTEN connection is up. The list route keeps its pages in the
  // same place, for the lane to answer again.
  const syncReads = store.capabilities.syncReads;
  const readCache =
    !syncReads && settings.postgresReadCache ? new ReadCacheEpochs(store, store.capabilities) : undefined;
  if (readCache) app.addHook('onClose', async () => readCache.close());
  const readEpoch = syncReads
    ? syncReads.configReadEpoch
    : readCache && ((accountId: number) => readCache.epochOf(accountId));
  const keptAnswers: KeptAnswers | undefined = readEpoch && {
    cache: new RenderedConfigs(settings.readCacheEntries),
    readEpoch,
  };
  installConfigReadFastLane(app, {
    readConfig: syncReads ? syncReads.getConfigAtOnce : (key, scope) => store.getConfig(key, scope),
    kept: keptAnswers,
    // The lane's waiting reads are not counted per client: at most one client's worth of
    // them, and past that reads take the route and its per-client limit.
    maxPendingReads: settings.connections.maxRequestsPerClient,
    principals,
    someClientAtLimit: perClient.someClientAtLimit,
    baseDomain: settings.baseDomain,
    requestLogLevel,
  });
  // Open change streams were authenticated once, when they began: a revocation anywhere
  // makes each check its credential again (so the watch runs even without a cache).
  const revocationListeners: (() => void)[] = [];
  const credentialsRevoked = () => {
    for (const listener of revocationListeners) listener();
  };
  // Revoked here (API or console): this process stops trusting the token at once (others within authCacheMs).
  const tokenRevoked = (id: number) => {
    principals.evict((p) => p.kind === 'token' && p.tokenId === id);
    credentialsRevoked();
  };

  // The admin console: its own sign-in (session cookie or basic auth), pages over the same calls.
  await app.register(consoleRoutes, {
    store,
    clock,
    secretKey,
    failures,
    baseDomain: settings.baseDomain,
    maxConfigBytes: settings.maxConfigBytes,
    channelHost,
    onTokenRevoked: tokenRevoked,
    allowLoopbackRedirects: settings.mode === 'development',
  });

  // Everything under /api takes credentials: checked before the body is read.
  await app.register(async function authenticatedApi(api) {
    api.decorateRequest('principal', null);
    // Revocations through other nodes or the CLI reach this node within this interval.
    const revocations = await watchRevocations({
      readVersion: () => store.credentialRevocationVersion(),
      intervalMs: revocationCheckMs,
      onChange: () => {
        principals.clear();
        credentialsRevoked();
      },
      // An unavailable database is logged once per outage (ops/database-log.ts), not every tick.
      onError: (error) =>
        error instanceof StoreUnavailableError && error.stateLogged
          ? app.log.debug('could not read the credential revocation version: the database is unavailable')
          : app.log.warn({ err: error }, 'could not read the credential revocation version'),
    });
    api.addHook('onClose', async () => revocations.stop());
    const resolvePrincipal = async (request: FastifyRequest, cached: Principal | undefined) => {
      const header = request.headers.authorization;
      let principal = cached;
      if (!principal) {
        const generation = principals.generation;
        principal = await checkingFailures(failures, request, credentialKeyOf(header), () =>
          authenticate(store, request, clock),
        );
        const expiresAt = principal.kind === 'token' ? principal.expiresAt : null;
        principals.set(header!, principal, generation, expiresAt === null ? Infinity : expiresAt * 1000);
      }
      request.hostNamedAccount = await checkHostAccount(store, request, settings.baseDomain, principal);
      request.principal = principal;
      request.credentialsChecked = true;
    };
    // Callback style: a cached credential on a Host that names no account (most requests)
    // costs no promise and no extra turn of the event loop.
    api.addHook('onRequest', (request, _reply, done) => {
      const header = request.headers.authorization;
      const cached = header === undefined ? undefined : principals.get(header);
      if (cached && (!settings.baseDomain || subdomainOfHost(request.hostname, settings.baseDomain) === undefined)) {
        request.principal = cached;
        request.credentialsChecked = true;
        done();
        return;
      }
      resolvePrincipal(request, cached).then(() => done(), done);
    });
    const principalOf = (request: FastifyRequest): Principal => request.principal!;
    await api.register(configRoutes, {
      store,
      clock,
      maxConfigBytes: settings.maxConfigBytes,
      principalOf,
      publicUrlOf,
      keptAnswers,
    });
    await api.register(historyRoutes, { store, clock, principalOf, publicUrlOf });
    await api.register(registryRoutes, { store, clock, principalOf });
    // The ZIS registry routes setup scripts call: bundles, job specs, connections, OAuth clients.
    await api.register(bundleRoutes, { store, clock, principalOf });
    await api.register(jobSpecRoutes, { store, clock, principalOf });
    await api.register(connectionRoutes, { store, clock, principalOf });
    await api.register(zisOAuthClientRoutes, { store, clock, principalOf });
    await api.register(changeRoutes, {
      store,
      hub: changeHub,
      principalOf,
      heartbeatMs: settings.changes.heartbeatMs,
      confirmWithinMs: settings.changes.pollMs,
      maxStreamsPerClient: settings.changes.maxStreamsPerClient,
      stillAuthenticated: (request) =>
        authenticate(store, request, clock).then(
          () => true,
          () => false,
        ),
      onCredentialsRevoked: (listener) => revocationListeners.push(listener),
    });
    await api.register(supportOAuthRoutes, {
      store,
      clock,
      principalOf,
      publicUrlOf,
      // Revoked here: this process stops trusting the token at once (others within authCacheMs).
      onTokenRevoked: tokenRevoked,
    });
    await api.register(supportOAuthClientRoutes, { store, clock, principalOf, publicUrlOf });
    // Admin principals do not carry their token's id: a revocation clears the whole cache.
    await api.register(adminTokenRoutes, {
      store,
      principalOf,
      onAdminTokenRevoked: () => {
        principals.clear();
        credentialsRevoked();
      },
    });
    await channelHost.registerAuthenticated(api, principalOf);
  });
  return app;
}
