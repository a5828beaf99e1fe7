import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows } from '../helpers/raw-sql.js';
import { storeKinds, storeProfiles, type OpenedStore } from '../helpers/stores.js';

describe.each(storeProfiles)('failure limiter on $name', (kind) => {
  let opened: OpenedStore;
  beforeAll(async () => {
    opened = await kind.open();
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  it('limits past the count per address and per credential, not before', async () => {
    const limiter = opened.store.createFailureLimiter({ perAddress: 3, perCredential: 2, windowSeconds: 60 });
    expect(await limiter.recordFailure('a1', 'c1')).toMatchObject({ limited: false });
    expect(await limiter.recordFailure('a2', 'c1')).toMatchObject({ limited: false });
    const third = await limiter.recordFailure('a3', 'c1');
    expect(third.limited).toBe(true);
    expect(third.retryAfterMs).toBeGreaterThan(0);
    expect(await limiter.recordFailure('a4', undefined)).toMatchObject({ limited: false });
  });
});

describe.each(storeKinds.filter((kind) => kind.name === 'postgres'))('failure counts on $name', (kind) => {
  let opened: OpenedStore;
  beforeAll(async () => {
    opened = await kind.open();
  });
  afterAll(async () => {
    await opened.cleanup();
  });

  it('deletes expired counts as failures go on, so guessing cannot grow the table forever', async () => {
    const limiter = opened.store.createFailureLimiter({ perAddress: 100_000, perCredential: 10, windowSeconds: 1 });
    for (let i = 0; i < 100; i++) await limiter.recordFailure('10.0.0.1', `old-${i}`);
    const credentials = `key LIKE 'auth-fail-credential%'`;
    expect(await countRows(opened.url, 'auth_failures', credentials)).toBe(100);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    for (let i = 0; i < 100; i++) await limiter.recordFailure('10.0.0.1', `new-${i}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await countRows(opened.url, 'auth_failures', `key LIKE 'auth-fail-credential:old-%'`)).toBe(0);
    expect(await countRows(opened.url, 'auth_failures', credentials)).toBe(100);
  });
});
