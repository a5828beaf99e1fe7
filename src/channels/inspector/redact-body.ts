import type { ExchangeKind } from '../../store/exchange-store.js';

/** Keys whose values are hidden unless the admin reveals them: metadata, state and any token. */
const secretKey = /^(?:metadata|state|[A-Za-z0-9_]*token)$/i;

const marker = (length: number) => `[redacted: ${length} characters]`;

/** Characters of a JSON string's escaped content (a cut one counted as it stands). */
function decodedLength(escaped: string, closed: boolean): number {
  if (closed) {
    try {
      return [...(JSON.parse(`"${escaped}"`) as string)].length;
    } catch {
      // fall through: count the text as it stands
    }
  }
  return [...escaped].length;
}

// "key": "value", the value possibly cut short at the end of a cut body.
const jsonSecret = /"([A-Za-z0-9_]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)("|\\?$)/g;

/**
 * A JSON body with the string values of its secret keys (at any depth) replaced by
 * `[redacted: N characters]`. Works on text that does not parse (a body cut at the limit):
 * it reads key-value pairs, not the document.
 */
export function redactJson(body: string): string {
  return body.replace(jsonSecret, (whole, key: string, colon: string, value: string, end: string) =>
    secretKey.test(key) ? `"${key}"${colon}"${marker(decodedLength(value, end === '"'))}"` : whole,
  );
}

/** A form body (`a=1&b=2`) with its secret fields' values replaced by `[redacted: N characters]`. */
export function redactForm(body: string): string {
  return body
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) return pair;
      const key = decodeURIComponent(pair.slice(0, equals).replaceAll('+', ' '));
      if (!secretKey.test(key)) return pair;
      let value: string;
      try {
        value = decodeURIComponent(pair.slice(equals + 1).replaceAll('+', ' '));
      } catch {
        value = pair.slice(equals + 1);
      }
      return `${pair.slice(0, equals)}=${marker([...value].length)}`;
    })
    .join('&');
}

/** The request body of an exchange as shown: form requests (pulls, channelbacks) and JSON ones (events). */
export function redactRequest(kind: ExchangeKind, body: string): string {
  return kind === 'pull' || kind === 'channelback' ? redactForm(body) : redactJson(body);
}
