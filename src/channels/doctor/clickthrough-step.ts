import { clickthroughUrl } from '../clickthrough/clickthrough-url.js';
import { OutboundError } from '../outbound/outbound-error.js';
import type { DoctorRun } from './doctor-run.js';

/** Clickthrough: a resource's link (`{clickthrough_url}?external_id=…`) must answer 2xx or 3xx. */
export async function clickthroughStep(run: DoctorRun): Promise<void> {
  const base = run.manifest!.urls.clickthrough_url?.href;
  if (base === undefined) {
    run.step('clickthrough', 'skipped', 'the manifest has no clickthrough_url');
    return;
  }
  if (run.sampleId === undefined) {
    run.step('clickthrough', 'skipped', 'no resource arrived to try its link with');
    return;
  }
  const url = clickthroughUrl(base, run.sampleId)!;
  let status: number;
  try {
    // A redirect is a fine answer: the browser would follow it, wherever it goes.
    status = (await run.host.client.get(url, { followRedirects: 0 })).status;
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    if (error.kind !== 'redirect') {
      run.add('clickthrough', 'clickthrough.status', `GET ${url} failed: ${error.message}`, 'urls.clickthrough_url');
      return;
    }
    status = 302;
  }
  if (status >= 400 || status < 200) {
    run.add(
      'clickthrough',
      'clickthrough.status',
      `GET ${url} answered HTTP ${status}; expected 2xx or 3xx`,
      'urls.clickthrough_url',
    );
  }
  run.step('clickthrough', 'ran', `GET ${url}: HTTP ${status}`);
}
