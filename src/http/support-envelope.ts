import type { ApiError } from './errors.js';

/**
 * The Support API's error body, `{"error": "RecordNotFound", "description": "…"}`: what the
 * vendor answers on `/api/v2/…` (OAuth tokens and clients), where clients look for `error`
 * rather than the ZIS envelope's `errors` array. The same catalogue errors are thrown
 * everywhere; only the one error mapper picks the envelope, by path.
 */
export interface SupportErrorBody {
  error: string;
  description: string;
}

/** Paths whose errors use the Support API's shape. */
export function usesSupportEnvelope(url: string): boolean {
  return url.startsWith('/api/v2/');
}

/** The Support API's `error` title for each status the catalogue uses. */
const titles: Record<number, string> = {
  400: 'RecordInvalid',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'RecordNotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  412: 'PreconditionFailed',
  408: 'RequestTimeout',
  413: 'RequestTooLarge',
  431: 'RequestHeaderFieldsTooLarge',
  422: 'RecordInvalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

export function supportEnvelopeOf(error: ApiError): SupportErrorBody {
  const fallback = error.statusCode < 500 ? 'BadRequest' : 'InternalError';
  return { error: titles[error.statusCode] ?? fallback, description: error.detail };
}

/** A path with no route: the vendor's answer for an unknown endpoint. */
export function supportInvalidEndpoint(description: string): SupportErrorBody {
  return { error: 'InvalidEndpoint', description };
}

/** For route schemas (serialisation and the OpenAPI document). */
export const supportErrorSchema = {
  type: 'object',
  description: 'Support API error: error is RecordInvalid, Unauthorized, Forbidden, RecordNotFound, …',
  properties: { error: { type: 'string' }, description: { type: 'string' } },
} as const;
