import type { ChannelIntegration } from '../../store/channel-store.js';
import type { ReplyCompletion, ReplyRecord, ReplyStore, ReplyTarget } from '../../store/reply-store.js';
import { eventCallbackUrlOf } from '../../store/event-rules.js';
import { isoTime } from '../instances/instance-json.js';
import { manifestUrl, storedManifest } from '../integrations/stored-manifest.js';
import type { OutboundClient } from '../outbound/outbound-client.js';
import { OutboundError } from '../outbound/outbound-error.js';
import { validateChannelbackResponse } from '../protocol/channelback-response.js';
import { notJsonReason } from '../protocol/not-json.js';
import type { Finding } from '../protocol/finding.js';
import type { ExchangeRecorder } from '../inspector/exchange-recorder.js';
import { notJsonFinding, nulFinding, outboundFinding, statusFinding } from '../inspector/exchange-findings.js';

export interface SendDependencies {
  store: ReplyStore;
  client: OutboundClient;
  /** Epoch milliseconds. */
  nowMs: () => number;
  /** Sends of one reply before it is failed. */
  attempts: number;
  /** Wait before the second try, doubled for each further one, up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /** How long a claim on a reply lasts: longer than a send can take. */
  leaseMs: number;
  /** The secret that signs requests to this integration. */
  signingSecretFor: (integration: ChannelIntegration) => string;
  /** Where each send's request and answer are recorded (the inspector), if anywhere. */
  inspector?: ExchangeRecorder;
}

/** Why an answer was not taken; stored as the reply's last_error, so it never quotes metadata. */
class SendFailure extends Error {
  constructor(
    message: string,
    /** No point trying again. */
    readonly final = false,
    /** The same, as the inspector's findings. */
    readonly findings: Finding[] = [],
  ) {
    super(message);
  }
}

const maxErrorLength = 2000;
const escapedNul = /(?<!\\)(?:\\\\)*\\u0000/;

/**
 * Answers after which a channelback is tried again: 429 and 5xx, where the integration says
 * it did not take the reply now. Any other answer is final (a 400 sent again is a 400, and a
 * reply it took must not be posted twice).
 */
function retriedStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Calls that failed before an answer are tried again: network errors, timeouts, and an
 * address the guard refused (nothing was sent). An answer too large or a redirect the client
 * would not follow came from the integration, so it is final like any other answer.
 */
function retriedOutbound(error: OutboundError): boolean {
  return error.kind === 'network' || error.kind === 'timeout' || error.kind === 'blocked';
}

/** The wait before try `attempts + 1`. */
export function replyBackoff(attempts: number, deps: Pick<SendDependencies, 'backoffMs' | 'maxBackoffMs'>): number {
  return Math.min(deps.maxBackoffMs, deps.backoffMs * 2 ** Math.max(0, attempts - 1));
}

/** The documented channelback form: `file_urls[]` only when the manifest has `channelback_files`. */
export function channelbackForm(
  reply: Pick<
    ReplyRecord,
    'message' | 'parentId' | 'recipientId' | 'threadKey' | 'requestUniqueIdentifier' | 'fileUrls'
  >,
  metadata: string,
  withFiles: boolean,
): [string, string][] {
  const fields: [string, string][] = [
    ['message', reply.message],
    ['parent_id', reply.parentId],
    ['recipient_id', reply.recipientId],
    ['thread_id', reply.threadKey],
    ['metadata', metadata],
    ['request_unique_identifier', reply.requestUniqueIdentifier],
  ];
  if (withFiles) for (const url of reply.fileUrls) fields.push(['file_urls[]', url]);
  return fields;
}

/**
 * Sends one leased reply: POSTs the channelback form, signed, to the manifest's
 * `channelback_url`, validates the answer, and records the outcome. A sent reply's
 * `external_id` becomes a resource of its thread (with `allow_channelback` as answered),
 * and `metadata` and `metadata_needs_update` apply to the instance. A failure without an
 * answer, or a 429 or 5xx answer, is tried again after a backoff, with the same
 * `request_unique_identifier`, until the last try; any other answer fails the reply at once.
 * Resolves undefined when this node's lease ran out meanwhile (another node took over).
 *
 * `lease` aborts when this node can no longer keep the reply's lease: a send not yet begun
 * is not begun, a call under way is cut off and nothing is recorded (another node sends
 * the reply again once the lease ends). An answer that did arrive is recorded if the lease
 * is still this node's (the store checks), so a reply answered is not sent again needlessly.
 */
export async function sendReply(target: ReplyTarget, owner: string, deps: SendDependencies, lease?: AbortSignal) {
  const { reply, instance, integration } = target;
  let completion: Omit<ReplyCompletion, 'nowMs'>;
  if (lease?.aborted) return undefined;
  const startedAt = deps.nowMs();
  let sent: { url: string; form: [string, string][] } | undefined;
  let answered: { status: number; body: string } | undefined;
  let findings: Finding[] = [];
  try {
    const url = manifestUrl(integration, 'channelback_url');
    if (url === null) throw new SendFailure("the integration's manifest no longer has a channelback_url", true);
    const withFiles = storedManifest(integration).channelback_files === true;
    sent = { url, form: channelbackForm(reply, instance.metadata, withFiles) };
    const response = await deps.client.postForm(url, sent.form, {
      signingSecret: deps.signingSecretFor(integration),
      signal: lease,
    });
    answered = response;
    if (response.status < 200 || response.status > 299) {
      const again = retriedStatus(response.status);
      throw new SendFailure(
        `channelback_url answered HTTP ${response.status}; expected 200 with JSON` +
          (again ? '' : ' (final: only 429 and 5xx answers are tried again)'),
        !again,
        [statusFinding('channelback', response.status, '200 with JSON')],
      );
    }
    // From here the integration took the reply (2xx): a bad answer is final, as sending it
    // again could post the message twice.
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch (error) {
      const reason = notJsonReason(error);
      throw new SendFailure(`the answer is not JSON: ${reason}`, true, [notJsonFinding('channelback', reason)]);
    }
    // Stored text cannot hold U+0000: in valid JSON it can only be the escape \u0000.
    if (escapedNul.test(response.body)) {
      throw new SendFailure('the answer contains the NUL character (U+0000), which cannot be stored', true, [
        nulFinding('channelback'),
      ]);
    }
    const validated = validateChannelbackResponse(json);
    if (!validated.ok) {
      throw new SendFailure(`the answer is invalid: ${validated.problems.join('; ')}`, true, validated.findings);
    }
    const answer = validated.response;
    const sentAt = deps.nowMs();
    completion = {
      replyId: reply.id,
      owner,
      outcome: 'sent',
      error: null,
      externalId: answer.external_id,
      channelbackUrl: url,
      integrationTakesEvents: eventCallbackUrlOf(integration.manifestJson) !== null,
      resourcePayloadJson: JSON.stringify({
        external_id: answer.external_id,
        message: reply.message,
        parent_id: reply.parentId,
        created_at: isoTime(sentAt),
        ...(answer.allow_channelback === undefined ? {} : { allow_channelback: answer.allow_channelback }),
        ...(reply.fileUrls.length > 0 ? { file_urls: reply.fileUrls } : {}),
        channelback: { reply_id: reply.id, recipient_id: reply.recipientId },
      }),
      newMetadata: answer.metadata,
      metadataNeedsUpdate: answer.metadata_needs_update,
    };
  } catch (error) {
    // Cut off because the lease was lost: no answer to record, and the lease is not ours to release.
    if (lease?.aborted) return undefined;
    const known = error instanceof SendFailure || error instanceof OutboundError;
    const message = known ? error.message : 'the channelback failed unexpectedly';
    const final =
      error instanceof SendFailure ? error.final : error instanceof OutboundError && !retriedOutbound(error);
    if (error instanceof SendFailure) findings = error.findings;
    else if (error instanceof OutboundError) findings = [outboundFinding('channelback', error)];
    const last = final || reply.attempts >= deps.attempts;
    completion = {
      replyId: reply.id,
      owner,
      outcome: last ? 'failed' : 'retry',
      error: message.length > maxErrorLength ? `${message.slice(0, maxErrorLength)}…` : message,
      nextAttemptAt: deps.nowMs() + replyBackoff(reply.attempts, deps),
    };
  }
  const nowMs = deps.nowMs();
  const completed = deps.store.completeReply({ ...completion, nowMs });
  const outcome = completion.outcome === 'sent' ? 'ok' : 'failed';
  // Beside the reply's own write, never instead of it; a send never begun (no URL) is no exchange.
  const recorded =
    sent && deps.inspector?.wants(outcome, findings.length)
      ? deps.inspector.record({
          accountId: instance.accountId,
          integrationId: integration.id,
          instanceId: instance.id,
          kind: 'channelback',
          method: 'POST',
          url: sent.url,
          startedAt,
          durationMs: nowMs - startedAt,
          httpStatus: answered?.status ?? null,
          outcome,
          error: completion.error,
          findings,
          requestBody: new URLSearchParams(sent.form).toString(),
          responseBody: answered?.body ?? null,
        })
      : undefined;
  const [result] = await Promise.all([completed, recorded]);
  return result;
}
