/**
 * The rule catalogue: every protocol rule Switchboard checks, with its id, severity, what
 * it says, the documented limit and the vendor's page. The validators in this folder
 * report {@link Finding}s by these ids, and the pull loop, the push API, the channelback
 * sender and `switchboard doctor` all judge through those validators, so the host and the
 * doctor cannot disagree. Ids read `family.field.kind`, e.g. `pull.resource.created_at.format`:
 * - `type`: missing when required, or not of the right JSON type;
 * - `length`: a string's characters or an array's items out of bounds;
 * - `format`: the right type and length but the wrong form (date-time, URL, ASCII id).
 */
import type { Finding, Severity } from './finding.js';
import * as L from './limits.js';

/** One rule of the catalogue. */
export interface Rule {
  /** E.g. `pull.resource.created_at.format`. */
  id: string;
  /** error: the vendor would refuse or lose data; warning: works but risky; note: worth knowing. */
  severity: Severity;
  /** What the rule says, e.g. "created_at must be an ISO 8601 date-time with an offset". */
  summary: string;
  /** The documented limit, e.g. "1–255 characters", when the rule has one. */
  limit?: string;
  /** The vendor's documentation page for the rule. */
  link: string;
}

const docs = 'https://developer.zendesk.com/documentation/channel_framework/understanding-the-channel-framework/';
/** The vendor's pages, one per part of the protocol. */
export const VENDOR_LINKS = {
  manifest: 'https://developer.zendesk.com/apps/docs/channels-framework/integration_manifest',
  adminUi: `${docs}administrative_interface`,
  pull: `${docs}pull_endpoint`,
  resource: `${docs}external_resources`,
  push: 'https://developer.zendesk.com/api-reference/ticketing/channel-framework/push/',
  channelback: `${docs}channelback`,
  clickthrough: `${docs}clickthrough_endpoint`,
  events: `${docs}event_callbacks`,
  metadata: `${docs}metadata_and_state`,
} as const;

/** How one field is checked: its JSON type, and its bounds or form when it has them. */
interface FieldSpec {
  /** E.g. "a string", "an array"; `required` adds "is required and". */
  type: string;
  required?: boolean;
  length?: string;
  format?: string;
  /** Form fields (admin UI return): sent more than once. */
  repeated?: boolean;
}

const rules: Rule[] = [];

function add(id: string, severity: Severity, summary: string, link: string, limit?: string): void {
  rules.push(limit === undefined ? { id, severity, summary, link } : { id, severity, summary, link, limit });
}

/** The `type`, `length`, `format` (and `repeated`) rules of each field, all errors. */
function fields(prefix: string, link: string, specs: Record<string, FieldSpec>): void {
  for (const [path, spec] of Object.entries(specs)) {
    const name = path === '' ? prefix.split('.').pop()! : path;
    const id = path === '' ? prefix : `${prefix}.${path}`;
    add(`${id}.type`, 'error', `${name} ${spec.required ? 'is required and ' : ''}must be ${spec.type}`, link);
    if (spec.length) add(`${id}.length`, 'error', `${name} must be ${spec.length}`, link, spec.length);
    if (spec.format) add(`${id}.format`, 'error', `${name} must be ${spec.format}`, link);
    if (spec.repeated) add(`${id}.repeated`, 'error', `${name} must be sent once`, link);
  }
}

const chars = (min: number, max: number) => (min === 0 ? `at most ${max} characters` : `${min}–${max} characters`);
const items = (max: number) => `at most ${max} items`;
const string = (min: number, max: number, required = false): FieldSpec => ({
  type: 'a string',
  required,
  length: chars(min, max),
});
const externalId = (max: number, required = true): FieldSpec => ({
  ...string(1, max, required),
  format: 'ASCII only, without leading or trailing whitespace',
});
const bool: FieldSpec = { type: 'true or false' };

// --- Manifest -----------------------------------------------------------------------
fields('manifest', VENDOR_LINKS.manifest, {
  '': { type: 'a JSON object', required: true },
  name: string(1, L.MANIFEST_NAME_MAX, true),
  id: string(1, L.MANIFEST_ID_MAX, true),
  version: string(1, L.MANIFEST_VERSION_MAX),
  author: string(1, L.MANIFEST_AUTHOR_MAX),
  push_client_id: string(1, L.PUSH_CLIENT_ID_MAX),
  channelback_files: bool,
  create_followup_tickets: bool,
  urls: { type: 'a JSON object', required: true },
  'urls.entry': {
    type: 'a string (urls.admin_ui is required)',
    length: chars(1, L.MANIFEST_URL_MAX),
    format: 'an http or https URL, absolute or relative to the manifest URL',
  },
});
add('manifest.url.format', 'error', 'the manifest URL must be an absolute http or https URL', VENDOR_LINKS.manifest);
add('manifest.fetch', 'error', 'the manifest URL must answer 200 with the manifest', VENDOR_LINKS.manifest);
add('manifest.json', 'error', 'the manifest must be JSON', VENDOR_LINKS.manifest);
add('manifest.content_type', 'warning', 'the manifest should be served as application/json', VENDOR_LINKS.manifest);
add(
  'manifest.urls.https',
  'warning',
  'the vendor requires https URLs; plain http works only here',
  VENDOR_LINKS.manifest,
);
add('manifest.unknown_field', 'note', 'a key the protocol does not define is ignored', VENDOR_LINKS.manifest);
add(
  'manifest.source.none',
  'warning',
  'with neither pull_url nor push_client_id, no message ever arrives',
  VENDOR_LINKS.manifest,
);
add(
  'manifest.source.both',
  'note',
  'with both pull_url and push_client_id, the integration is pulled and may push: resources must not come twice',
  VENDOR_LINKS.manifest,
);

// --- Admin UI -----------------------------------------------------------------------
add('admin_ui.status', 'error', 'the admin UI must answer the POST with 200', VENDOR_LINKS.adminUi);
add('admin_ui.html', 'error', 'the admin UI must answer with HTML (text/html)', VENDOR_LINKS.adminUi);
add('admin_ui.form', 'error', 'the admin UI page must hold a form that posts to return_url', VENDOR_LINKS.adminUi);
add(
  'admin_ui.handoff',
  'error',
  'the admin UI hand-off must be completed (name and metadata posted to return_url)',
  VENDOR_LINKS.adminUi,
);
fields('admin_ui.return', VENDOR_LINKS.adminUi, {
  name: { ...string(1, L.INSTANCE_NAME_MAX, true), format: 'not only whitespace', repeated: true },
  metadata: { ...string(0, L.METADATA_MAX, true), repeated: true },
  state: { ...string(0, L.STATE_MAX), repeated: true },
});

// --- External resources (pull and push alike) ----------------------------------------
const fieldValue = (prefix: string): Record<string, FieldSpec> => ({
  [prefix]: { type: 'an array', length: items(L.FIELDS_MAX) },
  [`${prefix}.item`]: { type: 'a JSON object' },
  [`${prefix}.id`]: { type: 'an integer or a string', required: true, length: chars(1, L.FIELD_ID_MAX) },
  [`${prefix}.value`]: { type: 'present (null is allowed)', required: true },
});
const resourceSpecs: Record<string, FieldSpec> = {
  '': { type: 'a JSON object' },
  external_id: externalId(L.EXTERNAL_ID_MAX),
  message: string(1, L.MESSAGE_MAX, true),
  html_message: string(1, L.HTML_MESSAGE_MAX),
  internal_note: bool,
  parent_id: externalId(L.PARENT_ID_MAX, false),
  thread_id: externalId(L.THREAD_ID_MAX, false),
  created_at: {
    ...string(1, L.CREATED_AT_MAX, true),
    format: 'an ISO 8601 date-time with a time zone offset, such as 2015-09-08T22:48:09Z',
  },
  author: { type: 'a JSON object', required: true },
  'author.external_id': externalId(L.AUTHOR_EXTERNAL_ID_MAX),
  'author.name': string(1, L.AUTHOR_NAME_MAX),
  'author.image_url': string(1, L.AUTHOR_IMAGE_URL_MAX),
  'author.locale': string(1, L.AUTHOR_LOCALE_MAX),
  ...fieldValue('author.fields'),
  display_info: { type: 'an array', length: items(L.DISPLAY_INFO_MAX) },
  'display_info.item': { type: 'a JSON object' },
  'display_info.type': string(1, L.DISPLAY_INFO_TYPE_MAX, true),
  'display_info.data': { type: 'a JSON object or a string', required: true, length: chars(0, L.DISPLAY_INFO_DATA_MAX) },
  allow_channelback: bool,
  ...fieldValue('fields'),
  file_urls: { type: 'an array', length: items(L.FILE_URLS_MAX) },
  'file_urls.item': {
    type: 'a string',
    required: true,
    length: chars(1, L.FILE_URL_MAX),
    format: 'an absolute https URL',
  },
};
for (const family of ['pull', 'push'] as const) {
  const link = VENDOR_LINKS.resource;
  fields(`${family}.resource`, link, resourceSpecs);
  add(`${family}.resource.parent_and_thread`, 'error', 'send parent_id or thread_id, not both', link);
  add(
    `${family}.resource.external_id.duplicate`,
    'warning',
    'an external_id comes once per answer: the vendor imports the first and drops the rest',
    link,
  );
  add(
    `${family}.resource.parent_id.dangling`,
    'warning',
    'parent_id should name a resource the integration sent before (or a channelback): otherwise the message starts a new ticket',
    link,
  );
}

// --- Pull -----------------------------------------------------------------------------
fields('pull', VENDOR_LINKS.pull, {
  '': { type: 'a JSON object', required: true },
  external_resources: { type: 'an array', required: true, length: items(L.PULL_RESOURCES_MAX) },
  state: string(0, L.STATE_MAX),
  metadata: string(0, L.METADATA_MAX),
  metadata_needs_update: bool,
});
add('pull.status', 'error', 'pull_url must answer 200 with JSON', VENDOR_LINKS.pull);
add('pull.json', 'error', 'a pull answer must be JSON', VENDOR_LINKS.pull);
add('pull.nul', 'error', 'a pull answer must not hold the NUL character (U+0000)', VENDOR_LINKS.pull);
add('pull.time.timeout', 'error', "a pull must answer within the host's timeout", VENDOR_LINKS.pull);
add('pull.time.slow', 'warning', "a pull should answer well within the host's timeout (half of it)", VENDOR_LINKS.pull);
add('pull.size', 'error', "a pull answer must fit the host's response size limit", VENDOR_LINKS.pull);
add(
  'pull.resource.repeated',
  'note',
  'the same resource came back on a repeated pull with the same state (the vendor drops it as a duplicate; it states no rule)',
  VENDOR_LINKS.pull,
);
add(
  'pull.metadata_needs_update.set',
  'note',
  'metadata_needs_update asks an admin to revisit the admin UI',
  VENDOR_LINKS.metadata,
);

// --- Push -----------------------------------------------------------------------------
fields('push', VENDOR_LINKS.push, {
  '': { type: 'a JSON object', required: true },
  instance_push_id: string(1, L.INSTANCE_PUSH_ID_MAX, true),
  request_id: string(1, L.REQUEST_ID_MAX),
  external_resources: { type: 'an array', required: true, length: items(L.EXTERNAL_RESOURCES_MAX) },
});
add(
  'push.missing',
  'warning',
  'an integration with push_client_id should push (and call validate_token) while the doctor waits',
  VENDOR_LINKS.push,
);

// --- Channelback ------------------------------------------------------------------------
fields('channelback', VENDOR_LINKS.channelback, {
  '': { type: 'a JSON object', required: true },
  external_id: externalId(L.CHANNELBACK_EXTERNAL_ID_MAX),
  allow_channelback: bool,
  metadata_needs_update: bool,
  metadata: string(0, L.METADATA_MAX),
});
add('channelback.status', 'error', 'channelback_url must answer 200 with JSON', VENDOR_LINKS.channelback);
add('channelback.json', 'error', 'a channelback answer must be JSON', VENDOR_LINKS.channelback);
add(
  'channelback.repeat.external_id',
  'error',
  'a repeated channelback (same request_unique_identifier) must answer the same external_id and not post twice',
  VENDOR_LINKS.channelback,
);

// --- Clickthrough and events -------------------------------------------------------------
add('clickthrough.status', 'error', 'clickthrough_url?external_id=… must answer 2xx or 3xx', VENDOR_LINKS.clickthrough);
add('events.status', 'error', 'event_callback_url must answer a batch of events with 2xx', VENDOR_LINKS.events);

/** Every rule, by id. */
export const RULES: ReadonlyMap<string, Rule> = new Map(rules.map((rule) => [rule.id, rule]));

const unknownRule = (id: string): Rule => ({ id, severity: 'error', summary: id, link: docs + 'overview/' });

/** The rule with this id; an id missing from the catalogue (a bug) still yields an error rule. */
export function ruleOf(id: string): Rule {
  return RULES.get(id) ?? unknownRule(id);
}

/** A finding of rule `id` at `path`, its severity from the catalogue. */
export function finding(id: string, message: string, path?: string): Finding {
  const { severity } = ruleOf(id);
  return path === undefined ? { rule: id, severity, message } : { rule: id, severity, path, message };
}
