import { BadRequest, UnprocessableEntity } from '../../http/errors.js';

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

/** The config as stored JSON text, refused when it is bigger than the limit or nested too deep. */
export function serialiseConfig(config: unknown, maxBytes: number): string {
  if (depthOf(config) > maxDepth) {
    throw UnprocessableEntity(`config is nested more than ${maxDepth} levels deep; flatten it.`);
  }
  const json = JSON.stringify(config);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) {
    throw UnprocessableEntity(`config is ${bytes} bytes as JSON; the limit is ${maxBytes} bytes.`);
  }
  return json;
}

const maxDepth = 64;

function depthOf(value: unknown, depth = 0): number {
  // Stop early: a pathological body must not cost more than the limit it breaks.
  if (depth > maxDepth || typeof value !== 'object' || value === null) return depth;
  let deepest = depth + 1;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, depth + 1));
  return deepest;
}
