import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { BadRequest, envelopeOf, HeadersTooLarge, MethodNotAllowed, RequestTimeout, type ApiError } from './errors.js';
import { supportEnvelopeOf, usesSupportEnvelope } from './support-envelope.js';

// Answers for requests that never reach a route: the HTTP parser's refusals, a path the
// router cannot decode, a CONNECT. Each in the documented envelope, never fastify's or
// node's own shape, and never a silently closed connection.

/** A raw HTTP/1.1 answer for a socket the HTTP parser gave up on; the connection closes after it. */
function rawAnswer(error: ApiError, url?: string): string {
  const body = JSON.stringify(url && usesSupportEnvelope(url) ? supportEnvelopeOf(error) : envelopeOf(error));
  const reason = {
    400: 'Bad Request',
    405: 'Method Not Allowed',
    408: 'Request Timeout',
    431: 'Request Header Fields Too Large',
  };
  return (
    `HTTP/1.1 ${error.statusCode} ${reason[error.statusCode as keyof typeof reason] ?? 'Bad Request'}\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

/** The parser's error codes as catalogue errors: what was wrong with the bytes the client sent. */
export function parserError(code: string | undefined): ApiError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return RequestTimeout();
  if (code === 'HPE_HEADER_OVERFLOW') return HeadersTooLarge();
  if (code === 'HPE_INVALID_METHOD') return BadRequest('The request method is not a valid HTTP method.');
  if (code === 'HPE_UNEXPECTED_CONTENT_LENGTH' || code === 'HPE_INVALID_CONTENT_LENGTH') {
    return BadRequest('The Content-Length header is invalid or conflicts with another length header.');
  }
  if (code === 'HPE_INVALID_TRANSFER_ENCODING' || code === 'HPE_INVALID_CHUNK_SIZE') {
    return BadRequest('The Transfer-Encoding or a chunk size is invalid.');
  }
  return BadRequest('The request is not valid HTTP/1.1.');
}

/** For fastify's `clientErrorHandler`: the parser refused the request (or it timed out). */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // A request that timed out was already parsed far enough to have a path: answer in its envelope.
  const pending = socket as Duplex & { parser?: { incoming?: IncomingMessage } | null };
  const url = pending.parser?.incoming?.url;
  if (socket.writable) socket.write(rawAnswer(parserError(error.code), url));
  socket.destroy();
}

/** Node hands CONNECT to a `connect` listener, or closes the socket unanswered: answer it. */
export function answerConnect(request: IncomingMessage, socket: Duplex): void {
  const error = MethodNotAllowed('CONNECT is not supported: this server is not a proxy.');
  if (socket.writable) socket.end(rawAnswer(error, request.url));
  else socket.destroy();
}

/** For fastify's `frameworkErrors`: a path the router cannot decode (bad percent-encoding) and the like. */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const detail =
    error.code === 'FST_ERR_BAD_URL'
      ? 'The path is not valid percent-encoding (a "%" must be followed by two hex digits of UTF-8); encode it again.'
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'A path segment is too long.'
        : 'The request could not be routed.';
  const apiError = BadRequest(detail);
  void reply.code(400).send(usesSupportEnvelope(request.url) ? supportEnvelopeOf(apiError) : envelopeOf(apiError));
}
