import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accountIdOf, checkIntegrationAccess, checkTokenScope, type Principal } from '../../http/authenticate.js';
import { toApiError } from '../../http/error-handler.js';
import { AuthenticationFailed, BadRequest, envelopeOf, Gone } from '../../http/errors.js';
import { releaseClientSlot } from '../../http/per-client-limit.js';
import { StoreUnavailableError } from '../../store/store-errors.js';
import type { ConfigRevision, ConfigStore, IntegrationKey, ScopePattern } from '../../store/store.js';
import { parseScopeFilter } from '../configs/scope-filter.js';
import { ChangeFollower, changeBatchSize, FeedCompactedError } from './change-follower.js';
import type { ChangeHub } from './change-hub.js';
import { changeFrame, changeListBody } from './change-json.js';
import { changesSchema } from './change-schemas.js';
import { feedStart } from './feed-start.js';
import { SseStream } from './sse-stream.js';
import { StreamLimit } from './stream-limit.js';

export interface ChangeRoutesOptions {
  store: ConfigStore;
  /** This node's change hub: built (and closed) by the composition root, which exposes it. */
  hub: ChangeHub;
  /** Resolves the request's principal (authentication, Host check). */
  principalOf: (request: FastifyRequest) => Principal;
  heartbeatMs: number;
  /**
   * The safety poll's interval (`SWITCHBOARD_CHANGES_POLL_MS`): a heartbeat goes out only when a read
   * that began within it answered, and a read that takes longer than it has stalled (the stream
   * ends with an `error` event, a long-poll answers 503).
   */
  confirmWithinMs: number;
  maxStreamsPerClient: number;
  /** Checks a request's credential again (it may have been revoked since the stream began). */
  stillAuthenticated: (request: FastifyRequest) => Promise<boolean>;
  /** Registers a listener called when any credential is revoked, through any node or the CLI. */
  onCredentialsRevoked: (listener: () => void) => void;
}

interface ChangesRequest {
  Params: { integration: string };
  Querystring: { 'filter[scope]': string; since?: number; wait: number };
}

/** `GET /api/switchboard/v1/integrations/{integration}/changes`: SSE or JSON long-poll. */
export async function changeRoutes(app: FastifyInstance, options: ChangeRoutesOptions): Promise<void> {
  const { store, hub } = options;
  const streams = new StreamLimit(options.maxStreamsPerClient);
  // Open streams and waiting long-polls, ended first on shutdown so that close does not wait for them.
  const open = new Set<() => void>();
  // Open streams by their request: a revocation makes each check its credential again.
  const streaming = new Map<() => void, FastifyRequest>();
  // Waiting long-polls by their request: a revoked one answers 401 at once.
  const polling = new Map<(error: unknown) => void, FastifyRequest>();
  options.onCredentialsRevoked(() => {
    for (const [end, request] of streaming) {
      void options.stillAuthenticated(request).then((valid) => valid || end());
    }
    for (const [refuse, request] of polling) {
      void options.stillAuthenticated(request).then((valid) => valid || refuse(revoked()));
    }
  });
  /**
   * Changes go out only after the credential is read again from the store: a change read
   * before a revocation committed was written before it too, and one read after it finds
   * the credential gone. The revocation watch (and a cached authentication) may lag; this does not.
   */
  async function stillAllowed(request: FastifyRequest, changes: ConfigRevision[]): Promise<void> {
    if (changes.length > 0 && !(await options.stillAuthenticated(request))) throw revoked();
  }
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get<ChangesRequest>(
    '/api/switchboard/v1/integrations/:integration/changes',
    { schema: changesSchema },
    async function watchChanges(request, reply) {
      const principal = options.principalOf(request);
      checkTokenScope(principal, request.method);
      checkIntegrationAccess(principal, request.params.integration);
      const key: IntegrationKey = { accountId: accountIdOf(principal), integration: request.params.integration };
      const parsed = parseScopeFilter(request.query['filter[scope]']);
      if ('problem' in parsed) throw BadRequest(parsed.problem);
      const lastEventId = request.headers['last-event-id'];
      const cursor = feedStart(
        { since: request.query.since, lastEventId: Array.isArray(lastEventId) ? lastEventId[0] : lastEventId },
        await store.revisionBounds(key.accountId),
      );
      if (acceptsEventStream(request)) return streamChanges(request, reply, key, parsed.pattern, cursor);
      const { changes, nextSince } = await longPoll(
        request,
        reply,
        key,
        parsed.pattern,
        cursor,
        request.query.wait * 1000,
      );
      await stillAllowed(request, changes);
      return reply.type('application/json').send(changeListBody(changes, nextSince));
    },
  );

  function streamChanges(
    request: FastifyRequest,
    reply: FastifyReply,
    key: IntegrationKey,
    pattern: ScopePattern,
    cursor: number,
  ): FastifyReply {
    const releaseStream = streams.take(request.ip);
    reply.hijack();
    // The stream holds a connection, not a worker: it leaves the per-client request cap.
    releaseClientSlot(request);
    const stream: SseStream = new SseStream(reply.raw, {
      heartbeatMs: options.heartbeatMs,
      headers: { 'x-request-id': String(request.id) },
      // A quiet filter's client still moves on: reconnecting from here loses nothing.
      progress: (): number => follower.covered,
      // A heartbeat says "nothing new": only after a read that began within the safety-poll bound.
      current: (): boolean => {
        const at = follower.confirmedAt;
        return at !== undefined && performance.now() - at <= options.confirmWithinMs;
      },
      onStale: () => follower.wake(),
    });
    const follower: ChangeFollower = new ChangeFollower({
      hub,
      key,
      pattern,
      cursor,
      stallMs: options.confirmWithinMs,
      // One frame per change, built once for every watcher it goes to.
      deliver: (changes): Promise<void> => stream.send(changes.map(changeFrame).join(''), changes.at(-1)!.revision),
      onConfirmed: () => stream.heartbeatIfDue(),
      onError: (error) => {
        // The client reconnects with Last-Event-ID: it resumes where it was, or learns (410) that it cannot.
        if (error instanceof FeedCompactedError) return stream.end();
        // The database's trouble is the store's to log (once per state change), not each stream's: debug only.
        if (error instanceof StoreUnavailableError)
          request.log.debug('change stream ended: the database did not answer');
        else request.log.error({ err: error }, 'change stream read failed');
        stream.fail(envelopeOf(toApiError(error)));
      },
    });
    const end = () => stream.end();
    open.add(end);
    streaming.set(end, request);
    stream.onClose(() => {
      follower.close();
      releaseStream();
      open.delete(end);
      streaming.delete(end);
    });
    stream.open();
    follower.start();
    return reply;
  }

  /** The changes after `cursor` as soon as there are any, or none once `waitMs` has passed. */
  function longPoll(
    request: FastifyRequest,
    reply: FastifyReply,
    key: IntegrationKey,
    pattern: ScopePattern,
    cursor: number,
    waitMs: number,
  ): Promise<{ changes: ConfigRevision[]; nextSince: number }> {
    if (waitMs === 0) {
      return hub.read(key, pattern, cursor, changeBatchSize).then(({ changes, latest }) => ({
        changes,
        // Not a full page: nothing else matched up to `latest`, so the next ask starts there.
        nextSince: changes.length === changeBatchSize ? changes.at(-1)!.revision : Math.max(cursor, latest),
      }));
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (changes: ConfigRevision[], covered?: number, error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        follower.close();
        open.delete(answerNow);
        polling.delete(refuse);
        reply.raw.off('close', answerNow);
        if (error !== undefined) reject(error);
        else resolve({ changes, nextSince: covered ?? follower.covered });
      };
      const answerNow = () => settle([]);
      const refuse = (error: unknown) => settle([], undefined, error);
      const follower = new ChangeFollower({
        hub,
        key,
        pattern,
        cursor,
        // A stalled read answers 503 (the error handler's), not a wait past the client's patience.
        stallMs: options.confirmWithinMs,
        deliver: (changes, covered) => settle(changes, covered),
        onError: (error) =>
          settle(
            [],
            undefined,
            error instanceof FeedCompactedError
              ? Gone(
                  `Compaction removed changes this request had not read; the oldest revision still available is ${error.oldest}.`,
                  { oldest_revision: error.oldest },
                )
              : error,
          ),
      });
      const timer = setTimeout(answerNow, waitMs);
      open.add(answerNow);
      polling.set(refuse, request);
      // A client that gave up: stop watching for it.
      reply.raw.on('close', answerNow);
      follower.start();
    });
  }
}

/** The answer to a long-poll whose credential was revoked while it waited. */
function revoked(): Error {
  return AuthenticationFailed(
    'Authentication failed: this credential was revoked while the request waited. Authenticate again with a valid one.',
  );
}

/** SSE when the client accepts `text/event-stream` (EventSource always sends it); JSON otherwise. */
function acceptsEventStream(request: FastifyRequest): boolean {
  return /\btext\/event-stream\b/i.test(request.headers.accept ?? '');
}
