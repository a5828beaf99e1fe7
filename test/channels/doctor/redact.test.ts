import { describe, expect, it } from 'vitest';
import { shownValueAt } from '../../../src/channels/doctor/redact.js';

describe('the value a finding shows', () => {
  const answer = {
    external_resources: [
      { external_id: 'a', author: { external_id: 'x'.repeat(100) }, fields: [{ id: 1, value: null }] },
    ],
    state: 'cursor=secret-state',
    metadata: 'api_key=secret-metadata',
  };

  it('follows the path, cuts long strings and never shows metadata or state', () => {
    expect(shownValueAt(answer, 'external_resources[0].external_id')).toBe('"a"');
    expect(shownValueAt(answer, 'external_resources[0].author.external_id')).toBe(
      `"${'x'.repeat(80)}…" (100 characters)`,
    );
    expect(shownValueAt(answer, 'external_resources[0].fields')).toBe('an array of 1');
    expect(shownValueAt(answer, 'external_resources[0].fields[0].value')).toBe('null');
    expect(shownValueAt(answer, 'state')).toBe('(redacted, 19 characters)');
    expect(shownValueAt(answer, 'metadata')).toBe('(redacted, 23 characters)');
    expect(shownValueAt(answer, 'external_resources[5].external_id')).toBeUndefined();
    expect(shownValueAt(answer, '(pull response)')).toBeUndefined();
    expect(shownValueAt({ a: 1 }, 'constructor')).toBeUndefined();
  });
});
