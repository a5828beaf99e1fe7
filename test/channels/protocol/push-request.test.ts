import { describe, expect, it } from 'vitest';
import { validatePushRequest } from '../../../src/channels/protocol/push-request.js';
import { chars, minimalResource, resources } from './fixtures.js';

const push = (overrides: Record<string, unknown> = {}) => ({
  instance_push_id: 'push-1',
  request_id: 'req-1',
  external_resources: resources(1),
  ...overrides,
});

const envelopeCases: { name: string; input: unknown; problems?: string[] }[] = [
  { name: 'valid', input: push() },
  { name: 'no request_id', input: push({ request_id: undefined }) },
  { name: 'null request_id', input: push({ request_id: null }) },
  { name: 'no resources', input: push({ external_resources: [] }) },
  { name: '256 resources', input: push({ external_resources: resources(256) }) },
  {
    name: '257 resources',
    input: push({ external_resources: resources(257) }),
    problems: ['external_resources: must have at most 256 items; got 257'],
  },
  {
    name: 'external_resources missing',
    input: push({ external_resources: undefined }),
    problems: ['external_resources: is required'],
  },
  { name: 'instance_push_id 255', input: push({ instance_push_id: chars(255) }) },
  {
    name: 'instance_push_id 256',
    input: push({ instance_push_id: chars(256) }),
    problems: ['instance_push_id: must be 1–255 characters; got 256'],
  },
  {
    name: 'instance_push_id empty',
    input: push({ instance_push_id: '' }),
    problems: ['instance_push_id: must be 1–255 characters; got 0'],
  },
  {
    name: 'instance_push_id missing',
    input: push({ instance_push_id: undefined }),
    problems: ['instance_push_id: is required'],
  },
  { name: 'request_id 64', input: push({ request_id: chars(64) }) },
  {
    name: 'request_id 65',
    input: push({ request_id: chars(65) }),
    problems: ['request_id: must be 1–64 characters; got 65'],
  },
  {
    name: 'request_id empty',
    input: push({ request_id: '' }),
    problems: ['request_id: must be 1–64 characters; got 0'],
  },
  { name: 'body null', input: null, problems: ['(push request): must be a JSON object; got null'] },
];

describe('validatePushRequest envelope', () => {
  it.each(envelopeCases)('$name', ({ input, problems }) => {
    const result = validatePushRequest(input);
    if (problems === undefined) expect(result).toMatchObject({ ok: true });
    else expect(result).toMatchObject({ ok: false, problems });
  });
});

describe('validatePushRequest resources', () => {
  it('judges each resource on its own, in order, with indexed paths', () => {
    const result = validatePushRequest(
      push({
        external_resources: [
          minimalResource({ external_id: 'a' }),
          minimalResource({ external_id: 'ñ' }),
          minimalResource({ external_id: 'c', parent_id: 'a' }),
          'not a resource',
        ],
      }),
    );
    expect(result).toMatchObject({
      ok: true,
      request: { instance_push_id: 'push-1', request_id: 'req-1' },
      resources: [
        { ok: true, resource: minimalResource({ external_id: 'a' }) },
        {
          ok: false,
          problems: [
            'external_resources[1].external_id: must contain only ASCII characters; found U+00F1 at character 1',
          ],
        },
        { ok: true, resource: minimalResource({ external_id: 'c', parent_id: 'a' }) },
        { ok: false, problems: ['external_resources[3]: must be a JSON object; got a string'] },
      ],
    });
  });

  it('omits an absent request_id from the envelope', () => {
    const result = validatePushRequest(push({ request_id: undefined, external_resources: [] }));
    expect(result).toEqual({ ok: true, request: { instance_push_id: 'push-1' }, resources: [] });
    if (result.ok) expect(Object.keys(result.request)).toEqual(['instance_push_id']);
  });

  it('does not judge resources when the envelope is wrong', () => {
    const result = validatePushRequest(push({ instance_push_id: 5, external_resources: [{}] }));
    expect(result).toMatchObject({ ok: false, problems: ['instance_push_id: must be a string; got number 5'] });
  });
});
