import { describe, expect, it } from 'vitest';
import { validatePullResponse } from '../../../src/channels/protocol/pull-response.js';
import { chars, minimalResource, resources } from './fixtures.js';

const cases: { name: string; input: unknown; problems?: string[] }[] = [
  { name: 'empty pull', input: { external_resources: [] } },
  // The vendor's pull docs: at most 200 (its schema says 256; a push takes 256).
  { name: '200 resources', input: { external_resources: resources(200) } },
  {
    name: '201 resources',
    input: { external_resources: resources(201) },
    problems: ['external_resources: must have at most 200 items; got 201'],
  },
  { name: 'external_resources missing', input: { state: 's' }, problems: ['external_resources: is required'] },
  {
    name: 'external_resources null',
    input: { external_resources: null },
    problems: ['external_resources: must be an array; got null'],
  },
  {
    name: 'external_resources object',
    input: { external_resources: {} },
    problems: ['external_resources: must be an array; got an object'],
  },
  { name: 'body array', input: [], problems: ['(pull response): must be a JSON object; got an array'] },
  { name: 'body string', input: 'ok', problems: ['(pull response): must be a JSON object; got a string'] },
  { name: 'body missing', input: undefined, problems: ['(pull response): is required'] },

  { name: 'state 5000 ASCII', input: { external_resources: [], state: chars(5000) } },
  { name: 'state 5000 emoji', input: { external_resources: [], state: chars(5000, '😀') } },
  { name: 'state empty', input: { external_resources: [], state: '' } },
  {
    name: 'state 5001',
    input: { external_resources: [], state: chars(5001) },
    problems: ['state: must be at most 5000 characters; got 5001'],
  },
  {
    name: 'state 5001 emoji',
    input: { external_resources: [], state: chars(5001, '😀') },
    problems: ['state: must be at most 5000 characters; got 5001'],
  },
  {
    name: 'state object',
    input: { external_resources: [], state: { cursor: 1 } },
    problems: ['state: must be a string; got an object'],
  },
  { name: 'metadata 5000 ASCII', input: { external_resources: [], metadata: chars(5000) } },
  { name: 'metadata 5000 emoji (10000 UTF-16 units)', input: { external_resources: [], metadata: chars(5000, '😀') } },
  {
    name: 'metadata 5001',
    input: { external_resources: [], metadata: chars(5001) },
    problems: ['metadata: must be at most 5000 characters; got 5001'],
  },
  { name: 'metadata_needs_update', input: { external_resources: [], metadata_needs_update: true } },
  {
    name: 'metadata_needs_update string',
    input: { external_resources: [], metadata_needs_update: 'yes' },
    problems: ['metadata_needs_update: must be true or false; got a string'],
  },
  {
    name: 'one bad resource refuses the response and names its index',
    input: { external_resources: [minimalResource(), minimalResource({ author: { external_id: '' } })] },
    problems: ['external_resources[1].author.external_id: must be 1–255 characters; got 0'],
  },
  {
    name: 'resource and envelope problems together',
    input: { external_resources: [minimalResource({ created_at: 'yesterday' })], state: 7 },
    problems: [
      'external_resources[0].created_at: must be an ISO 8601 date-time with a time zone offset, such as ' +
        '2015-09-08T22:48:09Z, 2015-09-08T22:48:09.123+00:00 or 2015-09-08T22:48:09+0000; got "yesterday"',
      'state: must be a string; got number 7',
    ],
  },
];

describe('validatePullResponse', () => {
  it.each(cases)('$name', ({ input, problems }) => {
    const result = validatePullResponse(input);
    if (problems === undefined) expect(result).toMatchObject({ ok: true });
    else expect(result).toMatchObject({ ok: false, problems });
  });

  it('returns resources in order and keeps only the keys that were sent', () => {
    const result = validatePullResponse({ external_resources: resources(3), state: '{"since":5}', extra: true });
    expect(result).toEqual({
      ok: true,
      response: { external_resources: resources(3), state: '{"since":5}' },
    });
    if (result.ok) expect(Object.keys(result.response)).toEqual(['external_resources', 'state']);
  });

  it('treats null state and metadata as absent (keep the stored values)', () => {
    const result = validatePullResponse({ external_resources: [], state: null, metadata: null });
    expect(result).toEqual({ ok: true, response: { external_resources: [] } });
  });

  it('keeps an empty metadata string (it replaces the stored metadata)', () => {
    expect(validatePullResponse({ external_resources: [], metadata: '' })).toEqual({
      ok: true,
      response: { external_resources: [], metadata: '' },
    });
  });

  it('caps a flood of problems at 100 lines plus a summary', () => {
    const bad = Array.from({ length: 200 }, () => ({}));
    const result = validatePullResponse({ external_resources: bad });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(101);
    expect(result.problems[0]).toBe('external_resources[0].external_id: is required');
    expect(result.problems[100]).toBe('… and 700 more problems');
  });
});
