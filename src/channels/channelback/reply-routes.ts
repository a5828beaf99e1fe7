import type { FastifyInstance } from 'fastify';
import { NotFound } from '../../http/errors.js';
import { requireAdmin } from '../channel-context.js';
import type { ChannelbackContext } from './channelback-context.js';
import { createReply } from './create-reply.js';
import { replyJson, replySchema } from './reply-json.js';
import { adminErrors, errorResponseWithMeta } from '../../http/response-schemas.js';
import { positiveId } from '../../http/id-schemas.js';
import { heldReply, replyIdempotency } from './reply-idempotency.js';

const base = '/api/switchboard/v1/instances/:id';
const tags = ['Channelback'];
const security = [{ adminBasicAuth: [] }];
const positive = positiveId;
const threadParams = {
  type: 'object',
  required: ['id', 'threadId'],
  properties: { id: positive, threadId: positive },
} as const;
const oneReply = { type: 'object', properties: { reply: replySchema } } as const;

/** Agents' replies: created here (202, sent by the reply sender) and read back. */
export async function replyRoutes(app: FastifyInstance, context: ChannelbackContext): Promise<void> {
  const { channels, replies } = context;

  app.post<{ Params: { id: number; threadId: number }; Body: unknown }>(
    `${base}/threads/:threadId/replies`,
    {
      schema: {
        tags,
        security,
        summary: "Reply to a thread: sent to the integration's channelback_url",
        description:
          'With an `Idempotency-Key` header (1–255 visible ASCII characters, per instance), a repeat with the ' +
          'same key and body within 24 hours answers the first reply again (202, same body) and stores nothing; ' +
          'the same key with another body or thread answers 409.',
        params: threadParams,
        headers: {
          type: 'object',
          properties: { 'idempotency-key': { type: 'string', description: 'Makes a retry safe (Stripe semantics).' } },
        },
        body: {
          type: 'object',
          description:
            'message (1–65535 characters), file_urls (≤ 10 https URLs; needs channelback_files), parent_external_id',
        },
        response: {
          202: { ...oneReply, description: 'Stored as pending; the reply sender sends it.' },
          ...adminErrors(400, 404, 422),
          ...errorResponseWithMeta(409, 'The Idempotency-Key was used within 24 hours for another body or thread.', {
            properties: { idempotency_key: { type: 'string', description: 'The key sent.' } },
            example: { idempotency_key: '6f1c0e1a-1b8e-4c39-9a55-3c0d5e0f7b21' },
            detail:
              'The Idempotency-Key "6f1c0e1a-1b8e-4c39-9a55-3c0d5e0f7b21" was used within 24 hours for another ' +
              'request (reply 7, with another thread or body); send a new key for a new reply.',
          }),
        },
      },
    },
    async function createReplyRoute(request, reply) {
      const account = requireAdmin(context, request);
      const { id: instanceId, threadId } = request.params;
      const nowMs = context.nowMs();
      const idempotency = replyIdempotency(request.headers['idempotency-key'], request.body, nowMs);
      if (idempotency) {
        // A repeat answers as the first request was answered, whatever changed since.
        const held = await replies.findIdempotentReply({ accountId: account.id, instanceId, ...idempotency });
        if (held) return reply.code(202).send({ reply: replyJson(heldReply(held, idempotency, threadId)) });
      }
      const created = await createReply(
        { channels, replies },
        {
          accountId: account.id,
          instanceId,
          threadId,
          body: request.body,
          mode: context.mode,
          nowMs,
          ...(idempotency ? { idempotency } : {}),
        },
      );
      context.kickSender();
      // A racing request with the same key stored it first: answered like a repeat.
      const answered = idempotency ? heldReply(created, idempotency, threadId) : created;
      return reply.code(202).send({ reply: replyJson(answered) });
    },
  );

  app.get<{ Params: { id: number; threadId: number } }>(
    `${base}/threads/:threadId/replies`,
    {
      schema: {
        tags,
        security,
        summary: 'Replies of a thread, oldest first',
        params: threadParams,
        response: {
          200: {
            description: 'Replies, oldest first.',
            type: 'object',
            properties: { replies: { type: 'array', items: replySchema } },
          },
          ...adminErrors(400, 404),
        },
      },
    },
    async function listThreadReplies(request) {
      const account = requireAdmin(context, request);
      const { id, threadId } = request.params;
      if (!(await replies.getThread(account.id, id, threadId)))
        throw NotFound(`No thread ${threadId} on instance ${id}.`);
      return { replies: (await replies.listThreadReplies(account.id, id, threadId)).map(replyJson) };
    },
  );

  app.get<{ Params: { id: number; replyId: number } }>(
    `${base}/replies/:replyId`,
    {
      schema: {
        tags,
        security,
        summary: 'Show a reply: pending, sent or failed',
        params: { type: 'object', required: ['id', 'replyId'], properties: { id: positive, replyId: positive } },
        response: { 200: { ...oneReply, description: 'The reply.' }, ...adminErrors(400, 404) },
      },
    },
    async function showReply(request) {
      const account = requireAdmin(context, request);
      const { id, replyId } = request.params;
      const found = await replies.getReply(account.id, id, replyId);
      if (!found) throw NotFound(`No reply ${replyId} on instance ${id}.`);
      return { reply: replyJson(found) };
    },
  );
}
