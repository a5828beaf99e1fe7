import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { forPostgres, forSqlite, numberedPlaceholders } from '../../src/store/sql/render.js';

// The dialect seam (docs/ARCHITECTURE.md): a statement both stores run alike, but for `?`
// against `$n`, is written once under src/store/sql/ and rendered per dialect.

const store = fileURLToPath(new URL('../../src/store/', import.meta.url));

interface Statement {
  name: string;
  text: string;
}

function statementsIn(value: unknown, name: string, into: Statement[]): Statement[] {
  if (typeof value === 'string') into.push({ name, text: value });
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) statementsIn(inner, `${name}.${key}`, into);
  }
  return into;
}

/** Every statement a folder's modules export (its `*queries.ts`, or every module but the renderer). */
async function exportedStatements(folder: string, pick: (file: string) => boolean): Promise<Statement[]> {
  const statements: Statement[] = [];
  for (const file of readdirSync(`${store}${folder}`).filter(pick).sort()) {
    const module = (await import(`${store}${folder}/${file}`)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) statementsIn(value, `${folder}/${file}:${name}`, statements);
  }
  return statements;
}

/**
 * The statement as text to compare: comments and layout dropped, and `$1`, `$2`, … as `?`
 * when they come in order, each once (a `$1` used twice takes different parameters than two `?`).
 */
function normalised(text: string): string {
  let n = 0;
  let inOrder = true;
  const flat = text
    .replace(/--[^\n]*/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\$(\d+)/g, (_, digits: string) => {
      n += 1;
      if (Number(digits) !== n) inOrder = false;
      return '?';
    });
  return inOrder ? flat : `(numbered) ${flat}`;
}

/** The template literals of a folder's source files, as written (interpolated ones left out: their text is not final). */
function writtenTemplates(folder: string): Statement[] {
  const found: Statement[] = [];
  for (const file of readdirSync(`${store}${folder}`).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(`${store}${folder}/${file}`, 'utf8');
    for (const match of source.matchAll(/`([^`]*)`/g)) {
      if (!match[1]!.includes('${')) found.push({ name: `${folder}/${file}`, text: match[1]! });
    }
  }
  return found;
}

const queryModules = (file: string) => file.endsWith('queries.ts');
const sqlite = await exportedStatements('sqlite', queryModules);
const postgres = await exportedStatements('postgres', queryModules);
const shared = await exportedStatements('sql', (file) => file.endsWith('.ts') && file !== 'render.ts');
const sharedTexts = new Set(shared.map((statement) => normalised(statement.text)));

describe('SQL shared by both dialects', () => {
  it('finds the statements it checks', () => {
    expect(sqlite.length).toBeGreaterThan(150);
    expect(postgres.length).toBeGreaterThan(150);
    expect(shared.length).toBeGreaterThan(100);
  });

  it('has no statement identical in both dialects but for placeholders that is not the shared one', () => {
    const postgresTexts = new Map(postgres.map((statement) => [normalised(statement.text), statement.name]));
    const twice = sqlite
      .filter((statement) => postgresTexts.has(normalised(statement.text)))
      .filter((statement) => !sharedTexts.has(normalised(statement.text)))
      .map((statement) => `${statement.name} = ${postgresTexts.get(normalised(statement.text))}`);
    // Write each of these once under src/store/sql/ and re-export it from both query modules.
    expect(twice).toEqual([]);
  });

  it('writes no shared statement out again in a dialect folder, nor twice under src/store/sql/', () => {
    const written = [
      ...writtenTemplates('sqlite'),
      ...writtenTemplates('postgres'),
      ...writtenTemplates('sql').filter((template) => template.text.includes(' ')),
    ];
    const copies = new Map<string, string[]>();
    for (const template of written) {
      const text = normalised(template.text);
      if (sharedTexts.has(text)) copies.set(text, [...(copies.get(text) ?? []), template.name]);
    }
    const writtenTwice = [...copies]
      .filter(([, files]) => files.length > 1)
      .map(([text, files]) => `${files}: ${text}`);
    expect(writtenTwice).toEqual([]);
  });

  it('renders each shared statement for both dialects with its parameters in the same order', () => {
    for (const statement of shared) {
      const count = numberedPlaceholders(statement.text).match(/\$\d+/g)?.length ?? 0;
      const expected = Array.from({ length: count }, (_, i) => `$${i + 1}`);
      expect(numberedPlaceholders(statement.text).match(/\$\d+/g) ?? [], statement.name).toEqual(expected);
      expect(statement.text.split('?').length - 1, statement.name).toBe(count);
    }
  });
});

describe('the placeholder renderer', () => {
  it('numbers ? left to right for PostgreSQL and leaves them for SQLite', () => {
    const statements = {
      one: `SELECT * FROM t WHERE a = ? AND b > ? LIMIT ?`,
      nested: { two: `DELETE FROM t WHERE id = ?` },
    };
    expect(forPostgres(statements)).toEqual({
      one: `SELECT * FROM t WHERE a = $1 AND b > $2 LIMIT $3`,
      nested: { two: `DELETE FROM t WHERE id = $1` },
    });
    expect(forSqlite(statements)).toEqual(statements);
  });

  it('leaves a ? inside a literal, a quoted name or a comment alone', () => {
    expect(numberedPlaceholders(`SELECT '?', "a?" FROM t -- why?\nWHERE a = ?`)).toBe(
      `SELECT '?', "a?" FROM t -- why?\nWHERE a = $1`,
    );
  });

  it('refuses a shared statement written with $n', () => {
    expect(() => numberedPlaceholders(`SELECT * FROM t WHERE a = $1`)).toThrow(/\?, not \$n/);
  });
});
