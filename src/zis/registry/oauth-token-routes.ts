import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { issueAccessToken } from '../../accounts/provision.js';
import type { Clock } from '../../clock.js';
import { AuthenticationFailed, BadRequest } from '../../http/errors.js';
import { checkingFailures } from '../../http/failure-limits.js';
import { secretMatchesHash } from '../../security/secrets.js';
import type { FailureLimiter } from '../../store/failure-limiter.js';
import type { Store } from '../../store/store.js';
import { errorResponses } from '../../http/response-schemas.js';

interface TokenRequest {
  grant_type?: unknown;
  client_id?: unknown;
  client_secret?: unknown;
  scope?: unknown;
}

/** Client credentials from the body, or from HTTP basic auth (RFC 6749 §2.3.1). */
function clientCredentials(body: TokenRequest, authorization: string | undefined): { id: string; secret: string } {
  if (typeof body.client_id === 'string' && typeof body.client_secret === 'string') {
    return { id: body.client_id, secret: body.client_secret };
  }
  if (authorization && /^basic\s+/i.test(authorization)) {
    const decoded = Buffer.from(authorization.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
    }
  }
  throw BadRequest("Send client_id and client_secret (the integration's zendesk_oauth_client identifier and secret).");
}

/**
 * `POST /oauth/tokens`, the OAuth 2.0 client-credentials grant: an integration's OAuth
 * client gets a bearer token bound to its account and integration. Form or JSON body.
 */
export async function oauthTokenRoutes(
  app: FastifyInstance,
  options: { store: Store; clock: Clock; failures: FailureLimiter },
): Promise<void> {
  // Form bodies only here: everywhere else a form body is the wrong content type.
  await app.register(formbody);
  app.post<{ Body: TokenRequest | undefined }>(
    '/oauth/tokens',
    {
      schema: {
        summary: 'Issue a ZIS access token',
        description: "OAuth 2.0 client_credentials grant for an integration's zendesk_oauth_client.",
        tags: ['ZIS Registry'],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: {
          type: 'object',
          properties: {
            grant_type: { type: 'string', description: 'client_credentials' },
            client_id: { type: 'string' },
            client_secret: { type: 'string' },
            scope: { type: 'string' },
          },
        },
        response: {
          200: {
            description: 'A bearer token for the ZIS Configurations API, bound to the account and integration.',
            type: 'object',
            properties: {
              access_token: { type: 'string' },
              token_type: { type: 'string', enum: ['bearer'] },
              scope: { type: 'string', examples: ['read write'] },
            },
          },
          ...errorResponses(400, 401, 429, 503),
        },
      },
    },
    async function issueToken(request, reply) {
      const body = request.body ?? {};
      if (body.grant_type !== 'client_credentials') {
        throw BadRequest('grant_type must be "client_credentials".');
      }
      const credentials = clientCredentials(body, request.headers.authorization);
      const integration = await checkingFailures(options.failures, request, credentials.id, async () => {
        const found = await options.store.findIntegrationByClientIdentifier(credentials.id);
        if (!found || !secretMatchesHash(credentials.secret, found.clientSecretHash)) {
          throw AuthenticationFailed(
            'Authentication failed: client_id and client_secret do not match a registered integration.',
          );
        }
        return found;
      });
      const token = await issueAccessToken(options.store, options.clock, integration.accountId, integration.name);
      reply.header('cache-control', 'no-store');
      return reply.send({
        access_token: token,
        token_type: 'bearer',
        scope: typeof body.scope === 'string' ? body.scope : 'read write',
      });
    },
  );
}
