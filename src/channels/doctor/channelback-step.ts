import { randomUUID } from 'node:crypto';
import { OutboundError } from '../outbound/outbound-error.js';
import { validateChannelbackResponse } from '../protocol/channelback-response.js';
import type { DoctorRun } from './doctor-run.js';

/** The text of the doctor's test reply. */
export const DOCTOR_REPLY_MESSAGE = 'Test reply from the Switchboard doctor: please ignore.';

/**
 * Channelback, only with `--channelback-thread` (it sends a real message): a test reply,
 * then the same reply with the same `request_unique_identifier`, as the host retries. The
 * integration must answer the same `external_id` (and not post twice).
 */
export async function channelbackStep(run: DoctorRun): Promise<void> {
  const url = run.manifest!.urls.channelback_url?.href;
  const thread = run.options.channelbackThread;
  if (url === undefined) {
    run.step('channelback', 'skipped', 'the manifest has no channelback_url');
    return;
  }
  if (thread === undefined) {
    run.step(
      'channelback',
      'skipped',
      'channelback_url is declared: pass --channelback-thread ID to send a test reply (it sends a real message)',
    );
    return;
  }
  const fields = {
    message: DOCTOR_REPLY_MESSAGE,
    parent_id: thread,
    thread_id: thread,
    recipient_id: '',
    metadata: run.metadata,
    request_unique_identifier: randomUUID(),
  };
  const first = await sendOnce(run, url, fields, 1);
  const second = await sendOnce(run, url, fields, 2);
  if (first !== undefined && second !== undefined && first !== second) {
    run.add(
      'channelback',
      'channelback.repeat.external_id',
      `the repeat with the same request_unique_identifier answered external_id ${JSON.stringify(second)}, ` +
        `the first ${JSON.stringify(first)}: the reply was posted twice. Answer a repeat with the id already given`,
      'external_id',
      JSON.stringify(second),
    );
  }
  const same = first !== undefined && first === second ? '; the repeat answered the same external_id' : '';
  run.step('channelback', 'ran', `a test reply to thread ${JSON.stringify(thread)}, sent twice${same}`);
}

/** One channelback POST; the answer's external_id when it is valid. */
async function sendOnce(
  run: DoctorRun,
  url: string,
  fields: Record<string, string>,
  number: number,
): Promise<string | undefined> {
  let response;
  try {
    response = await run.host.client.postForm(url, fields, { signingSecret: run.signingSecret });
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    run.add('channelback', 'channelback.status', `channelback ${number}: ${error.message}`, '(channelback)');
    return undefined;
  }
  if (response.status < 200 || response.status > 299) {
    run.add(
      'channelback',
      'channelback.status',
      `channelback ${number} answered HTTP ${response.status}; expected 200 with JSON`,
      '(channelback)',
    );
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    run.add(
      'channelback',
      'channelback.json',
      `channelback ${number}: the answer is not valid JSON`,
      '(channelback response)',
    );
    return undefined;
  }
  const validated = validateChannelbackResponse(json);
  if (!validated.ok) {
    run.addFindings('channelback', validated.findings, json);
    return undefined;
  }
  run.knownIds.add(validated.response.external_id);
  return validated.response.external_id;
}
