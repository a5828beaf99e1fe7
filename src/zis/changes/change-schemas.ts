import { cursorId } from '../../http/id-schemas.js';
import { errorEnvelope, errorResponses, errorResponseWithMeta } from '../../http/response-schemas.js';
import { integrationNamePattern } from '../names.js';
import { changeProperties } from '../history/history-schemas.js';

/** Longest `wait` a long-poll may ask for, seconds: under common proxy idle timeouts. */
export const maxWaitSeconds = 60;

const change = { type: 'object', properties: changeProperties } as const;

const bearer: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { adminBasicAuth: [] }];

export const changesSchema = {
  summary: 'Watch configuration changes (Switchboard extension)',
  description:
    "The integration's config changes after a revision, oldest first, never skipping one and never sending one " +
    'twice. With "Accept: text/event-stream": a Server-Sent Events stream, one event per change (`id:` the ' +
    'revision, `data:` the change as JSON), a comment line as a heartbeat every 15 s (sent only while the ' +
    "node's view of the feed is current); a stream whose reads fail or stall ends with an `error` event " +
    '(`data:` the error envelope) so that the client reconnects; on reconnection ' +
    '`Last-Event-ID` (sent by EventSource) wins over `since`. Otherwise JSON long-poll: the changes at once if ' +
    'there are any, else the first ones within `wait` seconds, else an empty list; ask again with ' +
    '`since=next_since`. Without `since` (or `Last-Event-ID`) the feed starts from the newest revision.',
  tags: ['ZIS Configurations'],
  security: bearer,
  params: {
    type: 'object',
    required: ['integration'],
    properties: {
      integration: { type: 'string', pattern: integrationNamePattern, description: 'Name of the integration.' },
    },
  },
  querystring: {
    type: 'object',
    properties: {
      'filter[scope]': {
        type: 'string',
        default: '*',
        description: 'Scopes to watch, "*" matching any run of characters (as the configs list). Default: all.',
      },
      since: { ...cursorId, description: 'The last revision the client has: changes after it are sent.' },
      wait: {
        type: 'integer',
        minimum: 0,
        maximum: maxWaitSeconds,
        default: 0,
        description: `Long-poll only: seconds to wait for a change when there is none yet (at most ${maxWaitSeconds}).`,
      },
    },
  },
  headers: {
    type: 'object',
    properties: {
      'last-event-id': { type: 'string', description: 'The id of the last event seen: resumes right after it.' },
    },
  },
  response: {
    200: {
      description:
        'Long-poll: the changes (at most 100) and the revision to ask from next. SSE ("Accept: ' +
        'text/event-stream"): a stream of `id: N` / `data: {change}` events instead.',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              changes: { type: 'array', items: change },
              next_since: { type: 'integer', description: 'Pass as `since` to get the changes after these.' },
            },
          },
        },
        'text/event-stream': {
          schema: { type: 'string', description: 'id: {revision}\\ndata: {change as JSON}\\n\\n, per change.' },
        },
      },
    },
    // 401 and 503 as every authenticated route; 429 said here, as it covers open streams too.
    ...errorResponses(400, 401, 403, 503),
    ...errorResponseWithMeta(
      410,
      '`since` (or `Last-Event-ID`) is older than the retained history; `meta.oldest_revision` is the oldest ' +
        'revision still available. Read the configs again, then watch from the newest revision.',
      {
        properties: { oldest_revision: { type: 'integer', description: 'The oldest revision still available.' } },
        example: { oldest_revision: 42 },
        detail:
          'That revision is older than the retained history; read the configs again and watch from the newest revision.',
      },
    ),
    429: {
      ...errorEnvelope,
      description:
        'Too many failed authentications from this address (see Retry-After), or this client holds too many ' +
        'change streams (or requests) open at once.',
    },
  },
};
