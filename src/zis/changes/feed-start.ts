import { BadRequest, Gone } from '../../http/errors.js';

/** Where a watcher starts: the last revision it has, from `Last-Event-ID`, `since`, or now. */
export interface FeedStartInput {
  /** The `since` query parameter, when given. */
  since?: number;
  /** The `Last-Event-ID` header, when given: an SSE client reconnecting. */
  lastEventId?: string;
}

/**
 * The revision the feed sends changes after. `Last-Event-ID` wins over `since`: an
 * EventSource reconnects to the URL it was first given (its `since` included) and adds the
 * id of the last event it saw, which is the later place. Neither: the newest revision, so
 * the watcher sees changes from now on.
 *
 * Throws 410 (with `meta.oldest_revision`) below the retained history: changes after it
 * are gone, so the client must re-read the configs and watch from the newest revision.
 * Throws 400 past the newest revision: no change has that number yet, and waiting for it
 * would silently skip the ones before it.
 */
export function feedStart(input: FeedStartInput, bounds: { oldest: number; latest: number }): number {
  // An empty header is no header: the client has seen no event yet.
  const fromHeader = input.lastEventId?.trim() ? parseLastEventId(input.lastEventId) : undefined;
  const after = fromHeader ?? input.since ?? bounds.latest;
  const name = fromHeader === undefined ? 'since' : 'Last-Event-ID';
  if (after < bounds.oldest - 1) {
    throw Gone(
      `${name}=${after} is older than the retained history: the oldest revision still available is ` +
        `${bounds.oldest}. Read the configs again, then watch with since=${bounds.latest}.`,
      { oldest_revision: bounds.oldest },
    );
  }
  if (after > bounds.latest) {
    throw BadRequest(
      `${name}=${after} is past the newest revision, ${bounds.latest}: pass a revision this server sent, ` +
        `or leave ${name} out to watch from now.`,
    );
  }
  return after;
}

function parseLastEventId(text: string): number {
  const value = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw BadRequest(`The Last-Event-ID header must be a revision number this feed sent; got ${JSON.stringify(text)}.`);
  }
  return value;
}
