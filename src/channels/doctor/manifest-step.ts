import { OutboundError } from '../outbound/outbound-error.js';
import { MANIFEST_URL_KEYS, validateManifest } from '../protocol/manifest.js';
import { isObject } from '../protocol/checks.js';
import type { DoctorRun } from './doctor-run.js';

/** The keys a manifest may have; others are ignored by the host (a note each). */
const knownKeys = new Set([
  'name',
  'id',
  'version',
  'author',
  'push_client_id',
  'channelback_files',
  'create_followup_tickets',
  'urls',
]);
const knownUrlKeys = new Set<string>(MANIFEST_URL_KEYS);

/** An address on this machine: plain http to it is how development works. */
function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host);
}

/**
 * Fetches the manifest as the host does (redirects followed, the host's outbound rules),
 * checks how it is served and every field. True when the manifest is valid and the run
 * can go on.
 */
export async function manifestStep(run: DoctorRun): Promise<boolean> {
  const { manifestUrl } = run.options;
  let response;
  try {
    response = await run.host.client.get(manifestUrl, { followRedirects: 5 });
  } catch (error) {
    // Too slow, too large, redirected too often: the integration's fault, a broken rule.
    if (error instanceof OutboundError && ['timeout', 'too_large', 'redirect'].includes(error.kind)) {
      run.add(
        'manifest',
        'manifest.fetch',
        `could not be read: ${error.message}`,
        '(manifest URL)',
        JSON.stringify(manifestUrl),
      );
      run.step('manifest', 'failed', 'the manifest could not be read');
      return false;
    }
    // Nothing answered (or the URL is refused here): nothing could be checked (exit 2).
    const reason = error instanceof OutboundError || error instanceof TypeError ? error.message : String(error);
    run.couldNotRun = `the manifest could not be fetched: ${reason}`;
    run.step('manifest', 'failed', run.couldNotRun);
    return false;
  }
  if (response.status !== 200) {
    run.add(
      'manifest',
      'manifest.fetch',
      `answered HTTP ${response.status}; expected 200`,
      '(manifest URL)',
      response.url,
    );
    run.step('manifest', 'failed', `the manifest URL answered HTTP ${response.status}`);
    return false;
  }
  const type = response.headers['content-type'] ?? '';
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    run.add(
      'manifest',
      'manifest.content_type',
      `is served as ${type === '' ? 'no content type' : JSON.stringify(type)}; serve it as application/json`,
      '(manifest URL)',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    run.add('manifest', 'manifest.json', 'is not valid JSON', '(manifest)');
    run.step('manifest', 'failed', 'the manifest is not JSON');
    return false;
  }
  checkRawManifest(run, json, response.url);
  const validated = validateManifest(json, response.url);
  if (!validated.ok) {
    run.addFindings('manifest', validated.findings, json);
    run.step('manifest', 'failed', `the manifest at ${response.url} is invalid`);
    return false;
  }
  run.manifest = validated.manifest;
  const declared = Object.keys(validated.manifest.urls).join(', ');
  run.step('manifest', 'ran', `fetched ${response.url}; declares ${declared}`);
  return true;
}

/** What the validator does not judge: unknown keys, plain http, where messages come from. */
function checkRawManifest(run: DoctorRun, json: unknown, base: string): void {
  if (!isObject(json)) return;
  for (const key of Object.keys(json)) {
    if (!knownKeys.has(key)) run.add('manifest', 'manifest.unknown_field', 'is not a manifest key; it is ignored', key);
  }
  const urls = isObject(json.urls) ? json.urls : {};
  for (const [key, value] of Object.entries(urls)) {
    const path = `urls.${key}`;
    if (!knownUrlKeys.has(key)) {
      run.add('manifest', 'manifest.unknown_field', 'is not a manifest URL key; it is ignored', path);
      continue;
    }
    if (typeof value !== 'string' || !URL.canParse(value, base)) continue;
    const resolved = new URL(value, base);
    if (resolved.protocol === 'http:' && !isLoopback(resolved)) {
      run.add(
        'manifest',
        'manifest.urls.https',
        'is plain http: the vendor refuses it; serve it over https',
        path,
        JSON.stringify(value),
      );
    }
  }
  const pulls = typeof urls.pull_url === 'string';
  const pushes = typeof json.push_client_id === 'string';
  if (!pulls && !pushes) {
    run.add('manifest', 'manifest.source.none', 'has neither urls.pull_url nor push_client_id', '(manifest)');
  } else if (pulls && pushes) {
    run.add(
      'manifest',
      'manifest.source.both',
      'has both urls.pull_url and push_client_id: a message must come one way only',
      '(manifest)',
    );
  }
}
