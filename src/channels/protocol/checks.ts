/**
 * Small building blocks shared by the protocol validators. Each check adds a
 * {@link Finding} (rule id from the catalogue in `rules.ts`, path, message) to a
 * {@link Problems} list and returns what it could read; a validator returns its typed
 * value only when the list stays empty, so the placeholder values returned on failure
 * never escape.
 *
 * Messages never echo string contents that may be secret (metadata, state, file URLs);
 * they say what was expected and what was found (type, length, offending character).
 */
import type { Finding } from './finding.js';
import { characterCount, PROBLEMS_REPORTED_MAX } from './limits.js';
import { finding } from './rules.js';

/**
 * The failure half of every validator result: `findings`, every broken rule (catalogue
 * id, severity, path, message), and `problems`, the same as `path: message` lines,
 * shortened to {@link PROBLEMS_REPORTED_MAX} lines plus a summary: the text the API's
 * error details, the pull log and a reply's `last_error` show.
 */
export type Invalid = { ok: false; problems: string[]; findings: Finding[] };

/** What a check found wrong: `type` (missing or wrong JSON type), `length`, `format`, `repeated`. */
export type Kind = 'type' | 'length' | 'format' | 'repeated';

/**
 * The findings of one validation. Rule ids are `{family}.{field}.{kind}`: the field is the
 * path relative to `basePath` without indices (`author.fields[2].id` → `author.fields.id`;
 * an array item itself → `….item`), renamed by `renamePath` when given.
 */
export class Problems {
  readonly findings: Finding[] = [];

  constructor(
    readonly family: string,
    readonly basePath = '',
    readonly renamePath?: (field: string) => string,
  ) {}

  get length(): number {
    return this.findings.length;
  }

  /** The rule id for a problem of `kind` at `path`. */
  ruleFor(path: string, kind: Kind): string {
    let relative = path.startsWith(this.basePath) ? path.slice(this.basePath.length) : path;
    relative = relative.replace(/^\./, '');
    const isItem = relative.endsWith(']');
    let field = relative.replace(/\[\d+\]/g, '');
    if (isItem) field = `${field}.item`;
    if (this.renamePath) field = this.renamePath(field);
    return [this.family, field, kind].filter((part) => part !== '').join('.');
  }

  /** Adds findings made elsewhere (a nested validation). */
  addAll(findings: readonly Finding[]): void {
    this.findings.push(...findings);
  }
}

/** `path: message`, or `label: message` at the root. */
export function problemLine(found: Finding, label = '(root)'): string {
  return `${found.path === undefined || found.path === '' ? label : found.path}: ${found.message}`;
}

/** A JSON object read off the wire. */
export type JsonObject = Record<string, unknown>;

/** `parent.key`, or `key` at the root. */
export function child(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** `parent[index]`. */
export function item(path: string, index: number): string {
  return `${path}[${index}]`;
}

/**
 * Adds one finding of `kind` at `path` (its rule from the path, or `rule`, relative to the
 * family, when given). An empty path is shown as `label` in the problem lines.
 */
export function report(
  problems: Problems,
  path: string,
  message: string,
  kind: Kind,
  options: { label?: string; rule?: string } = {},
): void {
  const rule = options.rule === undefined ? problems.ruleFor(path, kind) : `${problems.family}.${options.rule}`;
  problems.findings.push(finding(rule, message, path === '' ? (options.label ?? '(root)') : path));
}

/** The failure: the findings, and their lines shortened to {@link PROBLEMS_REPORTED_MAX} plus a summary. */
export function failure(problems: Problems): Invalid {
  return failureOf(problems.findings);
}

/** {@link failure} of a finding list. */
export function failureOf(findings: Finding[]): Invalid {
  const lines = findings.slice(0, PROBLEMS_REPORTED_MAX).map((found) => problemLine(found));
  if (findings.length > PROBLEMS_REPORTED_MAX) {
    lines.push(`… and ${findings.length - PROBLEMS_REPORTED_MAX} more problems`);
  }
  return { ok: false, problems: lines, findings };
}

/** A short description of a JSON value's kind for "got …", never echoing strings. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** `"value"` for messages about non-secret strings, cut to 60 characters. */
export function quote(value: string): string {
  const chars = [...value];
  return JSON.stringify(chars.length > 60 ? `${chars.slice(0, 60).join('')}…` : value);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property of `obj`; never something inherited from its prototype. */
export function get(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Absent: the key is missing or (for optional keys) JSON null, which many serialisers emit. */
function absent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** `obj` without the keys whose value is undefined, so optional keys are truly absent. */
export function compact<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj;
}

/** Character bounds; `min` defaults to 0. */
export interface Bounds {
  min?: number;
  max: number;
}

function lengthRule({ min = 0, max }: Bounds): string {
  return min === 0 ? `at most ${max} characters` : `${min}–${max} characters`;
}

/** Reads a string within bounds. Reports and returns undefined otherwise. */
function readString(problems: Problems, path: string, value: unknown, bounds: Bounds): string | undefined {
  if (typeof value !== 'string') {
    report(problems, path, `must be a string; got ${describe(value)}`, 'type');
    return undefined;
  }
  const count = characterCount(value);
  if (count < (bounds.min ?? 0) || count > bounds.max) {
    report(problems, path, `must be ${lengthRule(bounds)}; got ${count}`, 'length');
    return undefined;
  }
  return value;
}

/** A required string within bounds; `''` when missing or invalid (a problem is then reported). */
export function requiredString(problems: Problems, path: string, value: unknown, bounds: Bounds): string {
  if (value === undefined) {
    report(problems, path, 'is required', 'type');
    return '';
  }
  return readString(problems, path, value, bounds) ?? '';
}

/** An optional string within bounds; absent (missing or null) gives undefined. */
export function optionalString(problems: Problems, path: string, value: unknown, bounds: Bounds): string | undefined {
  return absent(value) ? undefined : readString(problems, path, value, bounds);
}

/** An optional boolean; absent (missing or null) gives undefined. */
export function optionalBoolean(problems: Problems, path: string, value: unknown): boolean | undefined {
  if (absent(value)) return undefined;
  if (typeof value === 'boolean') return value;
  report(problems, path, `must be true or false; got ${describe(value)}`, 'type');
  return undefined;
}

/** An array of at most `max` items, or undefined (reported) when it is something else. */
function readArray(problems: Problems, path: string, value: unknown, max: number): unknown[] | undefined {
  if (!Array.isArray(value)) {
    report(problems, path, `must be an array; got ${describe(value)}`, 'type');
    return undefined;
  }
  if (value.length > max) {
    report(problems, path, `must have at most ${max} items; got ${value.length}`, 'length');
    return undefined;
  }
  return value;
}

/** A required array of at most `max` items; `[]` when missing or invalid (reported). */
export function requiredArray(problems: Problems, path: string, value: unknown, max: number): unknown[] {
  if (value === undefined) {
    report(problems, path, 'is required', 'type');
    return [];
  }
  return readArray(problems, path, value, max) ?? [];
}

/** An optional array of at most `max` items; absent (missing or null) gives undefined. */
export function optionalArray(problems: Problems, path: string, value: unknown, max: number): unknown[] | undefined {
  return absent(value) ? undefined : readArray(problems, path, value, max);
}

/** A JSON object, or undefined (reported as missing or of the wrong kind). */
export function requiredObject(
  problems: Problems,
  path: string,
  value: unknown,
  label?: string,
): JsonObject | undefined {
  if (isObject(value)) return value;
  report(
    problems,
    path,
    value === undefined ? 'is required' : `must be a JSON object; got ${describe(value)}`,
    'type',
    { label },
  );
  return undefined;
}

/** The protocol's `external-id` format on a string already within bounds: ASCII, no edge whitespace. */
export function checkExternalIdFormat(problems: Problems, path: string, value: string | undefined): void {
  if (value === undefined || value === '') return;
  let position = 0;
  for (const ch of value) {
    position++;
    const code = ch.codePointAt(0) ?? 0;
    if (code > 0x7f) {
      const hex = code.toString(16).toUpperCase().padStart(4, '0');
      report(problems, path, `must contain only ASCII characters; found U+${hex} at character ${position}`, 'format');
      return;
    }
  }
  if (/^\s|\s$/.test(value)) report(problems, path, 'must not begin or end with whitespace', 'format');
}
