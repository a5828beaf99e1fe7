import type { FastifyInstance } from 'fastify';
import { NotFound, UnprocessableEntity } from '../../http/errors.js';
import { emptyBody, supportErrorResponses } from '../../http/response-schemas.js';
import { characterCount, REPORT_ERROR_DESCRIPTION_MAX, REQUEST_ID_MAX } from '../protocol/limits.js';
import { pushInstanceOf, pushTokenHook, type PushAuthContext } from '../push/push-auth.js';
import type { ChannelbackContext } from './channelback-context.js';

const paths = ['/api/v2/any_channel/channelback/report_error', '/api/v2/any_channel/channelback/report_error.json'];

function optionalText(body: Record<string, unknown>, key: string, max: number): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw UnprocessableEntity(`"${key}" must be a string.`);
  const length = characterCount(value);
  if (length > max) throw UnprocessableEntity(`"${key}" is ${length} characters; the limit is ${max}.`);
  if (value.includes('\u0000')) throw UnprocessableEntity(`"${key}" must not contain the NUL character (U+0000).`);
  return value;
}

/**
 * `POST /api/v2/any_channel/channelback/report_error`: the integration reports that a reply
 * it answered (by `external_id`) could not be delivered after all; the reply becomes
 * `failed` with the description. Its credential is the instance's push token, so it is
 * registered outside the admin-authenticated scope.
 */
export async function reportErrorRoutes(
  app: FastifyInstance,
  context: ChannelbackContext & PushAuthContext,
): Promise<void> {
  // The push token is checked before the body is read.
  const checkPushToken = pushTokenHook(context);
  for (const url of paths) {
    app.post<{ Body: unknown }>(
      url,
      {
        onRequest: checkPushToken,
        schema: {
          tags: ['Channelback'],
          summary: 'Report that a channelback failed (push token as bearer)',
          body: {
            type: 'object',
            description: 'instance_push_id, external_id, request_id (≤ 64), description (≤ 511)',
          },
          response: {
            200: emptyBody('The reply is failed now, with the description as last_error.'),
            ...supportErrorResponses(401, 404, 422, 429, 503),
          },
        },
      },
      async function reportChannelbackError(request, reply) {
        const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
          string,
          unknown
        >;
        const instance = await pushInstanceOf(context, request, body.instance_push_id);
        const externalId = body.external_id;
        if (typeof externalId !== 'string' || externalId === '') {
          throw UnprocessableEntity('"external_id" is required: the external_id the channelback answered with.');
        }
        optionalText(body, 'request_id', REQUEST_ID_MAX);
        const description = optionalText(body, 'description', REPORT_ERROR_DESCRIPTION_MAX);
        const marked = externalId.includes('\u0000')
          ? 0
          : await context.replies.reportReplyError({
              instanceId: instance.id,
              externalId,
              error: description || 'the integration reported an error (report_error, no description)',
              nowMs: context.nowMs(),
            });
        if (marked === 0) throw NotFound(`No reply of this instance has the external_id "${externalId}".`);
        return reply.code(200).send();
      },
    );
  }
}
