import { OutboundError } from '../outbound/outbound-error.js';
import { validatePullResponse } from '../protocol/pull-response.js';
import { checkResourceList, type DoctorRun } from './doctor-run.js';

/** In valid JSON, U+0000 can only be the escape \u0000 after an even run of backslashes. */
const escapedNul = /(?<!\\)(?:\\\\)*\\u0000/;

/** One pull as the doctor saw it. */
interface Pulled {
  /** The answer's `external_resources` as sent (an array), or undefined. */
  resources?: unknown[];
  state?: string;
  metadata?: string;
}

/**
 * Pull as the host pulls: with empty state, then with the state returned (the round trip),
 * then with that same state again, as after a host whose write was lost (the same
 * resources coming back are duplicates: a note). Each answer is judged by the host's own
 * validator, its time against the host's timeout and its size against the host's cap.
 */
export async function pullStep(run: DoctorRun): Promise<void> {
  const pullUrl = run.manifest!.urls.pull_url?.href;
  if (pullUrl === undefined) {
    run.step('pull', 'skipped', 'the manifest has no pull_url');
    return;
  }
  const first = await pullOnce(run, pullUrl, 1, '');
  const state = first?.state ?? '';
  const second = await pullOnce(run, pullUrl, 2, state);
  const third = await pullOnce(run, pullUrl, 3, state, false);
  if (second?.resources && third?.resources) {
    const before = new Set(second.resources.map(idOf).filter((id) => id !== undefined));
    const again = [...new Set(third.resources.map(idOf))].filter((id) => id !== undefined && before.has(id));
    if (again.length > 0) {
      run.add(
        'pull',
        'pull.resource.repeated',
        `pull 3 (the same state as pull 2) answered ${again.length} of the same resources again; the vendor drops them as duplicates`,
        'external_resources',
        again
          .slice(0, 5)
          .map((id) => JSON.stringify(id))
          .join(', ') + (again.length > 5 ? ', …' : ''),
      );
    }
  }
  run.step('pull', 'ran', `3 pulls (empty state, returned state twice) to ${pullUrl}`);
}

const idOf = (resource: unknown): string | undefined => {
  const id = (resource as { external_id?: unknown } | null)?.external_id;
  return typeof id === 'string' ? id : undefined;
};

async function pullOnce(
  run: DoctorRun,
  pullUrl: string,
  number: number,
  state: string,
  checkList = true,
): Promise<Pulled | undefined> {
  const { host } = run;
  const label = `pull ${number}`;
  const startedAt = Date.now();
  let response;
  try {
    response = await host.client.postForm(
      pullUrl,
      { metadata: run.metadata, state },
      { signingSecret: run.signingSecret },
    );
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    if (error.kind === 'timeout') {
      run.add('pull', 'pull.time.timeout', `${label}: ${error.message}`, '(pull)', `over ${host.pullTimeoutMs} ms`);
    } else if (error.kind === 'too_large') {
      run.add('pull', 'pull.size', `${label}: ${error.message}`, '(pull)', `over ${host.maxResponseBytes} bytes`);
    } else {
      run.add('pull', 'pull.status', `${label}: ${error.message}`, '(pull)');
    }
    return undefined;
  }
  const tookMs = Date.now() - startedAt;
  if (tookMs > host.pullTimeoutMs / 2) {
    run.add(
      'pull',
      'pull.time.slow',
      `${label} took ${tookMs} ms: more than half the host's timeout (${host.pullTimeoutMs} ms); answer sooner, ` +
        'e.g. with fewer resources per pull',
      '(pull)',
      `${tookMs} ms`,
    );
  }
  if (response.status < 200 || response.status > 299) {
    run.add('pull', 'pull.status', `${label} answered HTTP ${response.status}; expected 200 with JSON`, '(pull)');
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    run.add('pull', 'pull.json', `${label}: the answer is not valid JSON`, '(pull response)');
    return undefined;
  }
  if (escapedNul.test(response.body)) {
    run.add(
      'pull',
      'pull.nul',
      `${label}: the answer holds the NUL character (U+0000), which cannot be stored`,
      '(pull response)',
    );
  }
  const validated = validatePullResponse(json);
  if (!validated.ok) run.addFindings('pull', validated.findings, json);
  const raw = json as {
    external_resources?: unknown;
    state?: unknown;
    metadata?: unknown;
    metadata_needs_update?: unknown;
  };
  const resources = Array.isArray(raw?.external_resources) ? (raw.external_resources as unknown[]) : undefined;
  if (resources && checkList) checkResourceList(run, 'pull', resources);
  if (raw?.metadata_needs_update === true) {
    run.add(
      'pull',
      'pull.metadata_needs_update.set',
      'is true: the host asks an admin to revisit the admin UI',
      'metadata_needs_update',
      'true',
    );
  }
  if (typeof raw?.metadata === 'string') run.metadata = raw.metadata;
  return {
    resources,
    // An invalid answer is not used by the host: its state is not kept either.
    state: validated.ok && typeof raw?.state === 'string' ? raw.state : state,
    metadata: typeof raw?.metadata === 'string' ? raw.metadata : undefined,
  };
}
