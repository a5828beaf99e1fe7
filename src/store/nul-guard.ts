/**
 * A value to store contains U+0000. PostgreSQL text cannot hold it, so both stores refuse
 * it, before writing anything, and stay alike. Callers validate input before it gets here
 * (the API refuses NUL in instance fields); this is the last line.
 */
export class NulCharacterError extends Error {
  constructor(readonly field: string) {
    super(`${field} contains the NUL character (U+0000), which the store cannot hold; nothing was written`);
    this.name = 'NulCharacterError';
  }
}

/** The path of the first string inside `value` (objects and arrays, however deep) that holds U+0000. */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const found = nulPath(inner, path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Which methods look a key up, and which arguments of a method would be stored (all, by default). */
export interface NulGuardRules<S> {
  lookups: ReadonlySet<keyof S>;
  stored?: Partial<Record<keyof S, (...args: never[]) => unknown>>;
}

/**
 * Wraps a store so that no argument holding U+0000 reaches it: PostgreSQL text cannot hold
 * the character, so both stores turn it away before any SQL runs and stay alike. A lookup
 * named in `rules.lookups` finds nothing (no stored key holds U+0000); every other method
 * rejects with {@link NulCharacterError} and writes nothing.
 */
export function refusingNul<S extends object>(store: S, rules: NulGuardRules<S>): S {
  return new Proxy(store, {
    get(target, property, receiver) {
      const member = Reflect.get(target, property, receiver) as unknown;
      if (typeof member !== 'function') return member;
      const method = member as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const stored = rules.stored?.[property as keyof S] as ((...a: unknown[]) => unknown) | undefined;
        const field = nulPath(stored ? [stored(...args)] : args, '');
        if (field === undefined) return method.apply(target, args);
        if (rules.lookups.has(property as keyof S)) return Promise.resolve(undefined);
        return Promise.reject(new NulCharacterError(field.replace(/^\[\d+\]\.?/, '') || 'argument'));
      };
    },
  });
}
