import type { ApiError } from './errors.js';

/**
 * RFC 6749 §5.2's error body, `{"error": "invalid_grant", "error_description": "…"}`: what
 * OAuth client libraries read from the token endpoint (`POST /oauth/tokens`), where the
 * ZIS envelope's `errors` array would be unreadable to them. Routes throw the catalogue's
 * errors with an OAuth code attached ({@link withOAuthCode}); the one error mapper writes
 * this body for the token endpoint's path.
 */
export interface OAuthErrorBody {
  error: string;
  error_description: string;
}

/** RFC 6749 §5.2's error codes (and §4.1.2.1's, for the authorization endpoint's redirects). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable';

const oauthCodes = new WeakMap<ApiError, OAuthErrorCode>();

/** Marks a catalogue error with the OAuth code the token endpoint answers it with. */
export function withOAuthCode(error: ApiError, code: OAuthErrorCode): ApiError {
  oauthCodes.set(error, code);
  return error;
}

/** The paths whose errors take RFC 6749's shape. */
export function usesOAuthEnvelope(url: string): boolean {
  const path = url.split('?')[0];
  return path === '/oauth/tokens';
}

/**
 * The status and body for an error on the token endpoint. Errors without an OAuth code
 * (a body the parser refused, too many failures, the database down) get the nearest one:
 * an unreadable or invalid request is `invalid_request` with 400, as §5.2 requires.
 */
export function oauthErrorOf(error: ApiError): { status: number; body: OAuthErrorBody } {
  const marked = oauthCodes.get(error);
  const status = error.statusCode === 422 ? 400 : error.statusCode;
  const code: OAuthErrorCode =
    marked ??
    (status === 401
      ? 'invalid_client'
      : status === 429 || status === 503
        ? 'temporarily_unavailable'
        : status >= 500
          ? 'server_error'
          : 'invalid_request');
  return { status, body: { error: code, error_description: error.detail } };
}

const oauthErrorSchema = {
  type: 'object',
  required: ['error', 'error_description'],
  properties: {
    error: {
      type: 'string',
      description: 'invalid_request, invalid_client, invalid_grant, unsupported_grant_type, invalid_scope, …',
    },
    error_description: { type: 'string', description: 'What was wrong, and what to send instead.' },
  },
} as const;

/** Error answers of the token endpoint, for its route schema (serialisation and the OpenAPI document). */
export function oauthErrorResponses(...statuses: number[]): Record<number, object> {
  return Object.fromEntries(
    statuses.map((status) => [status, { ...oauthErrorSchema, description: `RFC 6749 §5.2 error (${status})` }]),
  );
}
