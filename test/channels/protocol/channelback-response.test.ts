import { describe, expect, it } from 'vitest';
import { validateChannelbackResponse } from '../../../src/channels/protocol/channelback-response.js';
import { chars } from './fixtures.js';

const cases: { name: string; input: unknown; problems?: string[] }[] = [
  { name: 'external_id only', input: { external_id: 'reply-1' } },
  {
    name: 'every key',
    input: { external_id: 'reply-1', allow_channelback: false, metadata_needs_update: true, metadata: 'm' },
  },
  { name: 'external_id 1', input: { external_id: 'x' } },
  { name: 'external_id 255', input: { external_id: chars(255) } },
  {
    name: 'external_id 256',
    input: { external_id: chars(256) },
    problems: ['external_id: must be 1–255 characters; got 256'],
  },
  { name: 'external_id empty', input: { external_id: '' }, problems: ['external_id: must be 1–255 characters; got 0'] },
  { name: 'external_id missing', input: {}, problems: ['external_id: is required'] },
  {
    name: 'external_id number',
    input: { external_id: 123 },
    problems: ['external_id: must be a string; got number 123'],
  },
  {
    name: 'external_id non-ASCII',
    input: { external_id: 'réponse' },
    problems: ['external_id: must contain only ASCII characters; found U+00E9 at character 2'],
  },
  { name: 'metadata 5000 emoji', input: { external_id: 'x', metadata: chars(5000, '😀') } },
  { name: 'metadata empty', input: { external_id: 'x', metadata: '' } },
  {
    name: 'metadata 5001',
    input: { external_id: 'x', metadata: chars(5001) },
    problems: ['metadata: must be at most 5000 characters; got 5001'],
  },
  {
    name: 'allow_channelback string',
    input: { external_id: 'x', allow_channelback: 'false' },
    problems: ['allow_channelback: must be true or false; got a string'],
  },
  {
    name: 'metadata_needs_update number',
    input: { external_id: 'x', metadata_needs_update: 1 },
    problems: ['metadata_needs_update: must be true or false; got number 1'],
  },
  { name: 'body array', input: [], problems: ['(channelback response): must be a JSON object; got an array'] },
];

describe('validateChannelbackResponse', () => {
  it.each(cases)('$name', ({ input, problems }) => {
    const result = validateChannelbackResponse(input);
    if (problems === undefined) expect(result).toMatchObject({ ok: true });
    else expect(result).toMatchObject({ ok: false, problems });
  });

  it('returns only the protocol keys that were sent', () => {
    expect(validateChannelbackResponse({ external_id: 'x', metadata: null, other: 1 })).toEqual({
      ok: true,
      response: { external_id: 'x' },
    });
  });
});
