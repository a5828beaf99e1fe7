import type { FastifyInstance } from 'fastify';
import { consentPath } from './oauth-authorization.js';

/**
 * `GET /oauth/authorizations/new`, the vendor's authorization endpoint (RFC 6749 §4.1.1):
 * sends the browser, with the request's query unchanged, to the console's consent page,
 * which signs the admin in first when needed and then shows the request.
 */
export async function oauthAuthorizeRoute(app: FastifyInstance): Promise<void> {
  app.get(
    '/oauth/authorizations/new',
    {
      schema: {
        summary: 'Authorize an OAuth client (authorization-code grant)',
        description:
          "Opened in the admin's browser: response_type=code, client_id (the client's identifier), redirect_uri (one " +
          'of the client\'s; in development any http loopback URI), scope ("read", "write" or both; both when ' +
          'absent), state, and optionally code_challenge with code_challenge_method=S256 (PKCE). Redirects to the ' +
          "console's consent page (signing in first); on Allow, the browser returns to redirect_uri with code " +
          '(one use, 5 minutes) and state; on Deny with error=access_denied. Exchange the code at POST /oauth/tokens.',
        tags: ['ZIS Registry'],
        querystring: {
          type: 'object',
          properties: {
            response_type: { type: 'string', enum: ['code'] },
            client_id: { type: 'string', examples: ['zis_my_zis_app_1'] },
            redirect_uri: { type: 'string', examples: ['http://127.0.0.1:8765/callback'] },
            scope: { type: 'string', examples: ['read write'] },
            state: { type: 'string' },
            code_challenge: { type: 'string' },
            code_challenge_method: { type: 'string', enum: ['S256'] },
          },
        },
        response: {
          302: { description: "To the console's consent page, with the same query.", type: 'null' },
        },
      },
      // Checked on the consent page, where errors can be shown or redirected as RFC 6749 §4.1.2.1 says.
      attachValidation: true,
    },
    async function authorize(request, reply) {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      return reply.redirect(`${consentPath}${query}`, 302);
    },
  );
}
