import type { FastifyRequest } from 'fastify';
import type { Actor } from '../store/store.js';
import type { Principal } from './authenticate.js';

/** Who a config change is recorded as: the bearer token's id or the admin's email, and the request's id. */
export function actorOf(principal: Principal, request: FastifyRequest): Actor {
  return principal.kind === 'token'
    ? { type: 'token', id: String(principal.tokenId), requestId: request.id }
    : { type: 'admin', id: principal.email, requestId: request.id };
}
