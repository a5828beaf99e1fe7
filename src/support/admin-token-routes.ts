import type { FastifyInstance, FastifyRequest } from 'fastify';
import { formatTimestamp } from '../clock.js';
import { requireAdmin, type Principal } from '../http/authenticate.js';
import { Conflict, NotFound } from '../http/errors.js';
import type { AccountStore, AdminTokenDetails } from '../store/store.js';
import { adminErrors, emptyBody, timestamp } from '../http/response-schemas.js';

export interface AdminTokenRoutesOptions {
  store: AccountStore;
  principalOf: (request: FastifyRequest) => Principal;
  /** Called once an admin token is revoked, so that this process stops trusting it at once. */
  onAdminTokenRevoked: () => void;
}

const base = '/api/switchboard/v1/admin_tokens';
const tags = ['Admin tokens'];
const security = [{ adminBasicAuth: [] }];

const adminToken = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    email: { type: 'string' },
    created_at: timestamp,
  },
} as const;

/** An admin token as the API shows it: never the token, nor its hash. */
export function adminTokenJson(token: AdminTokenDetails) {
  return { id: token.id, email: token.email, created_at: formatTimestamp(token.createdAt) };
}

/**
 * The account's admin API tokens: list them (ids, to revoke by) and revoke one. Revoking
 * takes effect on this node at once and on every other node within the revocation check
 * interval. The account's last admin token cannot be revoked through the API (409): that
 * would lock its admins out; the operator's CLI (`switchboard tokens revoke`) can.
 */
export async function adminTokenRoutes(app: FastifyInstance, options: AdminTokenRoutesOptions): Promise<void> {
  const { store } = options;
  const adminOf = (request: FastifyRequest) => requireAdmin(options.principalOf(request), 'Managing admin tokens');

  app.get(
    base,
    {
      schema: {
        tags,
        security,
        summary: 'List admin tokens',
        description: "The account's admin API tokens by ascending id; never the tokens themselves.",
        response: {
          200: {
            description: "The account's admin tokens.",
            type: 'object',
            properties: { admin_tokens: { type: 'array', items: adminToken } },
          },
          ...adminErrors(403),
        },
      },
    },
    async function listAdminTokens(request) {
      const admin = adminOf(request);
      return { admin_tokens: (await store.listAdminTokens(admin.account.id)).map(adminTokenJson) };
    },
  );

  app.delete<{ Params: { id: number } }>(
    `${base}/:id`,
    {
      schema: {
        tags,
        security,
        summary: 'Revoke an admin token',
        description:
          "Revokes the token on every node within a second. 409 for the account's last admin token: " +
          'the operator can still revoke it with `switchboard tokens revoke --admin-token-id`.',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } },
        response: { 204: emptyBody('Revoked'), ...adminErrors(400, 403, 404, 409) },
      },
    },
    async function revokeAdminToken(request, reply) {
      const admin = adminOf(request);
      const { id } = request.params;
      const outcome = await store.deleteAdminToken(admin.account.id, id, { keepLast: true });
      if (outcome === 'not_found') throw NotFound(`No admin token with id ${id} on this account.`);
      if (outcome === 'last') {
        throw Conflict(
          `Admin token ${id} is this account's last one: revoking it would lock every admin out. ` +
            'Revoke it with `switchboard tokens revoke --admin-token-id` on the server instead.',
        );
      }
      options.onAdminTokenRevoked();
      return reply.code(204).send();
    },
  );
}
