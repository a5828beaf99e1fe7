import type { Readable } from 'node:stream';

/**
 * The lines of a UTF-8 stream, without their `\n` (or `\r\n`). A last line without a
 * newline is still a line. Errors of the stream are thrown, not swallowed (readline's
 * iterator did not always pass them on).
 */
export async function* readLines(input: Readable): AsyncGenerator<string> {
  input.setEncoding('utf8');
  let pending = '';
  for await (const chunk of input as AsyncIterable<string>) {
    pending += chunk;
    let start = 0;
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
      yield withoutCr(pending.slice(start, end));
      start = end + 1;
    }
    pending = pending.slice(start);
  }
  if (pending !== '') yield withoutCr(pending);
}

const withoutCr = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);
