import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConfigRefusedError } from '../store/config-edit.js';
import { NulCharacterError } from '../store/nul-guard.js';
import { StoreUnavailableError } from '../store/store-errors.js';
import { EncryptionError } from '../store/encryption/value-cipher.js';
import {
  ApiError,
  BadRequest,
  BodyTooLarge,
  envelopeOf,
  InternalError,
  MalformedJson,
  NotFound,
  ServiceUnavailable,
  StoredDataUnreadable,
  UnprocessableEntity,
  UnsupportedContentType,
} from './errors.js';
import { supportEnvelopeOf, supportInvalidEndpoint, usesSupportEnvelope } from './support-envelope.js';
import { oauthErrorOf, usesOAuthEnvelope } from './oauth-envelope.js';

/** Fastify's own errors, by code, as catalogue errors. */
const fastifyErrors: Record<string, (error: FastifyError) => ApiError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () =>
    BodyTooLarge('The request body is larger than the server accepts; send a smaller body.'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => UnsupportedContentType(),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => BadRequest('The Content-Length header does not match the body.'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => UnprocessableEntity('The request body is empty; send a JSON object.'),
  FST_ERR_CTP_INVALID_JSON_BODY: (error) => MalformedJson(`The request body is not valid JSON: ${error.message}`),
};

/** `querystring/page[size] must be <= 100` → `Query parameter page[size] must be <= 100`. */
function validationDetail(error: FastifyError): string {
  const first = error.validation?.[0];
  const where = { querystring: 'Query parameter', params: 'Path parameter', body: 'Body field', headers: 'Header' }[
    error.validationContext ?? 'body'
  ];
  if (!first) return error.message;
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'required') return `${where} "${String(params.missingProperty)}" is required.`;
  const field = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const message = first.message === 'must be object' ? 'must be a JSON object' : first.message;
  if (!field) return `The ${error.validationContext === 'body' ? 'body' : error.validationContext} ${message}.`;
  return `${where} "${field}" ${message}.`;
}

/** Any thrown error as a catalogue error: the single place that decides what a client sees. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreUnavailableError) return ServiceUnavailable();
  // A missing or wrong key: the log names the key id; the client learns only that it is the keys.
  if (error instanceof EncryptionError) return StoredDataUnreadable();
  // The store's last line against U+0000; routes should have refused it first.
  if (error instanceof NulCharacterError) {
    return UnprocessableEntity(`${error.field} contains the NUL character (U+0000), which cannot be stored.`);
  }
  // A merge patch whose result is too large or too deep: the detail says which limit.
  if (error instanceof ConfigRefusedError) return UnprocessableEntity(error.message);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    // Well-formed but invalid bodies are 422; unreadable query strings and paths are 400.
    const make = fastifyError.validationContext === 'body' ? UnprocessableEntity : BadRequest;
    return make(validationDetail(fastifyError));
  }
  const known = fastifyError.code && fastifyErrors[fastifyError.code];
  if (known) return known(fastifyError);
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    return new ApiError(
      fastifyError.code ?? 'CLIENT_ERROR',
      status,
      status === 400 ? '1100' : '1110',
      fastifyError.message,
    );
  }
  return InternalError();
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(function mapError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
    const emptyBody = (error as FastifyError).validationContext === 'body' && request.body === undefined;
    const apiError = emptyBody
      ? UnprocessableEntity('The request body is empty; send a JSON object.')
      : toApiError(error);
    if (error instanceof StoreUnavailableError && error.stateLogged) {
      // The outage is logged once when it begins and once when it ends (ops/database-log.ts).
      request.log.debug({ reason: (error.cause as Error | undefined)?.message }, 'database unavailable');
    } else if (apiError.statusCode >= 500) {
      // Logged with the request id; the client sees only the catalogue's detail.
      request.log.error({ err: error }, 'request failed');
    }
    if (apiError.statusCode === 503) reply.header('retry-after', '1');
    if (apiError.retryAfterSeconds !== undefined) reply.header('retry-after', String(apiError.retryAfterSeconds));
    // Browsers ask for credentials only when told which scheme: the console is used in one.
    if (apiError.statusCode === 401 && request.url.startsWith('/console')) {
      reply.header('www-authenticate', 'Basic realm="Switchboard", charset="UTF-8"');
    }
    if (usesOAuthEnvelope(request.url)) {
      // RFC 6749 §5.2: the body OAuth client libraries read, with its statuses.
      const oauth = oauthErrorOf(apiError);
      if (oauth.status === 401 && /^basic\s/i.test(request.headers.authorization ?? '')) {
        reply.header('www-authenticate', 'Basic realm="Switchboard", charset="UTF-8"');
      }
      return reply.code(oauth.status).header('cache-control', 'no-store').send(oauth.body);
    }
    const body = usesSupportEnvelope(request.url) ? supportEnvelopeOf(apiError) : envelopeOf(apiError);
    return reply.code(apiError.statusCode).send(body);
  });

  // Unknown paths and unknown methods on known paths alike (fastify answers 404, not 405).
  app.setNotFoundHandler(function routeNotFound(request, reply) {
    const path = request.url.split('?')[0];
    const error = NotFound(`No route ${request.method} ${path}. The API reference is at /docs.`);
    if (usesSupportEnvelope(path!)) return reply.code(404).send(supportInvalidEndpoint(error.detail));
    return reply.code(404).send(envelopeOf(error));
  });
}
