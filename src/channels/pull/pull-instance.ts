import { validatePullResponse } from '../protocol/pull-response.js';
import type { OutboundClient } from '../outbound/outbound-client.js';
import { OutboundError } from '../outbound/outbound-error.js';
import type {
  ChannelStore,
  PullCompletion,
  PullRecord,
  PullTarget,
  PulledResource,
} from '../../store/channel-store.js';
import { nextPullAfterFailure, nextPullAfterSuccess, type PullTiming } from './pull-schedule.js';
import { notJsonReason } from '../protocol/not-json.js';
import { LeaseLostError, type HeldLease } from './pull-leases.js';
import type { ExchangeRecorder } from '../inspector/exchange-recorder.js';
import { notJsonFinding, nulFinding, outboundFinding, statusFinding } from '../inspector/exchange-findings.js';
import type { Finding } from '../protocol/finding.js';

export interface PullDependencies {
  store: ChannelStore;
  client: OutboundClient;
  /** Epoch milliseconds. */
  nowMs: () => number;
  timing: PullTiming;
  /** Deactivate an instance after this many failed pulls in a row. */
  deactivateAfter: number;
  /**
   * How long a claim on an instance lasts, ms. Short (a dead node's instances are pulled
   * again soon after): a pull under way renews its lease (`PullLeases`), and stops if it
   * cannot, so no other claimer (scheduler, on-demand, CLI, another node) takes it meanwhile.
   */
  leaseMs: number;
  /** The secret that signs requests to this integration. */
  signingSecretFor: (target: PullTarget) => string;
  /** Called with every finished pull, for metrics. */
  observe?: (record: PullRecord) => void;
  /** Where the pull's request and answer are recorded (the inspector), if anywhere. */
  inspector?: ExchangeRecorder;
}

/** Why a response was not used; stored in the pull log, so it never quotes metadata or state. */
class PullFailure extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | null,
    /** The same, as the inspector's findings. */
    readonly findings: Finding[],
  ) {
    super(message);
  }
}

const maxErrorLength = 2000;
const escapedNul = /(?<!\\)(?:\\\\)*\\u0000/;

/**
 * Pulls one leased instance: POSTs its `metadata` and `state` form-encoded to the pull URL,
 * validates the answer against the documented limits and records the outcome. An invalid
 * or failed answer stores nothing and keeps the state, so the integration resends next time.
 * With a `lease`, the call is aborted when the lease cannot be kept, and then nothing is
 * recorded (another node pulls the instance once the lease ends): rejects with
 * {@link LeaseLostError}.
 */
export async function pullInstance(target: PullTarget, deps: PullDependencies, lease?: HeldLease): Promise<PullRecord> {
  const { instance } = target;
  const startedAt = deps.nowMs();
  let completion: Omit<PullCompletion, 'durationMs' | 'nowMs'>;
  let answer: string | null = null;
  let findings: Finding[] = [];
  try {
    const response = await deps.client.postForm(
      target.pullUrl,
      { metadata: instance.metadata, state: instance.state },
      { signingSecret: deps.signingSecretFor(target), signal: lease?.signal },
    );
    answer = response.body;
    if (response.status < 200 || response.status > 299) {
      throw new PullFailure(`pull_url answered HTTP ${response.status}; expected 200 with JSON`, response.status, [
        statusFinding('pull', response.status, '200 with JSON'),
      ]);
    }
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch (error) {
      const reason = notJsonReason(error);
      throw new PullFailure(`the response is not JSON: ${reason}`, response.status, [notJsonFinding('pull', reason)]);
    }
    // Stored text cannot hold U+0000 (PostgreSQL refuses it): refuse it here, as a failed pull.
    // In valid JSON it can only be the escape \u0000 after an even run of backslashes.
    if (escapedNul.test(response.body)) {
      throw new PullFailure(
        'the response contains the NUL character (U+0000), which cannot be stored',
        response.status,
        [nulFinding('pull')],
      );
    }
    const validated = validatePullResponse(json);
    if (!validated.ok) {
      throw new PullFailure(
        `the response is invalid: ${validated.problems.join('; ')}`,
        response.status,
        validated.findings,
      );
    }
    const pulled = validated.response;
    completion = {
      instanceId: instance.id,
      startedAt,
      outcome: 'ok',
      httpStatus: response.status,
      error: null,
      stateVersionAtStart: instance.stateVersion,
      resources: pulled.external_resources.map((resource): PulledResource => ({
        externalId: resource.external_id,
        parentId: resource.parent_id ?? null,
        threadId: resource.thread_id ?? null,
        payloadJson: JSON.stringify(resource),
      })),
      // The state it was sent is no change (and nothing to seal or write): the stored text is
      // ciphertext under a fresh IV each time, so the store cannot tell by comparing.
      newState: pulled.state === instance.state ? undefined : pulled.state,
      newMetadata: pulled.metadata,
      metadataNeedsUpdate: pulled.metadata_needs_update,
      nextPullAt: nextPullAfterSuccess(startedAt, deps.timing),
      deactivateAfter: deps.deactivateAfter,
    };
  } catch (error) {
    const message =
      error instanceof PullFailure || error instanceof OutboundError ? error.message : 'the pull failed unexpectedly';
    if (error instanceof PullFailure) findings = error.findings;
    else if (error instanceof OutboundError) findings = [outboundFinding('pull', error)];
    completion = {
      instanceId: instance.id,
      startedAt,
      outcome: 'failed',
      httpStatus: error instanceof PullFailure ? error.httpStatus : null,
      error: message.length > maxErrorLength ? `${message.slice(0, maxErrorLength)}…` : message,
      stateVersionAtStart: instance.stateVersion,
      resources: [],
      nextPullAt: nextPullAfterFailure(startedAt, instance.consecutiveFailures + 1, deps.timing),
      deactivateAfter: deps.deactivateAfter,
    };
  }
  if (lease?.signal.aborted) {
    throw lease.signal.reason instanceof LeaseLostError
      ? lease.signal.reason
      : new LeaseLostError(instance.id, 'its lease was lost');
  }
  const nowMs = deps.nowMs();
  const owner = lease?.owner;
  const durationMs = nowMs - startedAt;
  const pulled = deps.store.completePull({ ...completion, durationMs, nowMs, owner });
  // Beside the pull's own write (on SQLite, in the same group commit), never instead of it.
  const recorded = deps.inspector?.wants(completion.outcome, findings.length)
    ? deps.inspector.record({
        accountId: instance.accountId,
        integrationId: instance.integrationId,
        instanceId: instance.id,
        kind: 'pull',
        method: 'POST',
        url: target.pullUrl,
        startedAt,
        durationMs,
        httpStatus: completion.httpStatus,
        outcome: completion.outcome,
        error: completion.error,
        findings,
        requestBody: new URLSearchParams({ metadata: instance.metadata, state: instance.state }).toString(),
        responseBody: answer,
      })
    : undefined;
  const [record] = await Promise.all([pulled, recorded]);
  deps.observe?.(record);
  return record;
}
