import { formatTimestamp } from '../../clock.js';
import { timestamp } from '../../http/response-schemas.js';
import type { ConnectionRecord, ConnectionType } from '../../store/zis-registry-store.js';
import { redacted } from './zis-token.js';

/** Each connection type's body fields: which holds the secret, which the label (username, header name). */
export const connectionKinds: Record<ConnectionType, { title: string; secret: string; label?: string }> = {
  bearer_token: { title: 'bearer token', secret: 'token' },
  basic_auth: { title: 'basic authentication', secret: 'password', label: 'username' },
  api_key: { title: 'API key', secret: 'api_key', label: 'header_name' },
};

/** The vendor's rule for connection names, as Switchboard reads it (see the README's compatibility notes). */
export const connectionNamePattern = '^[A-Za-z0-9_-]{1,64}$';
/** A host name, optionally `*.` for its subdomains. */
export const allowedDomainPattern =
  '^(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$';
/** An HTTP header name (RFC 9110 token). */
const headerNamePattern = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

/** The connection as every answer shows it: the secret redacted. */
export function connectionJson(connection: ConnectionRecord) {
  const kind = connectionKinds[connection.connectionType];
  return {
    name: connection.name,
    allowed_domain: connection.allowedDomain,
    ...(kind.label ? { [kind.label]: connection.label } : {}),
    [kind.secret]: redacted,
    created_at: formatTimestamp(connection.createdAt),
    updated_at: formatTimestamp(connection.updatedAt),
  };
}

/** The JSON schema of a connection of `type` in answers. */
export function connectionSchema(type: ConnectionType) {
  const kind = connectionKinds[type];
  return {
    type: 'object',
    properties: {
      name: { type: 'string' },
      allowed_domain: { type: 'string', examples: ['api.example.com'] },
      ...(kind.label ? { [kind.label]: { type: 'string' } } : {}),
      [kind.secret]: { type: 'string', description: 'Always "*****": the secret is never returned.' },
      created_at: timestamp,
      updated_at: timestamp,
    },
  };
}

/** The JSON schema of a create (`required`) or update body of `type`. */
export function connectionBodySchema(type: ConnectionType, create: boolean) {
  const kind = connectionKinds[type];
  const properties: Record<string, object> = {
    name: { type: 'string', pattern: connectionNamePattern },
    allowed_domain: { type: 'string', maxLength: 253, pattern: allowedDomainPattern },
    [kind.secret]: { type: 'string', minLength: 1, maxLength: 8192 },
  };
  if (kind.label) {
    properties[kind.label] =
      kind.label === 'header_name'
        ? { type: 'string', maxLength: 255, pattern: headerNamePattern }
        : { type: 'string', minLength: 1, maxLength: 255 };
  }
  return {
    type: 'object',
    ...(create ? { required: Object.keys(properties) } : {}),
    properties,
  };
}
