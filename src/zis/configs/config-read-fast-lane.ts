import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../http/authenticate.js';
import { requestIdHeader } from '../../http/request-log.js';
import type { ConfigRecord, IntegrationKey } from '../../store/store.js';
import { isIntegrationName, scopeProblem } from '../names.js';
import { configListBody, singleConfigBody } from './config-json.js';
import { etagOf, ifNoneMatchHits } from './etag.js';
import { RenderedConfigs, type RenderedConfig } from './rendered-configs.js';

/** What the fast lane needs from the app; every part is the same one the fastify route uses. */
export interface FastLaneParts {
  /** The store's synchronous read (SQLite's read connection): the same answer as `getConfig`. */
  readConfig: (key: IntegrationKey, scope: string) => ConfigRecord | undefined;
  /** The store's read epoch: answers rendered at one value are reused while it holds. */
  readEpoch: () => number;
  /** How many rendered answers to keep (0: render every time). */
  cacheEntries: number;
  /** The principal the app already checked this exact `Authorization` header for, if it remembers one. */
  cachedPrincipal: (authorization: string) => Principal | undefined;
  /** True while the app must look at every request itself: closing, or some client at its in-flight limit. */
  stepAside: () => boolean;
  /** A Host that might name an account (`{subdomain}.{baseDomain}`) must be checked by the app. */
  mayNameAccount: (request: IncomingMessage) => boolean;
  /** The request id, as the app makes it: the client's `x-request-id`, or a new one. */
  requestIdOf: (request: IncomingMessage) => string;
  /** Writes the app's one log line for a request, when info lines are on. */
  logRequest: (id: string, method: string, url: string, status: number, ms: number) => void;
}

const prefix = '/api/services/zis/integrations/';
const oneConfig = '/configs/';
// The vendor's own read: the list filtered on one exact scope, the only query parameter.
const exactList = /^\/configs\?filter(?:\[|%5B)scope(?:\]|%5D)=([A-Za-z0-9._~-]+)$/;
// The only query string the lane takes, checked before anything else is looked up.
const exactQuery = /^\?filter(?:\[|%5B)scope(?:\]|%5D)=[A-Za-z0-9._~-]+$/;

/** Which config a path names, and how to answer it; undefined for one the router must judge. */
function requestedConfig(url: string): { integration: string; scope: string; asList: boolean } | undefined {
  const end = url.indexOf('/', prefix.length);
  if (end < 0) return undefined;
  const integration = url.slice(prefix.length, end);
  if (!isIntegrationName(integration)) return undefined;
  if (url.startsWith(oneConfig, end)) {
    const scope = url.slice(end + oneConfig.length);
    // Encoded or odd paths take the router's decoding; a query string its parsing.
    if (/[%?/#]/.test(scope) || scopeProblem(scope) !== undefined) return undefined;
    return { integration, scope, asList: false };
  }
  // Unreserved characters only: nothing to decode, no wildcard, no other parameter.
  const scope = exactList.exec(url.slice(end))?.[1];
  if (scope === undefined || scopeProblem(scope) !== undefined) return undefined;
  return { integration, scope, asList: true };
}

/**
 * The hottest requests — one config read, `GET …/integrations/{integration}/configs/{scope}`,
 * or the vendor's own read of one, `GET …/configs?filter[scope]={scope}` with an exact scope —
 * with a remembered credential, answered straight from node:http: no routing, hooks,
 * promises or per-request logger. Everything else — an unknown credential, a refusal, a
 * missing config, a wildcard, any percent-encoding, another query parameter, a body —
 * returns false and goes to fastify, so every
 * error still comes from the one catalogue. The answer is byte for byte the route's
 * (`config-routes.ts`), which `test/zis/config-read-fast-lane.test.ts` holds it to.
 *
 * The rendered answer (ETag and body bytes) is kept until the store's read epoch moves: a
 * repeated read costs one `data_version` check instead of a lookup and a render.
 *
 * Synchronous from start to end, so the request never holds a per-client slot or a timer.
 */
export function configReadFastLane(
  parts: FastLaneParts,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  const cache = new RenderedConfigs(parts.cacheEntries);

  /** The config the path names, rendered and kept; undefined for a path the router must judge, or no config. */
  const readAndRender = (accountId: number, url: string, epoch: number): RenderedConfig | undefined => {
    const requested = requestedConfig(url);
    if (requested === undefined) return undefined;
    const { integration, scope, asList } = requested;
    const config = parts.readConfig({ accountId, integration }, scope);
    // No config: the route's 404 (for the list too, as the vendor answers).
    if (config === undefined) return undefined;
    const body = asList ? configListBody([config], undefined) : singleConfigBody(config);
    const rendered = { integration, etag: asList ? undefined : etagOf(config), body, bytes: Buffer.byteLength(body) };
    cache.set(accountId, url, epoch, rendered);
    return rendered;
  };

  return function answerConfigRead(request, response) {
    if (request.method !== 'GET') return false;
    const url = request.url!;
    if (!url.startsWith(prefix)) return false;
    const headers = request.headers;
    const authorization = headers.authorization;
    if (authorization === undefined) return false;
    // A GET with a body is left to fastify, which reads and refuses it as the route says.
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
    // Wildcards, pages and other lists are the route's: no epoch check or lookup for them.
    const query = url.indexOf('?');
    if (query >= 0 && !exactQuery.test(url.slice(query))) return false;
    const principal = parts.cachedPrincipal(authorization);
    if (principal === undefined || parts.stepAside() || parts.mayNameAccount(request)) return false;
    // Refusals (403) are the route's to word.
    if (principal.kind === 'token' && !principal.scopes.includes('read')) return false;
    const started = performance.now();
    const accountId = principal.kind === 'admin' ? principal.account.id : principal.accountId;
    let rendered: RenderedConfig | undefined;
    try {
      const epoch = parts.readEpoch();
      // A path in the cache was checked when it was read: it is a valid integration and scope.
      rendered = cache.get(accountId, url, epoch) ?? readAndRender(accountId, url, epoch);
    } catch {
      // The route reads again and answers whatever went wrong in the catalogue's words.
      return false;
    }
    if (rendered === undefined) return false;
    if (principal.kind === 'token' && principal.integration !== rendered.integration) return false;
    const id = parts.requestIdOf(request);
    const etag = rendered.etag;
    if (etag === undefined) {
      // The list: no ETag, and If-None-Match is not asked.
      response.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        [requestIdHeader]: id,
        'content-length': rendered.bytes,
      });
      response.end(rendered.body);
    } else if (ifNoneMatchHits(headers['if-none-match'], etag)) {
      response.writeHead(304, { etag, [requestIdHeader]: id });
      response.end();
    } else {
      response.writeHead(200, {
        etag,
        'content-type': 'application/json; charset=utf-8',
        [requestIdHeader]: id,
        'content-length': rendered.bytes,
      });
      response.end(rendered.body);
    }
    parts.logRequest(id, 'GET', url, response.statusCode, performance.now() - started);
    return true;
  };
}
