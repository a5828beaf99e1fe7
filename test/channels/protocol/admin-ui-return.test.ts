import { describe, expect, it } from 'vitest';
import { validateAdminUiReturn } from '../../../src/channels/protocol/admin-ui-return.js';
import { chars } from './fixtures.js';

const form = (overrides: Record<string, unknown> = {}) => ({
  name: 'Support inbox',
  metadata: '{"token":"t"}',
  ...overrides,
});

const cases: { name: string; input: Record<string, unknown>; problems?: string[] }[] = [
  { name: 'name and metadata', input: form() },
  { name: 'with state', input: form({ state: '{"since":0}' }) },
  { name: 'empty metadata and state', input: form({ metadata: '', state: '' }) },
  { name: 'other fields ignored', input: form({ return_url: 'https://host/x', subdomain: ['a', 'b'] }) },
  { name: 'name 1', input: form({ name: 'x' }) },
  { name: 'name 255', input: form({ name: chars(255, '😀') }) },
  { name: 'name 256', input: form({ name: chars(256) }), problems: ['name: must be 1–255 characters; got 256'] },
  { name: 'name empty', input: form({ name: '' }), problems: ['name: must be 1–255 characters; got 0'] },
  { name: 'name blank', input: form({ name: '  \t' }), problems: ['name: must not be only whitespace'] },
  { name: 'name missing', input: form({ name: undefined }), problems: ['name: is required'] },
  {
    name: 'name sent twice',
    input: form({ name: ['a', 'b'] }),
    problems: ['name: was sent 2 times; send it once'],
  },
  { name: 'metadata 5000 ASCII', input: form({ metadata: chars(5000) }) },
  { name: 'metadata 5000 emoji', input: form({ metadata: chars(5000, '😀') }) },
  {
    name: 'metadata 5001',
    input: form({ metadata: chars(5001) }),
    problems: ['metadata: must be at most 5000 characters; got 5001'],
  },
  { name: 'metadata missing', input: form({ metadata: undefined }), problems: ['metadata: is required'] },
  {
    name: 'metadata sent three times',
    input: form({ metadata: ['a', 'b', 'c'] }),
    problems: ['metadata: was sent 3 times; send it once'],
  },
  { name: 'state 5000', input: form({ state: chars(5000) }) },
  {
    name: 'state 5001',
    input: form({ state: chars(5001, 'é') }),
    problems: ['state: must be at most 5000 characters; got 5001'],
  },
  { name: 'state sent twice', input: form({ state: ['', ''] }), problems: ['state: was sent 2 times; send it once'] },
  {
    name: 'non-string value',
    input: form({ metadata: { nested: true } }),
    problems: ['metadata: must be a string; got an object'],
  },
  {
    name: 'every problem at once',
    input: { name: ['a', 'b'], state: chars(5001) },
    problems: [
      'name: was sent 2 times; send it once',
      'metadata: is required',
      'state: must be at most 5000 characters; got 5001',
    ],
  },
];

describe('validateAdminUiReturn', () => {
  it.each(cases)('$name', ({ input, problems }) => {
    const result = validateAdminUiReturn(input);
    if (problems === undefined) expect(result).toMatchObject({ ok: true });
    else expect(result).toMatchObject({ ok: false, problems });
  });

  it('returns name, metadata and state only when state was sent', () => {
    expect(validateAdminUiReturn(form({ return_url: 'x' }))).toEqual({
      ok: true,
      form: { name: 'Support inbox', metadata: '{"token":"t"}' },
    });
    expect(validateAdminUiReturn(form({ state: 's' }))).toEqual({
      ok: true,
      form: { name: 'Support inbox', metadata: '{"token":"t"}', state: 's' },
    });
  });

  it('does not read inherited properties', () => {
    const fields = Object.create({ name: 'inherited', metadata: '' }) as Record<string, unknown>;
    expect(validateAdminUiReturn(fields)).toMatchObject({
      ok: false,
      problems: ['name: is required', 'metadata: is required'],
    });
  });
});
