import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { issueScopedAccessToken } from '../../accounts/provision.js';
import { BadRequest } from '../../http/errors.js';
import { oauthErrorResponses, withOAuthCode } from '../../http/oauth-envelope.js';
import { authenticateClient, type TokenRequest } from './oauth-client-auth.js';
import type { GrantHandler, OAuthTokenRoutesOptions } from './oauth-grant.js';
import { grantedScopes, scopeText } from './oauth-scopes.js';
import { authorizationCodeGrant, refreshTokenGrant } from './oauth-code-grants.js';

/** The client-credentials grant: a token for the client's own integration, with the scopes asked for. */
function clientCredentialsGrant(options: OAuthTokenRoutesOptions): GrantHandler {
  return async function clientCredentials(request) {
    const body = request.body ?? {};
    const integration = await authenticateClient(options, request);
    const scopes = grantedScopes(body.scope);
    const issued = await issueScopedAccessToken(
      options.store,
      options.clock,
      integration.accountId,
      integration.name,
      scopes,
    );
    return { access_token: issued.token, token_type: 'bearer', scope: scopeText(scopes) };
  };
}

/**
 * `POST /oauth/tokens`, the OAuth 2.0 token endpoint: an integration's OAuth client gets a
 * bearer token bound to its account and integration. Form or JSON body. Grants: client
 * credentials, authorization code (the console's consent page) and refresh token.
 * Errors take RFC 6749 §5.2's body (the error mapper, by path).
 */
export async function oauthTokenRoutes(app: FastifyInstance, options: OAuthTokenRoutesOptions): Promise<void> {
  // Form bodies only here: everywhere else a form body is the wrong content type.
  await app.register(formbody);
  const grants: Record<string, GrantHandler> = {
    client_credentials: clientCredentialsGrant(options),
    authorization_code: authorizationCodeGrant(options),
    refresh_token: refreshTokenGrant(options),
  };
  const grantNames = Object.keys(grants);
  app.post<{ Body: TokenRequest | undefined }>(
    '/oauth/tokens',
    {
      schema: {
        summary: 'Issue a ZIS access token',
        description:
          `OAuth 2.0 token endpoint for an integration's zendesk_oauth_client: grant_type ${grantNames.join(', ')}. ` +
          'The token has exactly the scopes asked for in scope ("read", "write" or "read write"; "read write" when ' +
          "none are asked for); the answer states them. Errors use RFC 6749 §5.2's body.",
        tags: ['ZIS Registry'],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: {
          type: 'object',
          properties: {
            grant_type: { type: 'string', enum: grantNames },
            client_id: { type: 'string' },
            client_secret: { type: 'string' },
            scope: { type: 'string', examples: ['read'] },
            code: { type: 'string', description: 'authorization_code: the code from the redirect.' },
            redirect_uri: {
              type: 'string',
              description: 'authorization_code: the redirect_uri the code was asked with.',
            },
            code_verifier: {
              type: 'string',
              description: 'authorization_code: the PKCE verifier, when a code_challenge was sent.',
            },
            refresh_token: { type: 'string', description: 'refresh_token: the refresh token.' },
            expires_in: {
              type: ['string', 'integer'],
              description:
                "authorization_code and refresh_token: the access token's life, 300-172800 s (default 3600).",
            },
            refresh_token_expires_in: {
              type: ['string', 'integer'],
              description: "The refresh token's life, 604800-7776000 s (default 2592000).",
            },
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
              expires_in: {
                type: 'integer',
                description: 'Seconds the token lives (authorization-code and refresh grants).',
              },
              refresh_token: {
                type: 'string',
                description: 'authorization-code and refresh grants: one use, rotated.',
              },
              refresh_token_expires_in: { type: 'integer' },
            },
          },
          ...oauthErrorResponses(400, 401, 429, 503),
        },
      },
      // The body's fields are checked by the grants, so that each error carries its OAuth code.
      attachValidation: true,
    },
    async function issueToken(request, reply) {
      const body = request.body ?? {};
      const grant = typeof body.grant_type === 'string' ? grants[body.grant_type] : undefined;
      if (!grant) {
        const problem =
          body.grant_type === undefined
            ? 'grant_type is missing'
            : `grant_type ${JSON.stringify(body.grant_type)} is not supported`;
        throw withOAuthCode(
          BadRequest(`${problem}: send one of ${grantNames.map((name) => `"${name}"`).join(', ')}.`),
          body.grant_type === undefined ? 'invalid_request' : 'unsupported_grant_type',
        );
      }
      const answer = await grant(request, reply);
      // RFC 6749 §5.1: token answers are never cached.
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return reply.send(answer);
    },
  );
}
