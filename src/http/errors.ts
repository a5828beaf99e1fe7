/**
 * Every error the API can answer, in one place. Handlers throw these; the one mapper in
 * `error-handler.ts` writes the vendor envelope `{"errors":[{"code","detail","status"}]}`.
 *
 * Codes follow the vendor's ZIS reference: "1100" for a request the server cannot read
 * (400-class syntax problems), "1110" for everything else it documents. Switchboard-only
 * failures keep the same envelope so one client-side handler fits all.
 */
export class ApiError extends Error {
  constructor(
    /** Stable identifier, for logs and tests; never sent to clients. */
    override readonly name: string,
    readonly statusCode: number,
    readonly code: string,
    /** What went wrong and what to do about it. */
    readonly detail: string,
  ) {
    super(detail);
  }

  /** Sent as `Retry-After` (429, 503). */
  retryAfterSeconds?: number;
  /** Sent as the envelope's `meta`: facts the client acts on (410's `oldest_revision`). */
  meta?: Record<string, unknown>;
}

type ErrorFactory = ((detail?: string, meta?: Record<string, unknown>) => ApiError) & {
  readonly errorName: string;
  readonly statusCode: number;
  readonly code: string;
  readonly defaultDetail: string;
};

function defineError(name: string, statusCode: number, code: string, defaultDetail: string): ErrorFactory {
  const factory = (detail?: string, meta?: Record<string, unknown>) => {
    const error = new ApiError(name, statusCode, code, detail ?? defaultDetail);
    if (meta) error.meta = meta;
    return error;
  };
  return Object.assign(factory, { errorName: name, statusCode, code, defaultDetail });
}

// --- Requests the server cannot read -------------------------------------------------
export const BadRequest = defineError('BAD_REQUEST', 400, '1100', 'Bad Request');
export const MalformedJson = defineError('MALFORMED_JSON', 400, '1100', 'The request body is not valid JSON.');
export const UnsupportedContentType = defineError(
  'UNSUPPORTED_CONTENT_TYPE',
  400,
  '1100',
  'Send the body as JSON with the header "Content-Type: application/json".',
);
export const BodyTooLarge = defineError('BODY_TOO_LARGE', 413, '1100', 'The request body is too large.');
export const RequestTimeout = defineError(
  'REQUEST_TIMEOUT',
  408,
  '1100',
  'The request took too long to arrive; send it again, whole.',
);
export const HeadersTooLarge = defineError(
  'HEADERS_TOO_LARGE',
  431,
  '1100',
  'The request headers are too large; send fewer or shorter headers.',
);

// --- Who is asking ------------------------------------------------------------------
export const AuthenticationFailed = defineError('AUTHENTICATION_FAILED', 401, '1110', 'Authentication failed');
export const Forbidden = defineError('FORBIDDEN', 403, '1110', 'Forbidden');

// --- What they ask for ----------------------------------------------------------------
export const NotFound = defineError('NOT_FOUND', 404, '1110', 'Not Found');
export const MethodNotAllowed = defineError('METHOD_NOT_ALLOWED', 405, '1110', 'Method not allowed');
export const Conflict = defineError('CONFLICT', 409, '1110', 'Conflict');
export const Gone = defineError(
  'GONE',
  410,
  '1110',
  'That revision is older than the retained history; read the configs again and watch from the newest revision.',
);
export const PreconditionFailed = defineError(
  'PRECONDITION_FAILED',
  412,
  '1110',
  'The config has changed since you read it (If-Match did not match its ETag). Read it again and retry.',
);
export const UnprocessableEntity = defineError('UNPROCESSABLE_ENTITY', 422, '1110', 'Unprocessable entity');
export const TooManyRequests = defineError(
  'TOO_MANY_REQUESTS',
  429,
  '1110',
  'Too many requests from this client at once; wait for some to finish.',
);

// --- The server's own trouble -----------------------------------------------------------
export const ServiceUnavailable = defineError(
  'SERVICE_UNAVAILABLE',
  503,
  '1110',
  'The database is unavailable; retry shortly.',
);
export const InternalError = defineError('INTERNAL_ERROR', 500, '1000', 'Internal server error');
export const StoredDataUnreadable = defineError(
  'STORED_DATA_UNREADABLE',
  500,
  '1000',
  "Stored data could not be decrypted: the server's encryption keys do not match the database (see the server log).",
);

/** The whole catalogue, for documentation and the test that pins it. */
export const errorCatalogue: readonly ErrorFactory[] = [
  BadRequest,
  MalformedJson,
  UnsupportedContentType,
  BodyTooLarge,
  RequestTimeout,
  HeadersTooLarge,
  AuthenticationFailed,
  Forbidden,
  NotFound,
  MethodNotAllowed,
  Conflict,
  Gone,
  PreconditionFailed,
  UnprocessableEntity,
  TooManyRequests,
  ServiceUnavailable,
  InternalError,
  StoredDataUnreadable,
];

/** The vendor's error envelope; `meta` only on Switchboard's own errors that carry it. */
export interface ErrorEnvelope {
  errors: { code: string; detail: string; status: string }[];
  meta?: Record<string, unknown>;
}

export function envelopeOf(error: ApiError): ErrorEnvelope {
  const envelope: ErrorEnvelope = {
    errors: [{ code: error.code, detail: error.detail, status: String(error.statusCode) }],
  };
  if (error.meta) envelope.meta = error.meta;
  return envelope;
}
