import type { FastifyRequest } from 'fastify';
import { requireAdmin as requireAdminPrincipal, type Principal } from '../http/authenticate.js';
import type { Account } from '../store/store.js';
import type { ChannelStore, ChannelIntegration } from '../store/channel-store.js';
import type { OutboundClient } from './outbound/outbound-client.js';
import type { PullDependencies } from './pull/pull-instance.js';
import type { ExchangeRecorder } from './inspector/exchange-recorder.js';
import { positiveId } from '../http/id-schemas.js';

/** What every channel-hosting route needs. */
export interface ChannelContext {
  channels: ChannelStore;
  client: OutboundClient;
  /** Epoch milliseconds. */
  nowMs: () => number;
  pull: PullDependencies;
  signingSecret: (integration: ChannelIntegration) => string;
  /** How long an admin-UI `return_url` stays usable, ms. */
  handoffTtlMs: number;
  principalOf: (request: FastifyRequest) => Principal;
  /** Where absolute links sent to the browser point (never an arbitrary Host header). */
  publicUrlOf: (request: FastifyRequest) => string;
  /** Records exchanges with integrations (the inspector); absent where nothing is recorded. */
  inspector?: ExchangeRecorder;
}

/**
 * Channel management takes admin credentials: a ZIS token is for configs only. The one rule
 * of every admin route (`http/authenticate.ts`): a valid bearer token answers 403.
 */
export function requireAdmin(context: ChannelContext, request: FastifyRequest): Account {
  return requireAdminPrincipal(context.principalOf(request), 'Channel management').account;
}

/** A positive integer id from a path parameter. */
export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: positiveId },
} as const;
