import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, forbiddenImports, importsOf, readImportGraph, type ImportRules } from './import-graph.js';

// The rules of docs/ARCHITECTURE.md: which folder of src/ may import which. Lower layers
// never import higher ones; the two feature areas (zis, channels) do not import each other;
// only the composition root (server) and the CLI see everything.
const areas = {
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
