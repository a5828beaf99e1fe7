import type { Finding } from '../protocol/finding.js';

/** One push or validate_token call as the push API judged it (after its token was accepted). */
export interface ObservedPush {
  kind: 'push' | 'validate_token';
  /** The instance the push token names (the token was accepted before the body was read). */
  instanceId: number | undefined;
  /** The body's `instance_push_id` as sent (anything, when the body is wrong). */
  instancePushId: unknown;
  /** The body's `external_resources` as sent, when it is an array. */
  resources: readonly unknown[];
  /** Every broken `push.*` rule: the envelope's, or each resource's. */
  findings: readonly Finding[];
}

const listeners = new Set<(push: ObservedPush) => void>();

/**
 * Hears every push and validate_token this process answers, judged by the same validators
 * as the answer (the doctor watches its own instance this way). Process-local: a push
 * answered by another node is not heard. Returns the function that stops listening.
 */
export function observePushes(listener: (push: ObservedPush) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** True when someone listens: the push routes build an {@link ObservedPush} only then. */
export function pushesObserved(): boolean {
  return listeners.size > 0;
}

/** Tells every listener; a listener's error never reaches the push's answer. */
export function notifyPush(push: ObservedPush): void {
  for (const listener of listeners) {
    try {
      listener(push);
    } catch {
      // A listener's bug must not break the push API.
    }
  }
}
