import { BadRequest, UnprocessableEntity } from '../../http/errors.js';
import { checkedConfigJson, ConfigRefusedError } from '../../store/config-edit.js';

/** A create/update body after fastify's shape check: `config` or `Config`, maybe `scope`. */
export interface ConfigBody {
  config?: Record<string, unknown>;
  Config?: Record<string, unknown>;
  scope?: string;
}

/**
 * The config object of a body. The vendor's own cURL samples send `Config`, so that
 * spelling is accepted too; both at once is ambiguous.
 */
export function configOf(body: ConfigBody | undefined): Record<string, unknown> {
  if (body === undefined || body === null) {
    throw UnprocessableEntity('The request body is empty; send {"config": {...}} as JSON.');
  }
  if (body.config !== undefined && body.Config !== undefined) {
    throw BadRequest('Send the config as "config" or as "Config", not both.');
  }
  const config = body.config ?? body.Config;
  if (config === undefined) throw UnprocessableEntity('The body must have "config", a JSON object.');
  return config;
}

/** The config as stored JSON text, refused (422) when it is bigger than the limit or nested too deep. */
export function serialiseConfig(config: unknown, maxBytes: number): string {
  try {
    return checkedConfigJson(config, maxBytes);
  } catch (error) {
    throw error instanceof ConfigRefusedError ? UnprocessableEntity(error.message) : error;
  }
}
