import type { FastifyInstance } from 'fastify';
import { NotFound } from '../../http/errors.js';
import { requireAdmin } from '../channel-context.js';
import type { ChannelbackContext } from './channelback-context.js';
import { createReply } from './create-reply.js';
import { replyJson, replySchema } from './reply-json.js';
import { adminErrors } from '../../http/response-schemas.js';
import { positiveId } from '../../http/id-schemas.js';

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
        params: threadParams,
        body: {
          type: 'object',
          description:
            'message (1–65535 characters), file_urls (≤ 10 https URLs; needs channelback_files), parent_external_id',
        },
        response: {
          202: { ...oneReply, description: 'Stored as pending; the reply sender sends it.' },
          ...adminErrors(400, 404, 422),
        },
      },
    },
    async function createReplyRoute(request, reply) {
      const account = requireAdmin(context, request);
      const created = await createReply(
        { channels, replies },
        {
          accountId: account.id,
          instanceId: request.params.id,
          threadId: request.params.threadId,
          body: request.body,
          mode: context.mode,
          nowMs: context.nowMs(),
        },
      );
      context.kickSender();
      return reply.code(202).send({ reply: replyJson(created) });
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
