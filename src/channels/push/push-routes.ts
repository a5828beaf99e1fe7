import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, BodyTooLarge, Conflict, Forbidden, NotFound } from '../../http/errors.js';
import { emptyBody, supportErrorResponses } from '../../http/response-schemas.js';
import type { ChannelContext } from '../channel-context.js';
import { validatePushRequest } from '../protocol/push-request.js';
import { pushBodyHash } from '../../store/push-rules.js';
import { pushInstanceOf, pushTokenHook, tokenInstanceOf, type PushAuthContext } from './push-auth.js';
import { pushEntries } from './push-entries.js';
import { pushResponseSchema, pushResultJson } from './push-json.js';
import { notifyPush, pushesObserved } from './push-observers.js';

const tags = ['Push API'];
const anyChannel = '/api/v2/any_channel';

/**
 * The largest push body. The vendor publishes none; 256 resources of a few dozen KiB each
 * fit, while one request cannot hold a node's memory hostage.
 */
export const PUSH_BODY_LIMIT = 16 * 1024 * 1024;

/** How long a push's results answer a repeat of its `request_id`: at least this, then purged. */
export const PUSH_RESULTS_KEEP_MS = 24 * 60 * 60 * 1000;

/** Says what is too large before reading it (fastify's own refusal cannot name the limit). */
async function refuseLargePush(request: FastifyRequest) {
  const length = Number(request.headers['content-length']);
  if (length > PUSH_BODY_LIMIT) {
    throw BodyTooLarge(
      `The push body is ${length} bytes; the limit is ${PUSH_BODY_LIMIT} bytes. ` +
        'Send the external_resources in several pushes.',
    );
  }
}

/** The body's `instance_push_id`, whatever the body is (undefined when it has none). */
const pushIdOf = (body: unknown): unknown =>
  typeof body === 'object' && body !== null ? (body as { instance_push_id?: unknown }).instance_push_id : undefined;

/** Both spellings of an endpoint: the vendor's clients call `push` and `push.json` alike. */
const withJsonSuffix = (path: string) => [path, `${path}.json`];

/**
 * The Channel framework's push API, called by integrations with the instance's push token
 * (`Authorization: Bearer {zendesk_access_token}`) rather than admin credentials, so these
 * routes sit outside the authenticated /api scope.
 */
export async function pushRoutes(
  app: FastifyInstance,
  context: Pick<ChannelContext, 'channels' | 'nowMs'> & PushAuthContext,
) {
  const { channels } = context;
  // The token is checked from the headers, before the body is read (refused bodies are never buffered).
  const checkPushToken = pushTokenHook(context);

  for (const url of withJsonSuffix(`${anyChannel}/push`)) {
    app.post<{ Body: unknown }>(
      url,
      {
        bodyLimit: PUSH_BODY_LIMIT,
        onRequest: checkPushToken,
        preParsing: async (request) => refuseLargePush(request),
        schema: {
          tags,
          summary: 'Push external resources (integration → host)',
          description:
            'Bearer zendesk_access_token. Body {instance_push_id, request_id?, external_resources (≤ 256)}; ' +
            'one result per resource, in order. A repeated request_id with the same external_resources answers ' +
            'the first results again; with others, 409.',
          response: {
            200: { ...pushResponseSchema, description: 'One result per resource, in order.' },
            ...supportErrorResponses(400, 401, 403, 404, 409, 413, 429, 503),
          },
        },
      },
      async function pushResources(request) {
        // The token was checked before the body was read: saying what is wrong with it reveals nothing.
        const validated = validatePushRequest(request.body);
        if (pushesObserved()) {
          const sent = request.body as { external_resources?: unknown } | null;
          notifyPush({
            kind: 'push',
            instanceId: tokenInstanceOf(request)?.id,
            instancePushId: pushIdOf(request.body),
            resources: Array.isArray(sent?.external_resources) ? sent.external_resources : [],
            findings: validated.ok
              ? validated.resources.flatMap((result) => (result.ok ? [] : result.findings))
              : validated.findings,
          });
        }
        if (!validated.ok) throw BadRequest(`The push is invalid: ${validated.problems.join('; ')}.`);
        const { instance_push_id: pushId, request_id: requestId } = validated.request;
        if (requestId?.includes('\u0000')) {
          throw BadRequest('The push is invalid: request_id: must not contain the NUL character (U+0000).');
        }
        const instance = await pushInstanceOf(context, request, pushId);
        if (!instance.active) throw deactivated();
        const raw = (request.body as { external_resources: unknown[] }).external_resources;
        const nowMs = context.nowMs();
        const outcome = await channels.completePush({
          instanceId: instance.id,
          requestId: requestId ?? null,
          // Only a request_id is kept with its body's hash (about 0.4 ms for 256 resources).
          bodyHash: requestId === undefined ? '' : pushBodyHash(raw),
          entries: pushEntries(raw, validated.resources),
          nowMs,
          purgeBefore: nowMs - PUSH_RESULTS_KEEP_MS,
        });
        if (outcome.kind === 'inactive') throw deactivated();
        if (outcome.kind === 'conflict') throw requestIdTaken(requestId ?? '');
        // Deleted between authentication and the write: as gone as an unknown push id.
        if (outcome.kind === 'not_found') throw NotFound('The instance no longer exists.');
        return { results: outcome.results.map(pushResultJson) };
      },
    );
  }

  for (const url of withJsonSuffix(`${anyChannel}/validate_token`)) {
    app.post<{ Body: unknown }>(
      url,
      {
        onRequest: checkPushToken,
        schema: {
          tags,
          summary: 'Check a push token: 200 with an empty body when it is valid for instance_push_id',
          response: {
            200: emptyBody('The token is valid for instance_push_id.'),
            ...supportErrorResponses(401, 429, 503),
          },
        },
      },
      async function validateToken(request, reply) {
        await pushInstanceOf(context, request, pushIdOf(request.body));
        if (pushesObserved()) {
          notifyPush({
            kind: 'validate_token',
            instanceId: tokenInstanceOf(request)?.id,
            instancePushId: pushIdOf(request.body),
            resources: [],
            findings: [],
          });
        }
        return reply.code(200).send();
      },
    );
  }
}

const deactivated = () =>
  Forbidden(
    'This instance is deactivated, so it accepts no pushes; nothing was stored. ' +
      'An admin can activate it again (POST /api/switchboard/v1/instances/{id}/activate).',
  );

/** A taken request id with another body: its first results would silently drop the new resources. */
const requestIdTaken = (requestId: string) =>
  Conflict(
    `request_id ${JSON.stringify(requestId)} was already used for a push with other external_resources; ` +
      'nothing was stored. Send a new request_id for a new push, or the same external_resources to read its results again.',
  );
