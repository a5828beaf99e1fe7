import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/store/canonical-json.js';
import { pushBodyHash } from '../../src/store/push-rules.js';

describe('the body hash of a push', () => {
  it('writes canonical JSON: keys sorted at every depth, arrays in order, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: null, e: 'x' }], c: true } })).toBe(
      '{"a":{"c":true,"d":[3,{"e":"x","f":null}]},"b":1}',
    );
    expect(canonicalJson(JSON.parse('{ "z" : "\\u00e9", "y" : 1.0 }'))).toBe('{"y":1,"z":"é"}');
  });

  it('is the same for the same resources in any key order, and differs for any other change', () => {
    const sent = [{ external_id: 'm1', message: 'Hi', author: { external_id: 'a', name: 'Ana' } }];
    const reordered = [{ author: { name: 'Ana', external_id: 'a' }, message: 'Hi', external_id: 'm1' }];
    expect(pushBodyHash(reordered)).toBe(pushBodyHash(sent));
    expect(pushBodyHash(sent)).toMatch(/^[0-9a-f]{64}$/);
    const others = [
      [{ ...sent[0], message: 'Hi!' }],
      [...sent, ...sent],
      [],
      [{ ...sent[0], extra: null }],
      [{ ...sent[0], author: { external_id: 'a' } }],
    ];
    for (const other of others) expect(pushBodyHash(other)).not.toBe(pushBodyHash(sent));
    // Order of the resources is part of the push.
    const two = [sent[0], { ...sent[0], external_id: 'm2' }];
    expect(pushBodyHash([...two].reverse())).not.toBe(pushBodyHash(two));
  });
});

describe('canonicalJson edge cases', () => {
  it('keeps a "__proto__" key from JSON.parse as an ordinary key, sorted', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":2},"a":[{"d":1,"c":2}]}'))).toBe(
      '{"__proto__":{"x":2},"a":[{"c":2,"d":1}],"b":1}',
    );
  });
});
