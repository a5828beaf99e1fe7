import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChannelbackContext } from '../channels/channelback/channelback-context.js';
import type { Clock } from '../clock.js';
import type { Principal } from '../http/authenticate.js';
import type { FailureLimiter } from '../store/failure-limiter.js';
import type { Store } from '../store/store.js';
import { assetRoutes } from './asset-routes.js';
import { channelPages } from './channel-pages.js';
import { configEditPages } from './config-edit-pages.js';
import { configHistoryPages } from './config-history-pages.js';
import { configPages } from './config-pages.js';
import { consoleNotFoundRoutes, installConsoleErrors } from './console-errors.js';
import type { ConsoleContext } from './console-context.js';
import { instancePages } from './instance-pages.js';
import { exchangePages } from './exchange-pages.js';
import { loginRoutes, logoutRoutes } from './login-routes.js';
import { overviewPage } from './overview-page.js';
import { consoleKeys } from './session.js';
import { installSignIn, principalOf } from './signed-in.js';
import { tokenPages } from './token-pages.js';
import { oauthConsentPages } from './oauth-consent-pages.js';

export interface ConsoleOptions {
  store: Store;
  clock: Clock;
  /** The server's secret key: the session and CSRF keys derive from it. */
  secretKey: string;
  failures: FailureLimiter;
  baseDomain: string | undefined;
  maxConfigBytes: number;
  /** The Channel-framework host's console side: its context, and the admin-UI hand-off routes. */
  channelHost: {
    contextFor: (principalOf: (request: FastifyRequest) => Principal) => ChannelbackContext;
    registerConsole: (scope: FastifyInstance, principalOf: (request: FastifyRequest) => Principal) => Promise<void>;
  };
  onTokenRevoked: (tokenId: number) => void;
  /** The OAuth consent page lets `http` loopback redirect URIs pass unregistered (development). */
  allowLoopbackRedirects?: boolean;
}

/**
 * The admin console at `/console`: server-rendered pages over the same store calls and
 * feature functions as the API. The login page and the static files are open; everything
 * else takes a session (or basic auth, for scripts).
 */
export async function consoleRoutes(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const keys = consoleKeys(options.secretKey);
  const { store, clock, failures } = options;
  installConsoleErrors(app);
  await app.register(assetRoutes);
  await app.register(loginRoutes, { store, clock, keys, failures });

  await app.register(async function signedIn(scope) {
    installSignIn(scope, { store, clock, keys, failures, baseDomain: options.baseDomain });
    const context: ConsoleContext = {
      store,
      clock,
      maxConfigBytes: options.maxConfigBytes,
      channel: options.channelHost.contextFor(principalOf),
      onTokenRevoked: options.onTokenRevoked,
    };
    await scope.register(async function pages(forms) {
      await forms.register(formbody);
      await forms.register(logoutRoutes, { store });
      await forms.register(overviewPage, context);
      await forms.register(configPages, context);
      await forms.register(configEditPages, context);
      await forms.register(configHistoryPages, context);
      await forms.register(tokenPages, context);
      await forms.register(channelPages, context);
      await forms.register(instancePages, context);
      await forms.register(exchangePages, context);
      await forms.register(oauthConsentPages, {
        ...context,
        allowLoopbackRedirects: options.allowLoopbackRedirects ?? false,
      });
      await forms.register(consoleNotFoundRoutes);
    });
    // The admin UI hand-off keeps its routes in channels/, behind the same sign-in and CSRF check.
    await options.channelHost.registerConsole(scope, principalOf);
  });
}
