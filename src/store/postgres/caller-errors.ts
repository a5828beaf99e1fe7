// Errors from the caller's side of a store call (a config edit that refuses, a damaged
// backup stream) pass through the store's error translation unchanged: they are not the
// database's.

/** An error thrown by caller code (a config edit, backup records): rethrown exactly as it was. */
export class CallerError {
  constructor(readonly error: unknown) {}
}

export function callerCode<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new CallerError(error);
  }
}

/**
 * The caller's records: whatever their iteration throws (a damaged backup, a broken input
 * stream) is the caller's error and is rethrown as it was, never taken for the database's.
 */
export async function* callerRecords<T>(records: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = records[Symbol.asyncIterator]();
  let done = false;
  try {
    while (!done) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        done = true;
        throw new CallerError(error);
      }
      done = next.done === true;
      if (!done) yield next.value;
    }
  } finally {
    // Stopped early (the database refused a row): let the source close its input.
    if (!done) await iterator.return?.();
  }
}
