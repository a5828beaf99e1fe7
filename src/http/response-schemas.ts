import { supportErrorSchema } from './support-envelope.js';

/**
 * Building blocks for routes' `response` schemas. Fastify serialises answers with them and
 * the OpenAPI document at `/openapi.json` is generated from them, so an answer's shape and
 * its documentation cannot drift apart. Every property an answer carries must be listed:
 * the serialiser drops the ones a schema does not name.
 */

/** A timestamp as the API writes it: UTC, whole seconds. */
export const timestamp = {
  type: 'string',
  format: 'date-time',
  examples: ['2024-01-01T00:00:00Z'],
} as const;

/** The same, null when the event has not happened. */
export const nullableTimestamp = { ...timestamp, type: ['string', 'null'] } as const;

/** What each error status means wherever it is documented; the `detail` says more. */
const errorMeaning: Record<number, string> = {
  400: 'The path or query string is invalid (the detail names the parameter), or the body cannot be read.',
  401: 'No credentials, wrong credentials, or credentials of the wrong kind (the detail says which are needed).',
  403: 'The credentials may not do this (a token of another integration or without the scope, or a bearer token on an admin route).',
  404: "Not found on this account (another account's records answer 404 too).",
  409: 'Conflicts with the current state (the detail says what to do).',
  412: 'If-Match did not match the current ETag: read again and retry.',
  413: 'The body is larger than the server accepts.',
  422: 'The body is well-formed but invalid: the detail says what to fix. Nothing was changed.',
  429: 'Too many failed authentications from this address or for this credential; see Retry-After.',
  503: 'The database is unavailable; retry shortly.',
};

/** The error envelope every path outside `/api/v2/` answers with (`http/errors.ts`). */
export const errorEnvelope = {
  type: 'object',
  required: ['errors'],
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'detail', 'status'],
        properties: {
          code: { type: 'string', description: '"1100": the request could not be read; "1110": anything else.' },
          detail: { type: 'string', description: 'What went wrong and what to do about it.' },
          status: { type: 'string', description: 'The HTTP status, as a string.' },
        },
      },
    },
  },
  examples: [{ errors: [{ code: '1110', detail: 'No instance 7.', status: '404' }] }],
} as const;

/** Error responses in the envelope above, one per status, each described. */
export function errorResponses(...statuses: number[]): Record<number, object> {
  return Object.fromEntries(
    statuses.map((status) => [status, { ...errorEnvelope, description: errorMeaning[status] ?? 'Error' }]),
  );
}

/**
 * One error response in the envelope that also carries `meta`: facts the client acts on
 * (`ApiError.meta`, such as 410's `oldest_revision`). `meta` joins the envelope through
 * `allOf`, so the envelope itself stays the one above, and the serialiser keeps `meta`.
 */
export function errorResponseWithMeta(
  status: number,
  description: string,
  meta: { properties: Record<string, object>; example: Record<string, unknown>; detail: string },
): Record<number, object> {
  const metaSchema = { type: 'object', required: Object.keys(meta.properties), properties: meta.properties };
  return {
    [status]: {
      ...errorEnvelope,
      description,
      allOf: [{ type: 'object', required: ['meta'], properties: { meta: metaSchema } }],
      examples: [{ errors: [{ code: '1110', detail: meta.detail, status: String(status) }], meta: meta.example }],
    },
  };
}

/** Error responses in the Support API's `{"error", "description"}` (every `/api/v2/` path). */
export function supportErrorResponses(...statuses: number[]): Record<number, object> {
  return Object.fromEntries(
    statuses.map((status) => [status, { ...supportErrorSchema, description: errorMeaning[status] ?? 'Error' }]),
  );
}

/** The errors every route behind admin basic auth can answer, beside its own. */
export const adminErrors = (...statuses: number[]) => errorResponses(...new Set([401, 403, 429, 503, ...statuses]));

/** A success answer without a body (204, or a 200 the protocol leaves empty). */
export const emptyBody = (description: string) => ({ type: 'null', description }) as const;
