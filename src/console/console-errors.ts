import type { FastifyInstance } from 'fastify';
import { NotFound } from '../http/errors.js';
import { toApiError } from '../http/error-handler.js';
import { renderPage } from './render.js';
import { viewerOf } from './signed-in.js';

const titles: Record<number, string> = {
  400: 'The request could not be read',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Busy',
  412: 'Changed by someone else',
  413: 'Too large',
  422: 'Not saved',
  429: 'Too many attempts',
  503: 'The database is unavailable',
};

/**
 * Console errors as pages: the same catalogue (and status) as the API's envelope, its
 * detail in plain words, with the navigation around it.
 */
export function installConsoleErrors(scope: FastifyInstance): void {
  scope.setErrorHandler(async function consoleError(error, request, reply) {
    const apiError = toApiError(error);
    if (apiError.statusCode >= 500) request.log.error({ err: error }, 'console request failed');
    if (apiError.retryAfterSeconds !== undefined) reply.header('retry-after', String(apiError.retryAfterSeconds));
    const title = titles[apiError.statusCode] ?? (apiError.statusCode >= 500 ? 'Something went wrong' : 'Refused');
    return renderPage(
      reply,
      'error',
      { title, section: 'overview', viewer: viewerOf(request), status: apiError.statusCode },
      { detail: apiError.detail, status: apiError.statusCode },
    );
  });
}

/** Unknown console paths answer a page, not the API's JSON. */
export async function consoleNotFoundRoutes(app: FastifyInstance): Promise<void> {
  app.all('/console/*', async function consolePageNotFound(request) {
    throw NotFound(`There is no console page at ${request.url.split('?')[0]}. Use the navigation above.`);
  });
}
