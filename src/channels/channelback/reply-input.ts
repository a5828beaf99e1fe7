import { UnprocessableEntity } from '../../http/errors.js';
import {
  CHANNELBACK_FILE_URLS_MAX,
  CHANNELBACK_MESSAGE_MAX,
  CHANNELBACK_PARENT_ID_MAX,
  FILE_URL_MAX,
  characterCount,
} from '../protocol/limits.js';

/** An agent's reply as the API takes it. */
export interface ReplyInput {
  message: string;
  fileUrls: string[];
  /** Answer this resource of the thread rather than the newest. */
  parentExternalId?: string;
}

const loopbackHosts = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

function fileUrl(value: unknown, index: number, mode: 'development' | 'production'): string {
  const key = `file_urls[${index}]`;
  if (typeof value !== 'string') throw UnprocessableEntity(`"${key}" must be a string (an https URL).`);
  const length = characterCount(value);
  if (length > FILE_URL_MAX)
    throw UnprocessableEntity(`"${key}" is ${length} characters; the limit is ${FILE_URL_MAX}.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw UnprocessableEntity(`"${key}" is not an absolute URL; send https://…`);
  }
  const loopbackHttp = mode === 'development' && url.protocol === 'http:' && loopbackHosts.test(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) {
    throw UnprocessableEntity(
      `"${key}" must be an https URL${mode === 'development' ? ' (or http to a loopback address in development mode)' : ''}.`,
    );
  }
  return value;
}

/**
 * `message`, `file_urls` and `parent_external_id` from a JSON body, each checked against
 * the protocol's limits: message 1–65535 characters (code points), at most 10 file URLs of
 * at most 511 characters, each https (http to loopback in development mode).
 */
export function replyInput(body: unknown, mode: 'development' | 'production'): ReplyInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw UnprocessableEntity('The body must be a JSON object: {"message": "…", "file_urls": ["https://…"]}.');
  }
  const record = body as Record<string, unknown>;
  const { message } = record;
  if (message === undefined) throw UnprocessableEntity('"message" is required: the text of the reply.');
  if (typeof message !== 'string') throw UnprocessableEntity('"message" must be a string.');
  const length = characterCount(message);
  if (length === 0) throw UnprocessableEntity('"message" must not be empty.');
  if (length > CHANNELBACK_MESSAGE_MAX) {
    throw UnprocessableEntity(`"message" is ${length} characters; the limit is ${CHANNELBACK_MESSAGE_MAX}.`);
  }
  // PostgreSQL text cannot hold U+0000; refusing it on both stores keeps them alike.
  if (message.includes('\u0000')) throw UnprocessableEntity('"message" must not contain the NUL character (U+0000).');

  let fileUrls: string[] = [];
  if (record.file_urls !== undefined && record.file_urls !== null) {
    if (!Array.isArray(record.file_urls)) throw UnprocessableEntity('"file_urls" must be an array of https URLs.');
    if (record.file_urls.length > CHANNELBACK_FILE_URLS_MAX) {
      throw UnprocessableEntity(
        `"file_urls" has ${record.file_urls.length} URLs; the limit is ${CHANNELBACK_FILE_URLS_MAX}.`,
      );
    }
    fileUrls = record.file_urls.map((value, index) => fileUrl(value, index, mode));
  }

  const parent = record.parent_external_id;
  if (parent === undefined || parent === null) return { message, fileUrls };
  if (typeof parent !== 'string' || parent === '' || characterCount(parent) > CHANNELBACK_PARENT_ID_MAX) {
    throw UnprocessableEntity(
      `"parent_external_id" must be the external_id of a resource of the thread (1–${CHANNELBACK_PARENT_ID_MAX} characters).`,
    );
  }
  return { message, fileUrls, parentExternalId: parent };
}
