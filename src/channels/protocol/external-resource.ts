/**
 * The external resource: one message from the origin service, in a pull response or a
 * push request, that becomes a ticket or a comment.
 */
import {
  checkExternalIdFormat,
  child,
  compact,
  failure,
  get,
  type Invalid,
  item,
  optionalArray,
  optionalBoolean,
  optionalString,
  quote,
  report,
  requiredObject,
  requiredString,
  type JsonObject,
  describe,
  isObject,
  Problems,
} from './checks.js';
import { isIso8601DateTime } from './date-time.js';
import * as L from './limits.js';

/** A ticket or user field to set: `id` is a field id or (for system fields) its English name. */
export interface FieldValue {
  id: number | string;
  /** Any JSON value, passed through untouched (null included). */
  value: unknown;
}

/** Who wrote the message in the origin service. */
export interface Author {
  external_id: string;
  name?: string;
  image_url?: string;
  locale?: string;
  fields?: FieldValue[];
}

/** Integration-specific hints for apps in the agent UI. */
export interface DisplayInfo {
  type: string;
  /** A JSON object (the schema), or a string of JSON (the API reference types it so), kept as sent. */
  data: JsonObject | string;
}

/** A validated external resource, keys as on the wire. Unknown keys are dropped. */
export interface ExternalResource {
  external_id: string;
  message: string;
  html_message?: string;
  internal_note?: boolean;
  /** At most one of parent_id and thread_id is present. */
  parent_id?: string;
  thread_id?: string;
  /** As sent: an ISO 8601 date-time with an offset `Z`, `±hh:mm` or `±hhmm`, any fraction of a second. */
  created_at: string;
  author: Author;
  display_info?: DisplayInfo[];
  allow_channelback?: boolean;
  /** Ticket fields; applied only when the resource creates a ticket. */
  fields?: FieldValue[];
  /** At most 10 absolute https URLs. */
  file_urls?: string[];
}

/** The result of {@link validateExternalResource}. */
export type ExternalResourceResult = { ok: true; resource: ExternalResource } | Invalid;

/**
 * Validates one external resource.
 *
 * Decisions where the sources disagree: the larger limit wins, so nothing the vendor may
 * accept is refused: `parent_id` up to 511 characters (docs; schema 255),
 * `author.image_url` up to 511 (schema; docs 255), `display_info[].data` a JSON object (the
 * schema) or a string of at most 65535 characters (the API reference). `file_urls` follows
 * the docs instead: at most 10 (schema 64), https only (the schema's `https-url` format).
 * `external_id`, `author.external_id`, `parent_id` and `thread_id` carry the schema's
 * `external-id` format: ASCII only, no leading or trailing whitespace. An optional key
 * whose value is null counts as absent. Unknown keys are ignored.
 *
 * Each problem is a {@link Finding} of the `pull.resource.*` or `push.resource.*` rules
 * (`rules.ts`), e.g. `pull.resource.created_at.format`.
 *
 * @param json A parsed JSON value.
 * @param path Where the resource sits, e.g. `external_resources[3]`; prefixes every problem.
 * @param family Whose rules: a pulled resource's (the default) or a pushed one's.
 */
export function validateExternalResource(
  json: unknown,
  path = '',
  family: 'pull' | 'push' = 'pull',
): ExternalResourceResult {
  const problems = new Problems(`${family}.resource`, path);
  const obj = requiredObject(problems, path, json, '(resource)');
  if (obj === undefined) return failure(problems);
  const at = (key: string) => child(path, key);

  const externalId = requiredString(problems, at('external_id'), get(obj, 'external_id'), {
    min: 1,
    max: L.EXTERNAL_ID_MAX,
  });
  checkExternalIdFormat(problems, at('external_id'), externalId);
  const message = requiredString(problems, at('message'), get(obj, 'message'), { min: 1, max: L.MESSAGE_MAX });
  const htmlMessage = optionalString(problems, at('html_message'), get(obj, 'html_message'), {
    min: 1,
    max: L.HTML_MESSAGE_MAX,
  });
  const internalNote = optionalBoolean(problems, at('internal_note'), get(obj, 'internal_note'));
  const parentId = optionalString(problems, at('parent_id'), get(obj, 'parent_id'), { min: 1, max: L.PARENT_ID_MAX });
  checkExternalIdFormat(problems, at('parent_id'), parentId);
  const threadId = optionalString(problems, at('thread_id'), get(obj, 'thread_id'), { min: 1, max: L.THREAD_ID_MAX });
  checkExternalIdFormat(problems, at('thread_id'), threadId);
  if (isPresent(get(obj, 'parent_id')) && isPresent(get(obj, 'thread_id'))) {
    report(
      problems,
      path,
      'has both parent_id and thread_id; send one of them, or neither to start a new ticket',
      'format',
      { label: '(resource)', rule: 'parent_and_thread' },
    );
  }
  const createdAt = readCreatedAt(problems, at('created_at'), get(obj, 'created_at'));
  const author = readAuthor(problems, at('author'), get(obj, 'author'));
  const displayInfo = readDisplayInfo(problems, at('display_info'), get(obj, 'display_info'));
  const allowChannelback = optionalBoolean(problems, at('allow_channelback'), get(obj, 'allow_channelback'));
  const fields = readFields(problems, at('fields'), get(obj, 'fields'));
  const fileUrls = readFileUrls(problems, at('file_urls'), get(obj, 'file_urls'));

  if (problems.length > 0 || author === undefined) return failure(problems);
  const resource: ExternalResource = compact({
    external_id: externalId,
    message,
    html_message: htmlMessage,
    internal_note: internalNote,
    parent_id: parentId,
    thread_id: threadId,
    created_at: createdAt,
    author,
    display_info: displayInfo,
    allow_channelback: allowChannelback,
    fields,
    file_urls: fileUrls,
  });
  return { ok: true, resource };
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function readCreatedAt(problems: Problems, path: string, value: unknown): string {
  const text = requiredString(problems, path, value, { min: 1, max: L.CREATED_AT_MAX });
  if (text !== '' && !isIso8601DateTime(text)) {
    report(
      problems,
      path,
      'must be an ISO 8601 date-time with a time zone offset, such as 2015-09-08T22:48:09Z, ' +
        `2015-09-08T22:48:09.123+00:00 or 2015-09-08T22:48:09+0000; got ${quote(text)}`,
      'format',
    );
  }
  return text;
}

function readAuthor(problems: Problems, path: string, value: unknown): Author | undefined {
  const obj = requiredObject(problems, path, value);
  if (obj === undefined) return undefined;
  const at = (key: string) => child(path, key);
  const externalId = requiredString(problems, at('external_id'), get(obj, 'external_id'), {
    min: 1,
    max: L.AUTHOR_EXTERNAL_ID_MAX,
  });
  checkExternalIdFormat(problems, at('external_id'), externalId);
  return compact({
    external_id: externalId,
    name: optionalString(problems, at('name'), get(obj, 'name'), { min: 1, max: L.AUTHOR_NAME_MAX }),
    image_url: optionalString(problems, at('image_url'), get(obj, 'image_url'), {
      min: 1,
      max: L.AUTHOR_IMAGE_URL_MAX,
    }),
    locale: optionalString(problems, at('locale'), get(obj, 'locale'), { min: 1, max: L.AUTHOR_LOCALE_MAX }),
    fields: readFields(problems, at('fields'), get(obj, 'fields')),
  });
}

function readFields(problems: Problems, path: string, value: unknown): FieldValue[] | undefined {
  const list = optionalArray(problems, path, value, L.FIELDS_MAX);
  return list?.map((entry, index) => {
    const at = item(path, index);
    const obj = requiredObject(problems, at, entry);
    if (obj === undefined) return { id: '', value: null };
    const id = get(obj, 'id');
    const idPath = child(at, 'id');
    if (typeof id === 'string') requiredString(problems, idPath, id, { min: 1, max: L.FIELD_ID_MAX });
    else if (id === undefined) report(problems, idPath, 'is required', 'type');
    else if (typeof id !== 'number' || !Number.isInteger(id)) {
      report(problems, idPath, `must be an integer or a string; got ${describe(id)}`, 'type');
    }
    if (!Object.hasOwn(obj, 'value')) report(problems, child(at, 'value'), 'is required (null is allowed)', 'type');
    return { id: id as number | string, value: get(obj, 'value') };
  });
}

function readDisplayInfo(problems: Problems, path: string, value: unknown): DisplayInfo[] | undefined {
  const list = optionalArray(problems, path, value, L.DISPLAY_INFO_MAX);
  return list?.map((entry, index) => {
    const at = item(path, index);
    const obj = requiredObject(problems, at, entry);
    if (obj === undefined) return { type: '', data: {} };
    const type = requiredString(problems, child(at, 'type'), get(obj, 'type'), {
      min: 1,
      max: L.DISPLAY_INFO_TYPE_MAX,
    });
    return { type, data: readDisplayData(problems, child(at, 'data'), get(obj, 'data')) };
  });
}

/** A JSON object, or a string (kept as sent: the vendor's apps parse it themselves). */
function readDisplayData(problems: Problems, path: string, value: unknown): JsonObject | string {
  if (typeof value === 'string') return requiredString(problems, path, value, { max: L.DISPLAY_INFO_DATA_MAX });
  if (value === undefined) {
    report(problems, path, 'is required', 'type');
    return {};
  }
  if (isObject(value)) return value;
  report(problems, path, `must be a JSON object or a string; got ${describe(value)}`, 'type');
  return {};
}

function readFileUrls(problems: Problems, path: string, value: unknown): string[] | undefined {
  const list = optionalArray(problems, path, value, L.FILE_URLS_MAX);
  return list?.map((entry, index) => {
    const at = item(path, index);
    const text = requiredString(problems, at, entry, { min: 1, max: L.FILE_URL_MAX });
    if (text !== '' && !isHttpsUrl(text)) report(problems, at, 'must be an absolute https URL', 'format');
    return text;
  });
}

function isHttpsUrl(text: string): boolean {
  return URL.canParse(text) && new URL(text).protocol === 'https:';
}
