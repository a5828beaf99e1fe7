import { formatTimestamp } from '../../clock.js';
import type { ConfigRecord } from '../../store/store.js';

/**
 * A config as the vendor's JSON, with fields in the vendor's order. The stored config text
 * is spliced in as it is: no parse and re-serialise on the read path.
 */
export function configJson(config: ConfigRecord): string {
  return (
    `{"config":${config.configJson}` +
    `,"created_at":"${formatTimestamp(config.createdAt)}"` +
    `,"id":${config.id}` +
    `,"integration":${JSON.stringify(config.integration)}` +
    `,"scope":${JSON.stringify(config.scope)}` +
    `,"updated_at":"${formatTimestamp(config.updatedAt)}"` +
    `,"zendesk_account_id":${config.accountId}}`
  );
}

/** `{"config": {...}}`: the body of every single-config response. */
export function singleConfigBody(config: ConfigRecord): string {
  return `{"config":${configJson(config)}}`;
}

/** The list response: `configs`, `links.next` (or ""), `meta.has_more`, `next` (or null). */
export function configListBody(configs: ConfigRecord[], nextUrl: string | undefined): string {
  return (
    `{"configs":[${configs.map(configJson).join(',')}]` +
    `,"links":{"next":${JSON.stringify(nextUrl ?? '')}}` +
    `,"meta":{"has_more":${nextUrl !== undefined}}` +
    `,"next":${nextUrl === undefined ? 'null' : JSON.stringify(nextUrl)}}`
  );
}
