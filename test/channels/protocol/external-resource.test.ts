import { describe, expect, it } from 'vitest';
import { validateExternalResource } from '../../../src/channels/protocol/external-resource.js';
import { chars, fullResource, minimalResource } from './fixtures.js';

const author = (overrides: Record<string, unknown>) => ({ external_id: 'user-1', ...overrides });
const field = (i: number) => ({ id: `f${i}`, value: i });
const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://example.com/${i}.png`);
const createdAtRule =
  'must be an ISO 8601 date-time with a time zone offset, such as 2015-09-08T22:48:09Z, ' +
  '2015-09-08T22:48:09.123+00:00 or 2015-09-08T22:48:09+0000';
const infos = (n: number) => Array.from({ length: n }, (_, i) => ({ type: `t${i}`, data: {} }));

/** Each case changes a valid resource in one place; `problem` is the exact line expected, or undefined when valid. */
const cases: { name: string; input: unknown; problem?: string }[] = [
  { name: 'all optional keys', input: fullResource({ thread_id: undefined, parent_id: 'msg-0' }) },
  { name: 'only required keys', input: minimalResource() },
  { name: 'unknown keys ignored', input: minimalResource({ future_key: { x: 1 } }) },
  { name: 'null optional keys count as absent', input: minimalResource({ thread_id: null, html_message: null }) },
  { name: 'not an object', input: ['x'], problem: 'external_resources[3]: must be a JSON object; got an array' },
  { name: 'null resource', input: null, problem: 'external_resources[3]: must be a JSON object; got null' },

  // external_id: 1–255, ASCII, no edge whitespace
  { name: 'external_id 1 char', input: minimalResource({ external_id: 'a' }) },
  { name: 'external_id 255 chars', input: minimalResource({ external_id: chars(255) }) },
  {
    name: 'external_id 256 chars',
    input: minimalResource({ external_id: chars(256) }),
    problem: 'external_resources[3].external_id: must be 1–255 characters; got 256',
  },
  {
    name: 'external_id empty',
    input: minimalResource({ external_id: '' }),
    problem: 'external_resources[3].external_id: must be 1–255 characters; got 0',
  },
  {
    name: 'external_id missing',
    input: minimalResource({ external_id: undefined }),
    problem: 'external_resources[3].external_id: is required',
  },
  {
    name: 'external_id number',
    input: minimalResource({ external_id: 42 }),
    problem: 'external_resources[3].external_id: must be a string; got number 42',
  },
  {
    name: 'external_id non-ASCII',
    input: minimalResource({ external_id: 'café' }),
    problem: 'external_resources[3].external_id: must contain only ASCII characters; found U+00E9 at character 4',
  },
  {
    name: 'external_id emoji',
    input: minimalResource({ external_id: 'a😀' }),
    problem: 'external_resources[3].external_id: must contain only ASCII characters; found U+1F600 at character 2',
  },
  {
    name: 'external_id leading space',
    input: minimalResource({ external_id: ' a' }),
    problem: 'external_resources[3].external_id: must not begin or end with whitespace',
  },
  {
    name: 'external_id trailing newline',
    input: minimalResource({ external_id: 'a\n' }),
    problem: 'external_resources[3].external_id: must not begin or end with whitespace',
  },
  { name: 'external_id inner space', input: minimalResource({ external_id: 'a b' }) },

  // message and html_message: 1–65535
  { name: 'message 65535 chars', input: minimalResource({ message: chars(65535) }) },
  { name: 'message 65535 emoji', input: minimalResource({ message: chars(65535, '😀') }) },
  {
    name: 'message 65536 chars',
    input: minimalResource({ message: chars(65536) }),
    problem: 'external_resources[3].message: must be 1–65535 characters; got 65536',
  },
  {
    name: 'message empty',
    input: minimalResource({ message: '' }),
    problem: 'external_resources[3].message: must be 1–65535 characters; got 0',
  },
  {
    name: 'message missing',
    input: minimalResource({ message: undefined }),
    problem: 'external_resources[3].message: is required',
  },
  { name: 'html_message 65535', input: minimalResource({ html_message: chars(65535) }) },
  {
    name: 'html_message 65536',
    input: minimalResource({ html_message: chars(65536) }),
    problem: 'external_resources[3].html_message: must be 1–65535 characters; got 65536',
  },
  {
    name: 'html_message empty',
    input: minimalResource({ html_message: '' }),
    problem: 'external_resources[3].html_message: must be 1–65535 characters; got 0',
  },

  // parent_id (≤ 511, docs) and thread_id (≤ 255), never both
  { name: 'parent_id 511', input: minimalResource({ parent_id: chars(511) }) },
  {
    name: 'parent_id 512',
    input: minimalResource({ parent_id: chars(512) }),
    problem: 'external_resources[3].parent_id: must be 1–511 characters; got 512',
  },
  {
    name: 'parent_id non-ASCII',
    input: minimalResource({ parent_id: 'ü' }),
    problem: 'external_resources[3].parent_id: must contain only ASCII characters; found U+00FC at character 1',
  },
  { name: 'thread_id 255', input: minimalResource({ thread_id: chars(255) }) },
  {
    name: 'thread_id 256',
    input: minimalResource({ thread_id: chars(256) }),
    problem: 'external_resources[3].thread_id: must be 1–255 characters; got 256',
  },
  {
    name: 'thread_id empty',
    input: minimalResource({ thread_id: '' }),
    problem: 'external_resources[3].thread_id: must be 1–255 characters; got 0',
  },
  {
    name: 'parent_id and thread_id',
    input: minimalResource({ parent_id: 'p', thread_id: 't' }),
    problem:
      'external_resources[3]: has both parent_id and thread_id; send one of them, or neither to start a new ticket',
  },

  // created_at
  {
    name: 'created_at with offset and fraction',
    input: minimalResource({ created_at: '2015-09-08T15:48:09.5-07:00' }),
  },
  { name: 'created_at +00:00', input: minimalResource({ created_at: '2015-09-08T22:48:09+00:00' }) },
  { name: 'created_at +0000', input: minimalResource({ created_at: '2015-09-08T22:48:09+0000' }) },
  { name: 'created_at microseconds', input: minimalResource({ created_at: '2015-09-08T22:48:09.123456+0000' }) },
  { name: 'created_at nanoseconds', input: minimalResource({ created_at: '2015-09-08T22:48:09.123456789Z' }) },
  {
    name: 'created_at without offset',
    input: minimalResource({ created_at: '2015-09-08T22:48:09' }),
    problem: `external_resources[3].created_at: ${createdAtRule}; got "2015-09-08T22:48:09"`,
  },
  {
    name: 'created_at hour-only offset',
    input: minimalResource({ created_at: '2015-09-08T22:48:09+00' }),
    problem: `external_resources[3].created_at: ${createdAtRule}; got "2015-09-08T22:48:09+00"`,
  },
  {
    name: 'created_at impossible date',
    input: minimalResource({ created_at: '2015-02-30T00:00:00Z' }),
    problem: `external_resources[3].created_at: ${createdAtRule}; got "2015-02-30T00:00:00Z"`,
  },
  {
    name: 'created_at epoch number',
    input: minimalResource({ created_at: 1441752489 }),
    problem: 'external_resources[3].created_at: must be a string; got number 1441752489',
  },
  {
    name: 'created_at missing',
    input: minimalResource({ created_at: undefined }),
    problem: 'external_resources[3].created_at: is required',
  },

  // author
  {
    name: 'author missing',
    input: minimalResource({ author: undefined }),
    problem: 'external_resources[3].author: is required',
  },
  {
    name: 'author string',
    input: minimalResource({ author: 'Ada' }),
    problem: 'external_resources[3].author: must be a JSON object; got a string',
  },
  {
    name: 'author.external_id empty',
    input: minimalResource({ author: author({ external_id: '' }) }),
    problem: 'external_resources[3].author.external_id: must be 1–255 characters; got 0',
  },
  { name: 'author.external_id 255', input: minimalResource({ author: author({ external_id: chars(255) }) }) },
  {
    name: 'author.external_id 256',
    input: minimalResource({ author: author({ external_id: chars(256) }) }),
    problem: 'external_resources[3].author.external_id: must be 1–255 characters; got 256',
  },
  {
    name: 'author.external_id missing',
    input: minimalResource({ author: {} }),
    problem: 'external_resources[3].author.external_id: is required',
  },
  { name: 'author.name 255', input: minimalResource({ author: author({ name: chars(255, 'é') }) }) },
  {
    name: 'author.name 256',
    input: minimalResource({ author: author({ name: chars(256) }) }),
    problem: 'external_resources[3].author.name: must be 1–255 characters; got 256',
  },
  {
    name: 'author.name empty',
    input: minimalResource({ author: author({ name: '' }) }),
    problem: 'external_resources[3].author.name: must be 1–255 characters; got 0',
  },
  { name: 'author.image_url 511', input: minimalResource({ author: author({ image_url: chars(511) }) }) },
  {
    name: 'author.image_url 512',
    input: minimalResource({ author: author({ image_url: chars(512) }) }),
    problem: 'external_resources[3].author.image_url: must be 1–511 characters; got 512',
  },
  {
    name: 'author.locale 256',
    input: minimalResource({ author: author({ locale: chars(256) }) }),
    problem: 'external_resources[3].author.locale: must be 1–255 characters; got 256',
  },
  {
    name: 'author.fields 64',
    input: minimalResource({ author: author({ fields: Array.from({ length: 64 }, (_, i) => field(i)) }) }),
  },
  {
    name: 'author.fields 65',
    input: minimalResource({ author: author({ fields: Array.from({ length: 65 }, (_, i) => field(i)) }) }),
    problem: 'external_resources[3].author.fields: must have at most 64 items; got 65',
  },
  {
    name: 'author.fields item without value',
    input: minimalResource({ author: author({ fields: [field(0), { id: 'notes' }] }) }),
    problem: 'external_resources[3].author.fields[1].value: is required (null is allowed)',
  },

  // fields
  { name: 'fields 64', input: minimalResource({ fields: Array.from({ length: 64 }, (_, i) => field(i)) }) },
  {
    name: 'fields 65',
    input: minimalResource({ fields: Array.from({ length: 65 }, (_, i) => field(i)) }),
    problem: 'external_resources[3].fields: must have at most 64 items; got 65',
  },
  { name: 'fields value null', input: minimalResource({ fields: [{ id: 1, value: null }] }) },
  {
    name: 'fields id fraction',
    input: minimalResource({ fields: [{ id: 1.5, value: 1 }] }),
    problem: 'external_resources[3].fields[0].id: must be an integer or a string; got number 1.5',
  },
  {
    name: 'fields id boolean',
    input: minimalResource({ fields: [{ id: true, value: 1 }] }),
    problem: 'external_resources[3].fields[0].id: must be an integer or a string; got boolean true',
  },
  {
    name: 'fields id empty string',
    input: minimalResource({ fields: [{ id: '', value: 1 }] }),
    problem: 'external_resources[3].fields[0].id: must be 1–255 characters; got 0',
  },
  {
    name: 'fields id missing',
    input: minimalResource({ fields: [{ value: 1 }] }),
    problem: 'external_resources[3].fields[0].id: is required',
  },
  {
    name: 'fields not an array',
    input: minimalResource({ fields: { subject: 'x' } }),
    problem: 'external_resources[3].fields: must be an array; got an object',
  },

  // display_info
  { name: 'display_info 16', input: minimalResource({ display_info: infos(16) }) },
  {
    name: 'display_info 17',
    input: minimalResource({ display_info: infos(17) }),
    problem: 'external_resources[3].display_info: must have at most 16 items; got 17',
  },
  { name: 'display_info data object', input: minimalResource({ display_info: [{ type: 't', data: { a: 1 } }] }) },
  { name: 'display_info data string', input: minimalResource({ display_info: [{ type: 't', data: '{"a":1}' }] }) },
  { name: 'display_info data 65535', input: minimalResource({ display_info: [{ type: 't', data: chars(65535) }] }) },
  {
    name: 'display_info data 65536',
    input: minimalResource({ display_info: [{ type: 't', data: chars(65536) }] }),
    problem: 'external_resources[3].display_info[0].data: must be at most 65535 characters; got 65536',
  },
  {
    name: 'display_info data number',
    input: minimalResource({ display_info: [{ type: 't', data: 7 }] }),
    problem: 'external_resources[3].display_info[0].data: must be a JSON object or a string; got number 7',
  },
  {
    name: 'display_info data array',
    input: minimalResource({ display_info: [{ type: 't', data: [] }] }),
    problem: 'external_resources[3].display_info[0].data: must be a JSON object or a string; got an array',
  },
  {
    name: 'display_info data missing',
    input: minimalResource({ display_info: [{ type: 't' }] }),
    problem: 'external_resources[3].display_info[0].data: is required',
  },
  {
    name: 'display_info type 256',
    input: minimalResource({ display_info: [{ type: chars(256), data: {} }] }),
    problem: 'external_resources[3].display_info[0].type: must be 1–255 characters; got 256',
  },

  // booleans
  {
    name: 'internal_note string',
    input: minimalResource({ internal_note: 'true' }),
    problem: 'external_resources[3].internal_note: must be true or false; got a string',
  },
  {
    name: 'allow_channelback number',
    input: minimalResource({ allow_channelback: 0 }),
    problem: 'external_resources[3].allow_channelback: must be true or false; got number 0',
  },

  // file_urls: ≤ 10 (the docs; the schema says 64), each ≤ 511 and an absolute https URL
  { name: 'file_urls 10', input: minimalResource({ file_urls: urls(10) }) },
  {
    name: 'file_urls 11',
    input: minimalResource({ file_urls: urls(11) }),
    problem: 'external_resources[3].file_urls: must have at most 10 items; got 11',
  },
  {
    name: 'file_url http',
    input: minimalResource({ file_urls: ['http://example.com/a'] }),
    problem: 'external_resources[3].file_urls[0]: must be an absolute https URL',
  },
  {
    name: 'file_url 511',
    input: minimalResource({ file_urls: [`https://example.com/${chars(511 - 20)}`] }),
  },
  {
    name: 'file_url 512',
    input: minimalResource({ file_urls: [`https://example.com/${chars(512 - 20)}`] }),
    problem: 'external_resources[3].file_urls[0]: must be 1–511 characters; got 512',
  },
  {
    name: 'file_url relative',
    input: minimalResource({ file_urls: ['https://example.com/a', '/a.png'] }),
    problem: 'external_resources[3].file_urls[1]: must be an absolute https URL',
  },
  {
    name: 'file_url ftp',
    input: minimalResource({ file_urls: ['ftp://example.com/a.png'] }),
    problem: 'external_resources[3].file_urls[0]: must be an absolute https URL',
  },
];

describe('validateExternalResource', () => {
  it.each(cases)('$name', ({ input, problem }) => {
    const result = validateExternalResource(input, 'external_resources[3]');
    if (problem === undefined) {
      expect(result).toMatchObject({ ok: true });
    } else {
      expect(result).toMatchObject({ ok: false, problems: [problem] });
    }
  });

  it('returns the typed resource with wire keys and no unknown or absent keys', () => {
    const input = fullResource({ extra: 1, thread_id: null, parent_id: 'msg-0' });
    const result = validateExternalResource(input, '');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const expected: Record<string, unknown> = { ...input };
    delete expected.extra;
    delete expected.thread_id;
    expect(result.resource).toStrictEqual(expected);
    expect(Object.keys(result.resource)).not.toContain('thread_id');
    expect(Object.keys(result.resource)).not.toContain('extra');
  });

  it('uses bare keys at the root path', () => {
    const result = validateExternalResource(minimalResource({ author: { external_id: '' } }));
    expect(result).toMatchObject({ ok: false, problems: ['author.external_id: must be 1–255 characters; got 0'] });
    expect(validateExternalResource(42)).toMatchObject({
      ok: false,
      problems: ['(resource): must be a JSON object; got number 42'],
    });
  });

  it('reports every problem, not only the first', () => {
    const result = validateExternalResource({ message: '', author: {} }, 'r');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'r.external_id: is required',
      'r.message: must be 1–65535 characters; got 0',
      'r.created_at: is required',
      'r.author.external_id: is required',
    ]);
  });

  it('does not read inherited properties', () => {
    const proto = { external_id: 'inherited' };
    const input = Object.assign(Object.create(proto) as object, minimalResource({ external_id: undefined }));
    expect(validateExternalResource(input, 'r')).toMatchObject({ ok: false, problems: ['r.external_id: is required'] });
  });
});
