import { MalformedJson, UnprocessableEntity, type ApiError } from './errors.js';

/**
 * What `JSON.parse` would silently change in a body: a stored config must come back as it
 * was sent, so these are refused instead, naming where they are.
 * - a lone surrogate (`"\ud800"`), in a key or a string: not a character, stored differently by each store;
 * - a number whose value changes when read as an IEEE-754 double: overflow (`1e999`), a
 *   non-zero value that underflows (`1e-400`), lost digits (`123456789012345678901234567890`).
 *   `1.0`, `1e2` and `-0` keep their value and pass (they may come back as `1`, `100`, `0`);
 * - a key twice in one object (parsing would keep the last one without a word);
 * - nesting deeper than {@link maxJsonDepth}: nothing needs it, and every recursive walk of
 *   the value (this scan's included) would run out of stack.
 */
export interface JsonProblem {
  kind: 'lone_surrogate' | 'number' | 'duplicate_key' | 'too_deep';
  /** Where, as `config.a[2].b` (`$` for the top level). */
  path: string;
  detail: string;
}

/** Deepest nesting of arrays and objects a body may have. */
export const maxJsonDepth = 512;

/**
 * Scans JSON text that `JSON.parse` accepted; returns the first problem, or undefined.
 * The text must be valid JSON (call it after parsing succeeded).
 */
export function findJsonProblem(text: string): JsonProblem | undefined {
  let i = 0;
  const path: (string | number)[] = [];
  const where = () =>
    path.length === 0 ? '$' : path.map((p, n) => (typeof p === 'number' ? `[${p}]` : n === 0 ? p : `.${p}`)).join('');
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };

  /** Reads a string token at `i` (at its opening quote); returns its value. */
  const readString = (): string | JsonProblem => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    const value = JSON.parse(text.slice(start, i)) as string;
    if (!isWellFormed(value)) {
      return { kind: 'lone_surrogate', path: where(), detail: 'holds a lone surrogate (not a Unicode character)' };
    }
    return value;
  };

  const readNumber = (): JsonProblem | undefined => {
    const start = i;
    while (i < text.length && /[-+0-9.eE]/.test(text[i]!)) i++;
    const token = text.slice(start, i);
    const problem = numberProblem(token);
    return problem ? { kind: 'number', path: where(), detail: problem } : undefined;
  };

  const readValue = (): JsonProblem | undefined => {
    skipSpace();
    const c = text[i];
    if ((c === '{' || c === '[') && path.length >= maxJsonDepth) {
      return { kind: 'too_deep', path: where(), detail: `is nested more than ${maxJsonDepth} levels deep` };
    }
    if (c === '{') {
      i++;
      const keys = new Set<string>();
      skipSpace();
      if (text[i] === '}') {
        i++;
        return undefined;
      }
      for (;;) {
        skipSpace();
        const key = readString();
        if (typeof key !== 'string') return { ...key, detail: 'has a key that holds a lone surrogate' };
        path.push(key);
        if (keys.has(key)) {
          return { kind: 'duplicate_key', path: where(), detail: 'appears twice in the same object' };
        }
        keys.add(key);
        skipSpace();
        i++; // ':'
        const problem = readValue();
        if (problem) return problem;
        path.pop();
        skipSpace();
        if (text[i++] === '}') return undefined;
      }
    }
    if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return undefined;
      }
      for (let n = 0; ; n++) {
        path.push(n);
        const problem = readValue();
        if (problem) return problem;
        path.pop();
        skipSpace();
        if (text[i++] === ']') return undefined;
      }
    }
    if (c === '"') {
      const value = readString();
      return typeof value === 'string' ? undefined : value;
    }
    if (c === '-' || (c! >= '0' && c! <= '9')) return readNumber();
    // true, false, null
    while (i < text.length && /[a-z]/.test(text[i]!)) i++;
    return undefined;
  };

  return readValue();
}

/** No lone surrogate: a high one always followed by a low one, a low one always after a high one. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed = (text: string) => !loneSurrogate.test(text);

/** Digits without leading or trailing zeros, and the decimal exponent of the first digit. */
function decimalOf(text: string): { digits: string; exponent: number } {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/.exec(text)!;
  const whole = match[1]!;
  const fraction = match[2] ?? '';
  const all = whole + fraction;
  const firstNonZero = all.search(/[1-9]/);
  if (firstNonZero === -1) return { digits: '', exponent: 0 };
  const digits = all.slice(firstNonZero).replace(/0+$/, '');
  const exponent = Number(match[3] ?? 0) + whole.length - 1 - firstNonZero;
  return { digits, exponent };
}

/** Why a number token would not survive as a double, or undefined when it does. */
export function numberProblem(token: string): string | undefined {
  const value = Number(token);
  if (!Number.isFinite(value)) return `is ${token.slice(0, 40)}, too large to keep (more than about 1.8e308)`;
  const sent = decimalOf(token);
  if (value === 0) {
    return sent.digits === '' ? undefined : `is ${token.slice(0, 40)}, too small to keep: it would become 0`;
  }
  // The shortest decimal that reads back as this double: equal digits mean nothing was lost.
  const kept = decimalOf(Math.abs(value).toExponential().replace('e+', 'e'));
  if (kept.digits === sent.digits && kept.exponent === sent.exponent) return undefined;
  return (
    `is ${token.slice(0, 40)}, which cannot be kept exactly (it would become ${value}); ` +
    'send it as a string, or with at most 17 significant digits'
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A request body's bytes as JSON, strictly: invalid UTF-8 is 400 (it would be stored with
 * U+FFFD in place of the bytes), text that is not JSON is 400 (`notJson` words the detail),
 * and what parsing would silently change (see {@link findJsonProblem}) is 422 naming where.
 * An empty or blank body is no body.
 */
export function parseJsonBody(bytes: Buffer, notJson: (message: string) => ApiError): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw MalformedJson('The request body is not valid UTF-8; send the JSON text encoded as UTF-8.');
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw notJson((error as Error).message);
  }
  const problem = findJsonProblem(text);
  if (problem) {
    const where = problem.path === '$' ? 'The body' : `Body field "${problem.path}"`;
    throw UnprocessableEntity(`${where} ${problem.detail}; it would not be stored as sent.`);
  }
  return value;
}
