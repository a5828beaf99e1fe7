import { describe, expect, it } from 'vitest';
import { characterCount } from '../../../src/channels/protocol/limits.js';

describe('characterCount counts Unicode code points', () => {
  it.each([
    { name: 'empty', s: '', n: 0 },
    { name: 'ASCII', s: 'hello', n: 5 },
    { name: 'BMP accents', s: 'héllo', n: 5 },
    { name: 'CJK', s: '日本語', n: 3 },
    { name: 'emoji (surrogate pair) is one', s: '😀', n: 1 },
    { name: 'emoji mixed', s: 'a😀b😀', n: 4 },
    { name: 'ZWJ family is its code points, not one grapheme', s: '👨‍👩‍👧', n: 5 },
    { name: 'lone high surrogate is one', s: '\ud800', n: 1 },
    { name: 'lone low surrogate is one', s: '\udc00x', n: 2 },
    { name: 'reversed pair is two', s: '\udc00\ud800', n: 2 },
    { name: 'high surrogate at the end', s: 'ab\ud83d', n: 3 },
  ])('$name', ({ s, n }) => {
    expect(characterCount(s)).toBe(n);
    expect(characterCount(s)).toBe([...s].length);
  });

  it('agrees with [...s].length on random strings', () => {
    const pool = ['a', 'é', '😀', '\ud800', '\udc00', '日', '\u0000'];
    for (let trial = 0; trial < 500; trial++) {
      let s = '';
      for (let i = 0; i < 20; i++) s += pool[(trial * 7 + i * 13 + i * i) % pool.length];
      expect(characterCount(s)).toBe([...s].length);
    }
  });
});
