import { describe, expect, it } from 'vitest';
import { findJsonProblem, numberProblem } from '../../src/http/strict-json.js';

describe('numbers a double keeps', () => {
  it.each([
    '1',
    '1.0',
    '1e2',
    '-0',
    '0.1',
    '0.30000000000000004',
    '123456789012345680000',
    '1.7976931348623157e308',
    '5e-324',
    '0.0',
    '0e10',
    '-12.5e-3',
    '9007199254740992',
  ])('accepts %s', (token) => {
    expect(numberProblem(token)).toBeUndefined();
  });

  it.each([
    ['1e999', 'too large'],
    ['-1e999', 'too large'],
    ['1e-400', 'too small'],
    ['123456789012345678901234567890', 'cannot be kept exactly'],
    ['9007199254740993', 'cannot be kept exactly'],
    ['0.1000000000000000055511151231257827', 'cannot be kept exactly'],
  ])('refuses %s (%s)', (token, why) => {
    expect(numberProblem(token)).toContain(why);
  });
});

describe('findJsonProblem', () => {
  it('names the path of a number that would change', () => {
    expect(findJsonProblem('{"config":{"a":[1,{"b":1e999}]}}')).toMatchObject({
      kind: 'number',
      path: 'config.a[1].b',
    });
  });

  it('names a duplicate key', () => {
    expect(findJsonProblem('{"config":{"a":1,"a":2}}')).toMatchObject({ kind: 'duplicate_key', path: 'config.a' });
  });

  it('finds a lone surrogate in a string or a key', () => {
    expect(findJsonProblem('{"scope":"\\ud800x"}')).toMatchObject({ kind: 'lone_surrogate', path: 'scope' });
    expect(findJsonProblem('{"config":{"\\udc00":1}}')).toMatchObject({ kind: 'lone_surrogate' });
  });

  it('passes what round-trips: pairs, NUL, escapes, every kind of value', () => {
    const text = '{"s":"\\ud83d\\ude00 😀 \\u0000 \\"q\\\\","n":[], "o":{}, "t":true,"f":false,"z":null,"x":-1.5e3}';
    expect(findJsonProblem(text)).toBeUndefined();
    expect(findJsonProblem(' [ 1 , "2" , [ ] ] ')).toBeUndefined();
  });
});

describe('nesting', () => {
  it('refuses nesting past the limit instead of running out of stack', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(findJsonProblem(deep)).toMatchObject({ kind: 'too_deep' });
    expect(findJsonProblem('{"a":' + '['.repeat(600) + ']'.repeat(600) + '}')).toMatchObject({ kind: 'too_deep' });
  });

  it('accepts nesting up to the limit', () => {
    expect(findJsonProblem('['.repeat(512) + ']'.repeat(512))).toBeUndefined();
  });
});
