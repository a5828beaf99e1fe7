import type { ExchangeKind } from '../../store/exchange-store.js';
import type { OutboundError } from '../outbound/outbound-error.js';
import type { Finding } from '../protocol/finding.js';

/**
 * The findings of one exchange, derived from what the host's own checks report (the status
 * it expects, JSON, the protocol validators in `protocol/`), so the inspector shows exactly
 * why the host refused an answer. Every finding is an error: each is a reason the host did
 * not take the answer. Rule ids are `{exchange}.{what}`: `pull.http.status`,
 * `pull.body.json`, `pull.outbound.timeout`, and for a validator's problem the field's path
 * with indexes dropped (`external_resources[3].created_at` → `pull.resource.created_at`).
 */
const prefixes: Record<ExchangeKind, string> = {
  manifest: 'manifest',
  pull: 'pull',
  channelback: 'channelback',
  event_batch: 'event',
};

/** The answer's status was not what the host takes. */
export function statusFinding(kind: ExchangeKind, status: number, expected: string): Finding {
  return {
    rule: `${prefixes[kind]}.http.status`,
    severity: 'error',
    message: `answered HTTP ${status}; expected ${expected}`,
  };
}

/** The answer was not JSON (`reason` as `protocol/not-json.ts` words it). */
export function notJsonFinding(kind: ExchangeKind, reason: string): Finding {
  return { rule: `${prefixes[kind]}.body.json`, severity: 'error', message: `the answer is not JSON: ${reason}` };
}

/** The answer holds an escaped U+0000, which no store can keep. */
export function nulFinding(kind: ExchangeKind): Finding {
  return {
    rule: `${prefixes[kind]}.body.nul`,
    severity: 'error',
    message: 'the answer contains the NUL character (U+0000), which cannot be stored; remove it',
  };
}

/** No usable answer: refused by the address guard, timed out, too large, network, redirects. */
export function outboundFinding(kind: ExchangeKind, error: OutboundError): Finding {
  return { rule: `${prefixes[kind]}.outbound.${error.kind}`, severity: 'error', message: error.message };
}

/** A label in place of a path: the whole answer, or (for a manifest) the URL it was fetched from. */
const label = /^\(.*\)$/;

/**
 * A validator's `path: message` lines as findings. Paths keep their indexes; rule ids drop
 * them, and name a pulled resource's fields `resource.…`.
 */
export function problemFindings(kind: ExchangeKind, problems: readonly string[]): Finding[] {
  const prefix = prefixes[kind];
  return problems.map((problem): Finding => {
    const more = /^… and \d+ more problems$/.test(problem);
    if (more) return { rule: `${prefix}.problems.more`, severity: 'note', message: problem };
    const split = problem.indexOf(': ');
    const path = split < 0 ? '' : problem.slice(0, split);
    const message = split < 0 ? problem : problem.slice(split + 2);
    if (path === '(manifest URL)') return { rule: `${prefix}.url`, severity: 'error', message };
    if (path === '' || label.test(path)) return { rule: `${prefix}.body.object`, severity: 'error', message };
    const field = path
      .replace(/\[\d+\]/g, '')
      .replace(/^external_resources\./, 'resource.')
      .replace(/[^A-Za-z0-9_.]/g, '_');
    return { rule: `${prefix}.${field}`, severity: 'error', path, message };
  });
}
