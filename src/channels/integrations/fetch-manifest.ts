import { UnprocessableEntity } from '../../http/errors.js';
import type { OutboundClient, OutboundResponse } from '../outbound/outbound-client.js';
import { OutboundError } from '../outbound/outbound-error.js';
import { validateManifest, type Manifest } from '../protocol/manifest.js';
import type { Finding } from '../protocol/finding.js';
import { notJsonFinding, outboundFinding, statusFinding } from '../inspector/exchange-findings.js';

/** What one manifest fetch sent and got, for the inspector (which files it under the integration). */
export interface ManifestFetchSeen {
  url: string;
  httpStatus: number | null;
  outcome: 'ok' | 'failed';
  error: string | null;
  findings: Finding[];
  responseBody: string | null;
}

/**
 * Fetches and validates a manifest, following redirects (the vendor follows 301s) with
 * every hop checked by the outbound guard. Relative URLs resolve against the URL that
 * answered. Any problem is a 422 whose detail an integration developer can act on.
 * `seen`, when given, is told of the fetch (once a request was made), success or not.
 */
export async function fetchManifest(
  client: OutboundClient,
  manifestUrl: string,
  seen?: (fetch: ManifestFetchSeen) => void,
): Promise<{ manifest: Manifest; url: string }> {
  // The URL parser silently drops leading and trailing control characters; the stored URL
  // would keep them (and PostgreSQL cannot store U+0000): refuse them instead.
  const control = [...manifestUrl].find((c) => c.charCodeAt(0) < 0x20 || c === '\u007f');
  if (control) {
    const code = control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw UnprocessableEntity(`manifest_url contains the control character U+${code}; remove it.`);
  }
  let url: URL;
  try {
    url = new URL(manifestUrl);
  } catch {
    throw UnprocessableEntity(`manifest_url "${manifestUrl.slice(0, 100)}" is not an absolute URL.`);
  }
  let response: OutboundResponse | undefined;
  const failed = (detail: string, findings: Finding[]) => {
    const fetched = { url: response?.url ?? url.href, httpStatus: response?.status ?? null };
    seen?.({ ...fetched, outcome: 'failed', error: detail, findings, responseBody: response?.body ?? null });
    return UnprocessableEntity(detail);
  };
  try {
    response = await client.get(url.href, { followRedirects: 5 });
  } catch (error) {
    if (error instanceof OutboundError) {
      throw failed(`Could not fetch the manifest: ${error.message}`, [outboundFinding('manifest', error)]);
    }
    throw error;
  }
  if (response.status !== 200) {
    throw failed(`Could not fetch the manifest: ${response.url} answered HTTP ${response.status}.`, [
      statusFinding('manifest', response.status, '200 with JSON'),
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch (error) {
    const reason = (error as Error).message;
    throw failed(`The manifest at ${response.url} is not JSON: ${reason}`, [notJsonFinding('manifest', reason)]);
  }
  const validated = validateManifest(json, response.url);
  if (!validated.ok) {
    throw failed(`The manifest at ${response.url} is invalid: ${validated.problems.join('; ')}`, validated.findings);
  }
  seen?.({ url: response.url, httpStatus: 200, outcome: 'ok', error: null, findings: [], responseBody: response.body });
  return { manifest: validated.manifest, url: response.url };
}

/** The URL a manifest gives for one of its endpoints, if any. */
export function manifestUrl(manifestJson: string, key: string): string | undefined {
  const manifest = JSON.parse(manifestJson) as { urls: Record<string, { href: string } | undefined> };
  return manifest.urls[key]?.href;
}
