import { NulCharacterError, nulPath } from './nul-guard.js';
import type { ValueCipher } from './encryption/value-cipher.js';

// What each method of a store contract does, as data the compiler checks against the
// contract: one table per contract, written beside the contract's interface (so adding a
// method is one file for both), and one wrapper derived from it (`wrapContract`, applied
// once in wrap-store.ts) that refuses U+0000, encrypts arguments and decrypts results. A
// method added to a contract and missing from its table, or whose arguments or result carry
// ciphertext without a `seal` or `open`, does not compile (test/store/method-tables.test-d.ts).

/** Field names whose values the store keeps only as ciphertext (instances, events, registry secrets, the inspector's bodies). */
type EncryptedField =
  'metadata' | 'state' | 'newMetadata' | 'newState' | 'secret' | 'clientSecret' | 'requestBody' | 'responseBody';

type Depth = readonly unknown[];
/** Whether `T` (an argument list or a result) holds an encrypted field, up to four levels down. */
type Carries<T, D extends Depth = []> = D['length'] extends 4
  ? false
  : T extends string | number | boolean | bigint | symbol | null | undefined | ((...args: never[]) => unknown)
    ? false
    : T extends readonly (infer E)[]
      ? Carries<E, [...D, 0]>
      : [Extract<keyof T, EncryptedField>] extends [never]
        ? true extends { [K in keyof T]-?: Carries<T[K], [...D, 0]> }[keyof T]
          ? true
          : false
        : true;

/**
 * How a method meets U+0000 (which PostgreSQL text cannot hold) in its arguments:
 * `refuse` rejects with {@link NulCharacterError} before anything runs; `{ lookup }` finds
 * nothing (no stored key holds U+0000) and answers `lookup`; `unchecked` passes it on (the
 * store copes, or callers validate first).
 */
export type NulRule<R> = 'refuse' | 'unchecked' | { lookup: R };

// The common entries. `refuse`: an argument holding U+0000 is refused before any SQL runs
// (PostgreSQL text cannot hold it); `unchecked`: passed on as it is.
export const write = { writes: true, nul: 'refuse' } as const;
export const read = { writes: false, nul: 'refuse' } as const;
export const plainWrite = { writes: true, nul: 'unchecked' } as const;
export const plainRead = { writes: false, nul: 'unchecked' } as const;

type Base<A extends unknown[], R> = {
  /** The method changes the database. */
  writes: boolean;
  nul: NulRule<R>;
  /** The part of the arguments the NUL rule checks, when not all of them (what is stored, or the key looked up). */
  checked?: (...args: A) => unknown;
};

/** Required exactly when the arguments hold an encrypted field: they are sealed before the store sees them. */
type SealFacts<A extends unknown[]> =
  true extends Carries<A> ? { seal: (args: A, cipher: ValueCipher) => A } : { seal?: never };

/** Required exactly when the result holds an encrypted field: it is opened before the caller sees it. */
type OpenFacts<R> = true extends Carries<R> ? { open: (result: R, cipher: ValueCipher) => R } : { open?: never };

/** The facts of one method. A method whose arguments or result carry ciphertext must say how to seal or open them. */
export type MethodFacts<F> = F extends (...args: infer A) => infer P
  ? Base<A, Awaited<P>> & SealFacts<A> & OpenFacts<Awaited<P>>
  : never;

/** The members of `C` that are methods. */
export type MethodName<C> = { [K in keyof C]-?: C[K] extends (...args: never[]) => unknown ? K : never }[keyof C];

/** One entry per method of `C`: a method missing from it, or an entry for no method, is a compile error. */
export type MethodTable<C> = { [K in MethodName<C>]-?: MethodFacts<C[K]> };

type AnyFacts = {
  writes: boolean;
  nul: NulRule<unknown>;
  checked?: (...args: unknown[]) => unknown;
  seal?: (args: unknown[], cipher: ValueCipher) => unknown[];
  open?: (result: unknown, cipher: ValueCipher) => unknown;
};

/**
 * `target`'s methods, each wrapped as its table entry says: U+0000 checked (before any
 * other step, so the check sees plaintext), arguments sealed, the result opened. Built once:
 * a method needing none of it is `target`'s own, bound. Only the table's methods are kept.
 */
export function wrapContract<C extends object>(target: C, table: MethodTable<C>, cipher: ValueCipher): C {
  const wrapped: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(table)) {
    const member = (target as Record<string, unknown>)[name];
    if (typeof member !== 'function') throw new TypeError(`wrapContract: the store has no method ${name}`);
    wrapped[name] = wrapMethod((member as (...args: unknown[]) => unknown).bind(target), entry as AnyFacts, cipher);
  }
  return wrapped as C;
}

function wrapMethod(
  method: (...args: unknown[]) => unknown,
  facts: AnyFacts,
  cipher: ValueCipher,
): (...args: unknown[]) => unknown {
  const { nul, checked, seal, open } = facts;
  if (nul === 'unchecked' && !seal && !open) return method;
  return (...args: unknown[]) => {
    if (nul !== 'unchecked') {
      const field = nulPath(checked ? [checked(...args)] : args, '');
      if (field !== undefined) {
        if (nul !== 'refuse') return Promise.resolve(nul.lookup);
        return Promise.reject(new NulCharacterError(field.replace(/^\[\d+\]\.?/, '') || 'argument'));
      }
    }
    const result = method(...(seal ? seal(args, cipher) : args));
    return open ? (result as Promise<unknown>).then((value) => open(value, cipher)) : result;
  };
}
