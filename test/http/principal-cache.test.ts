import { describe, expect, it } from 'vitest';
import { PrincipalCache } from '../../src/http/principal-cache.js';

describe('PrincipalCache', () => {
  it('keeps an entry until its time is up, then forgets it', () => {
    let now = 1000;
    const cache = new PrincipalCache<string>(500, 10, () => now);
    cache.set('Bearer a', 'alice');
    expect(cache.get('Bearer a')).toBe('alice');
    now = 1499;
    expect(cache.get('Bearer a')).toBe('alice');
    now = 1500;
    expect(cache.get('Bearer a')).toBeUndefined();
  });

  it("never keeps an entry past its credential's expiry", () => {
    let now = 1000;
    const cache = new PrincipalCache<string>(60_000, 10, () => now);
    cache.set('Bearer short', 'expiring', cache.generation, 1200);
    now = 1199;
    expect(cache.get('Bearer short')).toBe('expiring');
    now = 1200;
    expect(cache.get('Bearer short')).toBeUndefined();
  });

  it('drops the oldest entry when full, and keeps nothing with a zero time', () => {
    const cache = new PrincipalCache<number>(1000, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
    const off = new PrincipalCache<number>(0);
    off.set('a', 1);
    expect(off.get('a')).toBeUndefined();
  });

  it('evicts every entry whose value matches, at once (a revoked token)', () => {
    const cache = new PrincipalCache<{ tokenId: number }>(60_000);
    cache.set('Bearer a', { tokenId: 1 });
    cache.set('bearer  a', { tokenId: 1 });
    cache.set('Bearer b', { tokenId: 2 });
    cache.evict((value) => value.tokenId === 1);
    expect([cache.get('Bearer a'), cache.get('bearer  a'), cache.get('Bearer b')]).toEqual([
      undefined,
      undefined,
      { tokenId: 2 },
    ]);
  });

  it('clears everything, and keeps no answer from a lookup that began before an eviction', () => {
    const cache = new PrincipalCache<string>(60_000);
    cache.set('a', 'alice');
    const generation = cache.generation;
    cache.clear();
    expect(cache.get('a')).toBeUndefined();
    // A lookup that read the database before the revocation: its answer may be stale.
    cache.set('b', 'bob', generation);
    expect(cache.get('b')).toBeUndefined();
    cache.set('b', 'bob', cache.generation);
    expect(cache.get('b')).toBe('bob');
  });
});
