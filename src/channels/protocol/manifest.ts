/**
 * The manifest: the JSON document, fetched from the integration's manifest URL, that
 * names the integration and lists its endpoints.
 */
import {
  child,
  compact,
  failure,
  get,
  type Invalid,
  optionalBoolean,
  optionalString,
  quote,
  report,
  requiredObject,
  requiredString,
  Problems,
} from './checks.js';
import * as L from './limits.js';

/** The `urls` keys the protocol defines, in the vendor's order. Others are ignored. */
export const MANIFEST_URL_KEYS = [
  'admin_ui',
  'pull_url',
  'channelback_url',
  'clickthrough_url',
  'healthcheck_url',
  'about_url',
  'dashboard_url',
  'event_callback_url',
] as const;

/** One of {@link MANIFEST_URL_KEYS}. */
export type ManifestUrlKey = (typeof MANIFEST_URL_KEYS)[number];

/** A manifest URL after resolution against the manifest's own URL. */
export interface ManifestUrl {
  /** The absolute URL, e.g. `https://example.com/integration/admin_ui`. */
  href: string;
  /** Plain http is accepted here; refusing it in production is the outbound layer's job. */
  scheme: 'http' | 'https';
  /** The value as written in the manifest, e.g. `./admin_ui`. */
  written: string;
}

/** The resolved `urls`: `admin_ui` always, the others when the manifest has them. */
export type ManifestUrls = { admin_ui: ManifestUrl } & Partial<
  Record<Exclude<ManifestUrlKey, 'admin_ui'>, ManifestUrl>
>;

/** A validated manifest, keys as on the wire. Unknown keys are dropped. */
export interface Manifest {
  name: string;
  id: string;
  version?: string;
  author?: string;
  /** Present when the integration uses the push API (instances then get push credentials). */
  push_client_id?: string;
  /** True: channelbacks carry `file_urls[]`. */
  channelback_files?: boolean;
  create_followup_tickets?: boolean;
  urls: ManifestUrls;
}

/** The result of {@link validateManifest}. */
export type ManifestResult = { ok: true; manifest: Manifest } | Invalid;

/**
 * Validates a manifest and resolves its URLs.
 *
 * Required: `name` (1–255), `id` (1–511), `urls.admin_ui`. Optional: `version` (1–255),
 * `author` (1–255), `push_client_id` (1–128), `channelback_files`,
 * `create_followup_tickets` (booleans). Each `urls` entry is a non-empty string of at most
 * 511 characters as written, resolved against `manifestUrl` (so `./admin_ui` works, as in
 * the vendor's sample integration); the result must be http or https. Unknown keys, at
 * the top level and inside `urls`, are ignored for forward compatibility. An optional key
 * whose value is null counts as absent.
 *
 * Findings carry the `manifest.*` rules (`rules.ts`).
 *
 * @param json The parsed manifest JSON.
 * @param manifestUrl The absolute http(s) URL the manifest was fetched from (after redirects).
 */
export function validateManifest(json: unknown, manifestUrl: string): ManifestResult {
  const problems = new Problems('manifest', '', renameUrlKey);
  const base = parseBase(problems, manifestUrl);
  const obj = requiredObject(problems, '', json, '(manifest)');
  if (obj === undefined) return failure(problems);

  const manifest = compact({
    name: requiredString(problems, 'name', get(obj, 'name'), { min: 1, max: L.MANIFEST_NAME_MAX }),
    id: requiredString(problems, 'id', get(obj, 'id'), { min: 1, max: L.MANIFEST_ID_MAX }),
    version: optionalString(problems, 'version', get(obj, 'version'), { min: 1, max: L.MANIFEST_VERSION_MAX }),
    author: optionalString(problems, 'author', get(obj, 'author'), { min: 1, max: L.MANIFEST_AUTHOR_MAX }),
    push_client_id: optionalString(problems, 'push_client_id', get(obj, 'push_client_id'), {
      min: 1,
      max: L.PUSH_CLIENT_ID_MAX,
    }),
    channelback_files: optionalBoolean(problems, 'channelback_files', get(obj, 'channelback_files')),
    create_followup_tickets: optionalBoolean(problems, 'create_followup_tickets', get(obj, 'create_followup_tickets')),
    urls: readUrls(problems, get(obj, 'urls'), base),
  });
  if (problems.length > 0 || manifest.urls === undefined) return failure(problems);
  return { ok: true, manifest: { ...manifest, urls: manifest.urls } };
}

/** Every `urls.*` entry shares the rules `manifest.urls.entry.*`. */
function renameUrlKey(field: string): string {
  return field.startsWith('urls.') ? 'urls.entry' : field;
}

function parseBase(problems: Problems, manifestUrl: string): URL | undefined {
  const base = URL.canParse(manifestUrl) ? new URL(manifestUrl) : undefined;
  if (base === undefined || (base.protocol !== 'https:' && base.protocol !== 'http:')) {
    report(problems, '(manifest URL)', `must be an absolute http or https URL; got ${quote(manifestUrl)}`, 'format', {
      rule: 'url.format',
    });
    return undefined;
  }
  return base;
}

function readUrls(problems: Problems, value: unknown, base: URL | undefined): ManifestUrls | undefined {
  const obj = requiredObject(problems, 'urls', value);
  if (obj === undefined) return undefined;
  const urls: Partial<Record<ManifestUrlKey, ManifestUrl>> = {};
  for (const key of MANIFEST_URL_KEYS) {
    const path = child('urls', key);
    const raw = get(obj, key);
    const written =
      key === 'admin_ui'
        ? requiredString(problems, path, raw, { min: 1, max: L.MANIFEST_URL_MAX })
        : optionalString(problems, path, raw, { min: 1, max: L.MANIFEST_URL_MAX });
    if (written === undefined || written === '' || base === undefined) continue;
    const resolved = URL.canParse(written, base.href) ? new URL(written, base) : undefined;
    if (resolved === undefined) {
      report(
        problems,
        path,
        `is not a valid URL, absolute or relative to the manifest URL; got ${quote(written)}`,
        'format',
      );
    } else if (resolved.protocol !== 'https:' && resolved.protocol !== 'http:') {
      report(
        problems,
        path,
        `must be an http or https URL; got scheme ${quote(resolved.protocol.slice(0, -1))}`,
        'format',
      );
    } else {
      urls[key] = { href: resolved.href, scheme: resolved.protocol === 'https:' ? 'https' : 'http', written };
    }
  }
  const adminUi = urls.admin_ui;
  return adminUi === undefined ? undefined : { ...urls, admin_ui: adminUi };
}
