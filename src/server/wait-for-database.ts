import { StoreUnavailableError } from '../store/store-errors.js';

export interface WaitOptions {
  /** How long to keep trying, in seconds; 0 tries once (and a failure is thrown at once). */
  seconds: number;
  /** Names the database in the line it says (never its password). */
  what: string;
  /** Pause between tries (default 500 ms). */
  pauseMs?: number;
  /** Where the one line about the wait goes. */
  say: (line: string) => void;
}

/**
 * `serve --wait-for-database SECONDS`: runs `attempt` (the migration, the start's first use of
 * the database) until it succeeds or the time is up, with a short pause between tries, and
 * says once, at the first failure, what it waits for. Only a database that cannot be reached
 * ({@link StoreUnavailableError}: refused, reset, starting up, shutting down) is waited for;
 * any other failure, and the last one when the time is up, is thrown.
 */
export async function waitForDatabase<T>(attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
  const deadline = performance.now() + options.seconds * 1000;
  let said = false;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      // The last try falls at the deadline, so a start waits the whole time it was given.
      const left = deadline - performance.now();
      if (!(error instanceof StoreUnavailableError) || left <= 0) throw error;
      if (!said) {
        said = true;
        const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
        options.say(`Waiting up to ${options.seconds} s for the database at ${options.what} (${cause})`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(options.pauseMs ?? 500, left)));
    }
  }
}

/** A database URL as a log line may show it: scheme, hosts, port and path, never the credentials. */
export function databaseLabel(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/]*@)?([^/?#]*)(\/[^?#]*)?/i.exec(url);
  return match ? `${match[1]}${match[2]}${match[3] ?? ''}` : url.replace(/\?.*$/, '');
}
