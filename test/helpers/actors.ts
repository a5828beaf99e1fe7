import type { Actor } from '../../src/store/store.js';

/** Who the store tests' config writes are recorded as. */
export const testActor: Actor = { type: 'cli', id: 'store-test' };

/** A delete's revision facts in the store tests. */
export const deletion = { actor: testActor, nowSeconds: 1_700_000_000 };
