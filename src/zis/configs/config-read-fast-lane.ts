import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../http/authenticate.js';
import { envelopeOf, ServiceUnavailable } from '../../http/errors.js';
import { requestIdHeader } from '../../http/request-log.js';
import { StoreUnavailableError } from '../../store/store-errors.js';
import type { ConfigRecord, IntegrationKey } from '../../store/store.js';
import { isIntegrationName, scopeProblem } from '../names.js';
import { configListBody, singleConfigBody } from './config-json.js';
import { etagOf, ifNoneMatchHits } from './etag.js';
import { listAnswerKey, RenderedConfigs, type KeptAnswers, type RenderedConfig } from './rendered-configs.js';

/** What the fast lane needs from the app; every part is the same one the fastify route uses. */
export interface FastLaneParts {
  /**
   * The store's read, the same answer as `getConfig`: at once on SQLite (its read
   * connection), a promise on PostgreSQL (one round trip; the lane then holds the request).
   */
  readConfig: (key: IntegrationKey, scope: string) => ConfigRecord | undefined | Promise<ConfigRecord | undefined>;
  /**
   * Where answers are kept, and each account's read epoch: answers rendered at one value
   * are reused while it holds (SQLite: one for every account, its `data_version`;
   * PostgreSQL's read cache: the account's change notifications). Shared with the list
   * route, which keeps wildcard and paged lists there. Undefined (PostgreSQL by default),
   * or an epoch of undefined: every read goes to the store.
   */
  kept: KeptAnswers | undefined;
  /** Reads the lane may hold waiting on the store at once; past it, requests take the route. */
  maxPendingReads: number;
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

/**
 * The lane: true when it took the request (it answers it, or later hands it to `toRoute`),
 * false when the router must take it now.
 */
export type FastLane = (request: IncomingMessage, response: ServerResponse, toRoute: () => void) => boolean;

const prefix = '/api/services/zis/integrations/';
const oneConfig = '/configs/';
// The vendor's own read: the list filtered on one exact scope, the only query parameter.
const exactList = /^\/configs\?filter(?:\[|%5B)scope(?:\]|%5D)=([A-Za-z0-9._~-]+)$/;
// The only query string the lane takes, checked before anything else is looked up.
const exactQuery = /^\?filter(?:\[|%5B)scope(?:\]|%5D)=[A-Za-z0-9._~-]+$/;

/** A config the lane may answer for, from its path. */
interface RequestedConfig {
  integration: string;
  scope: string;
  asList: boolean;
}

/** Which config a path names, and how to answer it; undefined for one the router must judge. */
function requestedConfig(url: string): RequestedConfig | undefined {
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
 * with a remembered credential, answered straight from node:http: no routing, hooks or
 * per-request logger. Everything else — an unknown credential, a refusal, a missing
 * config, a wildcard, any percent-encoding, another query parameter, a body — goes to
 * fastify, so every error still comes from the one catalogue. The answer is byte for byte
 * the route's (`config-routes.ts`), which `test/zis/config-read-fast-lane.test.ts` holds it to.
 *
 * On SQLite the read is synchronous from start to end, so the request never holds a
 * per-client slot or a timer, and the rendered answer (ETag and body bytes) is kept until
 * the store's read epoch moves: a repeated read costs one `data_version` check instead of
 * a lookup and a render. On PostgreSQL the read is one round trip, at most
 * `maxPendingReads` at once; a missing config or an unexpected error then goes to the
 * route (which reads again), and an unavailable database is answered 503 here, as the
 * route would, so a silent server is waited on once, not twice.
 */
export function configReadFastLane(parts: FastLaneParts): FastLane {
  const cache = parts.kept?.cache ?? new RenderedConfigs(0);
  const readEpoch = parts.kept?.readEpoch ?? (() => undefined);
  let pendingReads = 0;

  /** The config's answer, rendered, and kept if read at the account's current epoch; undefined for no config (the route's 404, for the list too). */
  const render = (
    accountId: number,
    url: string,
    requested: RequestedConfig,
    epoch: number | undefined,
    config: ConfigRecord | undefined,
    waited: boolean,
  ): RenderedConfig | undefined => {
    if (config === undefined) return undefined;
    const body = requested.asList ? configListBody([config], undefined) : singleConfigBody(config);
    const etag = requested.asList ? undefined : etagOf(config);
    const rendered = { integration: requested.integration, etag, body, bytes: Buffer.byteLength(body) };
    // A read that waited may have seen the epoch move (a change committed meanwhile): answered, not kept.
    if (epoch !== undefined) cache.set(accountId, url, epoch, rendered, waited ? readEpoch(accountId) : epoch);
    return rendered;
  };

  /** Writes the answer; false when the route must answer instead (no config, another integration's token). */
  const send = (
    request: IncomingMessage,
    response: ServerResponse,
    principal: Principal,
    rendered: RenderedConfig | undefined,
    started: number,
  ): boolean => {
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
    } else if (ifNoneMatchHits(request.headers['if-none-match'], etag)) {
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
    parts.logRequest(id, 'GET', request.url!, response.statusCode, performance.now() - started);
    return true;
  };

  /** The database is unavailable: the route's 503, without a second wait on it. */
  const sendUnavailable = (request: IncomingMessage, response: ServerResponse, started: number): void => {
    const id = parts.requestIdOf(request);
    const body = JSON.stringify(envelopeOf(ServiceUnavailable()));
    response.writeHead(503, {
      'retry-after': '1',
      'content-type': 'application/json; charset=utf-8',
      [requestIdHeader]: id,
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
    parts.logRequest(id, 'GET', request.url!, 503, performance.now() - started);
  };

  return function answerConfigRead(request, response, toRoute) {
    if (request.method !== 'GET') return false;
    const url = request.url!;
    if (!url.startsWith(prefix)) return false;
    const headers = request.headers;
    const authorization = headers.authorization;
    if (authorization === undefined) return false;
    // A GET with a body is left to fastify, which reads and refuses it as the route says.
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
    // Wildcards, pages and other lists: answered only from what the list route kept.
    const query = url.indexOf('?');
    const otherList = query >= 0 && !exactQuery.test(url.slice(query));
    if (otherList && parts.kept === undefined) return false;
    const principal = parts.cachedPrincipal(authorization);
    if (principal === undefined || parts.stepAside() || parts.mayNameAccount(request)) return false;
    // Refusals (403) are the route's to word.
    if (principal.kind === 'token' && !principal.scopes.includes('read')) return false;
    const started = performance.now();
    const accountId = principal.kind === 'admin' ? principal.account.id : principal.accountId;
    if (otherList) {
      let page: RenderedConfig | undefined;
      try {
        const epoch = readEpoch(accountId);
        page = epoch === undefined ? undefined : cache.get(accountId, listAnswerKey(request), epoch);
      } catch {
        return false;
      }
      return send(request, response, principal, page, started);
    }
    let epoch: number | undefined;
    let read: ConfigRecord | undefined | Promise<ConfigRecord | undefined>;
    let requested: RequestedConfig | undefined;
    try {
      epoch = readEpoch(accountId);
      // A path in the cache was checked when it was read: it is a valid integration and scope.
      const kept = epoch === undefined ? undefined : cache.get(accountId, url, epoch);
      if (kept !== undefined) return send(request, response, principal, kept, started);
      requested = requestedConfig(url);
      if (requested === undefined) return false;
      // A read that waits on the store (PostgreSQL) holds the request: bounded in number, so
      // past it reads take the route and its per-client limit.
      if (pendingReads >= parts.maxPendingReads) return false;
      read = parts.readConfig({ accountId, integration: requested.integration }, requested.scope);
    } catch {
      // The route reads again and answers whatever went wrong in the catalogue's words.
      return false;
    }
    if (!(read instanceof Promise)) {
      return send(request, response, principal, render(accountId, url, requested, epoch, read, false), started);
    }
    const asked = requested;
    pendingReads++;
    read.then(
      (config) => {
        pendingReads--;
        if (!send(request, response, principal, render(accountId, url, asked, epoch, config, true), started)) toRoute();
      },
      (error: unknown) => {
        pendingReads--;
        // Unavailable: answered here, as the route would after waiting once more.
        // Anything else: the route reads again and answers in the catalogue's words.
        if (error instanceof StoreUnavailableError) sendUnavailable(request, response, started);
        else toRoute();
      },
    );
    return true;
  };
}
