// The dialect seam: statements both stores run alike are written once, with `?` for each
// parameter in order, and rendered for the dialect here. Nothing else differs.

/** Statements by name, or nested groups of them (e.g. one per table). */
export interface Statements {
  readonly [name: string]: string | Statements;
}

/** The same names, each statement rendered. */
export type Rendered<T> = { readonly [K in keyof T]: T[K] extends string ? string : Rendered<T[K]> };

/**
 * One statement with `$1`, `$2`, … (PostgreSQL) for its `?`s, left to right. A `?` inside a
 * quoted literal, a quoted identifier or a `--` comment is not a parameter and is left alone.
 */
export function numberedPlaceholders(text: string): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (c === quote || (quote === '\n' && c === '\n')) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '-' && text[i + 1] === '-') {
      quote = '\n';
    } else if (c === '?') {
      n += 1;
      out += `$${n}`;
      continue;
    } else if (c === '$' && /\d/.test(text[i + 1] ?? '')) {
      throw new Error(`A shared statement takes its parameters as ?, not $n: ${text.trim()}`);
    }
    out += c;
  }
  return out;
}

function renderEach<T extends Statements>(statements: T, render: (text: string) => string): Rendered<T> {
  return Object.fromEntries(
    Object.entries(statements).map(([name, value]) => [
      name,
      typeof value === 'string' ? render(value) : renderEach(value, render),
    ]),
  ) as Rendered<T>;
}

/** Shared statements as SQLite runs them: `?` is already its placeholder. */
export function forSqlite<T extends Statements>(statements: T): Rendered<T> {
  return renderEach(statements, (text) => text);
}

/** Shared statements as PostgreSQL runs them: `$1`, `$2`, … */
export function forPostgres<T extends Statements>(statements: T): Rendered<T> {
  return renderEach(statements, numberedPlaceholders);
}

/** Shared statements as the named dialect runs them. */
export function forDialect<T extends Statements>(dialect: 'sqlite' | 'postgres', statements: T): Rendered<T> {
  return dialect === 'sqlite' ? forSqlite(statements) : forPostgres(statements);
}
