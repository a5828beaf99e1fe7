import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { documentedFolderRules, documentedStoreRooms } from './documented-rules.js';
import {
  findCycles,
  forbiddenImports,
  importsOf,
  readImportGraph,
  storeRoomOf,
  type ImportRules,
} from './import-graph.js';

// The rules of docs/ARCHITECTURE.md: which folder of src/ may import which. Lower layers
// never import higher ones; the two feature areas (zis, channels) do not import each other;
// only the composition root (server) and the CLI see everything. The doc's folder table says
// the same (a test below parses it and compares).
const areas: Record<string, string[]> = {
  '.': [],
  security: ['.'],
  store: ['.'],
  http: ['.', 'security', 'store'],
  accounts: ['.', 'security', 'store'],
  ops: ['.', 'store', 'http'],
  backup: ['.', 'store'],
  zis: ['.', 'security', 'store', 'http', 'accounts'],
  support: ['.', 'security', 'store', 'http', 'accounts'],
  channels: ['.', 'security', 'store', 'http', 'ops'],
  console: ['.', 'security', 'store', 'http', 'accounts', 'ops', 'backup', 'zis', 'support', 'channels'],
  server: ['.', 'security', 'store', 'http', 'accounts', 'ops', 'backup', 'zis', 'support', 'channels', 'console'],
  cli: ['.', 'security', 'store', 'http', 'accounts', 'ops', 'backup', 'zis', 'support', 'channels', 'server'],
};

// Inside store/ (docs/ARCHITECTURE.md, "Inside store/"): the shared SQL imports nothing, and
// the two dialects never import each other; the store's own files compose them.
const storeRooms: Record<string, string[]> = {
  'store/sql': [],
  'store/encryption': ['.', 'store'],
  'store/sqlite': ['.', 'store', 'store/sql', 'store/encryption'],
  'store/postgres': ['.', 'store', 'store/sql', 'store/encryption'],
  store: ['.', 'store/sql', 'store/encryption', 'store/sqlite', 'store/postgres'],
};

// The web framework and the database drivers stay in the rooms that own them.
const web = ['http', 'ops', 'zis', 'support', 'channels', 'console', 'server'];
const packages = {
  fastify: web,
  '@fastify/formbody': web,
  '@fastify/swagger': web,
  '@scalar/fastify-api-reference': web,
  'better-sqlite3': ['store'],
  pg: ['store'],
  'rate-limiter-flexible': ['store'],
  undici: ['channels'],
  commander: ['cli'],
  // The console's template engine and diff: loaded on the first console page, never elsewhere.
  eta: ['console'],
  diff: ['console'],
};

const rules: ImportRules = { areas, packages };
const srcRoot = fileURLToPath(new URL('../../src', import.meta.url));
const architecture = readFileSync(fileURLToPath(new URL('../../docs/ARCHITECTURE.md', import.meta.url)), 'utf8');

describe('docs/ARCHITECTURE.md', () => {
  it('documents the folder table these rules enforce', () => {
    expect(documentedFolderRules(architecture)).toEqual(sorted(areas));
  });

  it('documents the rooms inside store/ these rules enforce', () => {
    expect(documentedStoreRooms(architecture)).toEqual(sorted(storeRooms));
  });
});

describe('the import graph of src/', () => {
  const graph = readImportGraph(srcRoot);

  it('holds the imports of every file', () => {
    expect(graph.length).toBeGreaterThan(200);
    expect(graph).toContainEqual({ from: 'server/app.ts', to: 'channels/channel-host.ts', external: false });
  });

  it('has no cycle, type-only imports included', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('imports only downward, and packages only where they belong', () => {
    expect(forbiddenImports(graph, rules)).toEqual([]);
  });

  it('keeps the rooms of store/ apart: no dialect imports the other, the shared SQL imports nothing', () => {
    const storeEdges = graph.filter((edge) => edge.from.startsWith('store/'));
    expect(storeEdges.length).toBeGreaterThan(100);
    expect(forbiddenImports(storeEdges, { areas: storeRooms, packages: {} }, storeRoomOf)).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('see type-only, re-exported, multi-line and dynamic imports', () => {
    const text = [
      "import type { A } from '../http/authenticate.js';",
      "export { B } from './b.js';",
      "const c = await import('./postgres/c.js');",
      "import {\n  D,\n} from 'fastify';",
      "import { readFileSync } from 'node:fs';",
    ].join('\n');
    expect(importsOf('/r', 'store/x.ts', text)).toEqual([
      { from: 'store/x.ts', to: 'http/authenticate.ts', external: false },
      { from: 'store/x.ts', to: 'store/b.ts', external: false },
      { from: 'store/x.ts', to: 'store/postgres/c.ts', external: false },
      { from: 'store/x.ts', to: 'fastify', external: true },
    ]);
  });

  it('report a SQLite file importing a PostgreSQL one, and shared SQL importing a dialect', () => {
    const edges = [
      ...importsOf('/r', 'store/sqlite/x.ts', "import { y } from '../postgres/y.js';"),
      ...importsOf('/r', 'store/sql/z.ts', "import { x } from '../sqlite/x.js';"),
      ...importsOf('/r', 'store/postgres/y.ts', "import { z } from '../sql/z.js';"),
    ];
    expect(forbiddenImports(edges, { areas: storeRooms, packages: {} }, storeRoomOf)).toEqual([
      'store/sqlite/x.ts imports store/postgres/y.ts (store/sqlite → store/postgres)',
      'store/sql/z.ts imports store/sqlite/x.ts (store/sql → store/sqlite)',
    ]);
  });

  it('read the folder table as the doc writes it', () => {
    const doc = [
      '## The folders, lowest first',
      '',
      '| folder | holds | may import |',
      '| --- | --- | --- |',
      '| `clock.ts` | now | nothing in `src/` |',
      '| `store/` | the store | the root files |',
      '| `store/sql/` | shared SQL | as `store/` |',
      '| `http/` | http | `store` |',
      '| `cli/` | the command | everything but `http` |',
      '',
    ].join('\n');
    expect(documentedFolderRules(doc)).toEqual({ '.': [], cli: ['.', 'store'], http: ['.', 'store'], store: ['.'] });
    expect(() => documentedFolderRules(doc.replace('as `store/`', 'as `http/`'))).toThrow(/store\/sql\/.*as `http\/`/);
  });

  it('report a store file importing http/ or fastify, and the cycle it makes', () => {
    const edges = [
      ...importsOf('/r', 'store/x.ts', "import { y } from '../http/y.js';\nimport f from 'fastify';"),
      ...importsOf('/r', 'http/y.ts', "import type { X } from '../store/x.js';"),
    ];
    expect(forbiddenImports(edges, rules)).toEqual([
      'store/x.ts imports http/y.ts (store → http)',
      'store/x.ts imports fastify',
    ]);
    expect(findCycles(edges)).toEqual([['store/x.ts', 'http/y.ts', 'store/x.ts']]);
  });
});

/** A rules map with each list sorted, as the doc parser returns it. */
function sorted(rules: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(rules).map(([area, allowed]) => [area, [...allowed].sort()]));
}
