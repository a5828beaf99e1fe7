/**
 * `node --import tsx bench/seal-cost.ts`: what sealing one short value costs (µs per call),
 * `ValueCipher.encrypt` of a 250-character state beside `randomBytes(12)` alone, the cost a
 * fresh IV per value had before IVs came from a pool. Three rounds of 200,000 calls each.
 */
import { randomBytes } from 'node:crypto';
import { ValueCipher } from '../src/store/encryption/value-cipher.js';

const cipher = new ValueCipher([{ id: 'k1', key: randomBytes(32) }]);
const plain = 'x'.repeat(250);
const calls = 200_000;

function microsPerCall(work: () => unknown): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) work();
  return Number(process.hrtime.bigint() - started) / calls / 1000;
}

for (let round = 1; round <= 3; round++) {
  const seal = microsPerCall(() => cipher.encrypt(plain, 'instances.state'));
  const iv = microsPerCall(() => randomBytes(12));
  console.log(`round ${round}: seal ${seal.toFixed(2)} µs per value; randomBytes(12) alone ${iv.toFixed(2)} µs`);
}
