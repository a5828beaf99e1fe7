import { UnprocessableEntity } from '../../http/errors.js';
import { characterCount, INSTANCE_NAME_MAX, METADATA_MAX, STATE_MAX } from '../protocol/limits.js';

/** The fields of an instance a client may set directly. */
export interface InstanceFields {
  name?: string;
  metadata?: string;
  state?: string;
}

function checkedString(body: Record<string, unknown>, key: string, max: number, min = 0): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw UnprocessableEntity(
      `"${key}" must be a string (metadata and state are opaque strings; stringify JSON first).`,
    );
  }
  const length = characterCount(value);
  if (length > max) throw UnprocessableEntity(`"${key}" is ${length} characters; the limit is ${max}.`);
  if (length < min) throw UnprocessableEntity(`"${key}" must not be empty.`);
  // PostgreSQL text cannot hold U+0000; refusing it on both stores keeps them alike.
  if (value.includes('\u0000')) throw UnprocessableEntity(`"${key}" must not contain the NUL character (U+0000).`);
  return value;
}

/** `name`, `metadata`, `state` from a JSON body, each checked against the protocol's limits. */
export function instanceFields(body: unknown): InstanceFields {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw UnprocessableEntity('The body must be a JSON object with "name", "metadata" and "state".');
  }
  const record = body as Record<string, unknown>;
  return {
    name: checkedString(record, 'name', INSTANCE_NAME_MAX, 1),
    metadata: checkedString(record, 'metadata', METADATA_MAX),
    state: checkedString(record, 'state', STATE_MAX),
  };
}
