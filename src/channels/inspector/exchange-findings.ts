import type { ExchangeKind } from '../../store/exchange-store.js';
import type { OutboundError } from '../outbound/outbound-error.js';
import type { Finding } from '../protocol/finding.js';
import { finding, RULES } from '../protocol/rules.js';

/**
 * The findings of one exchange by the rule catalogue's ids (`protocol/rules.ts`), so the
 * inspector, the host and `switchboard doctor` name a broken rule alike. A validator's
 * findings come as they are (`validated.findings`); this file names the failures the
 * validators never see: the status, a body that is not JSON, no answer at all.
 */
const families: Record<ExchangeKind, string> = {
  manifest: 'manifest',
  pull: 'pull',
  channelback: 'channelback',
  event_batch: 'events',
};

/** The family's rule `name` when the catalogue has one, else its "must answer" rule. */
function ruleOf(kind: ExchangeKind, name: string): string {
  const family = families[kind];
  const specific = `${family}.${name}`;
  if (RULES.has(specific)) return specific;
  return kind === 'manifest' ? 'manifest.fetch' : `${family}.status`;
}

/** The answer's status was not what the host takes. */
export function statusFinding(kind: ExchangeKind, status: number, expected: string): Finding {
  return finding(ruleOf(kind, 'status'), `answered HTTP ${status}; expected ${expected}`);
}

/** The answer was not JSON (`reason` as `protocol/not-json.ts` words it). */
export function notJsonFinding(kind: ExchangeKind, reason: string): Finding {
  return finding(ruleOf(kind, 'json'), `the answer is not JSON: ${reason}`);
}

/** The answer holds an escaped U+0000, which no store can keep. */
export function nulFinding(kind: ExchangeKind): Finding {
  const rule = RULES.has(`${families[kind]}.nul`) ? `${families[kind]}.nul` : ruleOf(kind, 'json');
  return finding(rule, 'the answer contains the NUL character (U+0000), which cannot be stored; remove it');
}

/** No usable answer: refused by the address guard, timed out, too large, network, redirects. */
export function outboundFinding(kind: ExchangeKind, error: OutboundError): Finding {
  const name = error.kind === 'timeout' ? 'time.timeout' : error.kind === 'too_large' ? 'size' : 'status';
  return finding(ruleOf(kind, name), error.message);
}
