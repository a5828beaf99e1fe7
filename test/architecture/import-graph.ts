import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One import statement of a source file: `import`, `import type`, `export … from` or `import()`. */
export interface ImportEdge {
  from: string;
  /** A path under the root for a relative import; the package name otherwise. */
  to: string;
  external: boolean;
}

const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'([^']+)'/gm;

/** Every import in one file's text, relative ones resolved to `.ts` paths under `root`. */
export function importsOf(root: string, file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const match of text.matchAll(specifier)) {
    const spec = match[1]!;
    if (spec.startsWith('.')) {
      const target = relative(root, resolve(dirname(join(root, file)), spec)).replace(/\.js$/, '.ts');
      edges.push({ from: file, to: target, external: false });
    } else if (!spec.startsWith('node:')) {
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      edges.push({ from: file, to: name, external: true });
    }
  }
  return edges;
}

/** The import graph of every `.ts` file under `root` (paths relative to it). */
export function readImportGraph(root: string): ImportEdge[] {
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
  return files.flatMap((file) => importsOf(root, file, readFileSync(join(root, file), 'utf8')));
}

/** The folder a file belongs to: its first path segment, or `.` for files at the root. */
export const areaOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : '.');

/** Inside store/: the store's own files (`store`) or the sub-folder (`store/sqlite`…); elsewhere as {@link areaOf}. */
export const storeRoomOf = (file: string) => {
  const parts = file.split('/');
  if (parts[0] !== 'store') return areaOf(file);
  return parts.length > 2 ? `store/${parts[1]}` : 'store';
};

/** The cycles among files (each as the files around it, the first repeated at the end). */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    if (!edge.external) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const to of next.get(file) ?? []) {
      if (state.get(to) === 'open') cycles.push([...path.slice(path.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of next.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

/** Which areas each area may import, and which areas each package may be imported in. */
export interface ImportRules {
  areas: Record<string, readonly string[]>;
  packages: Record<string, readonly string[]>;
}

/** Imports that break the rules: an area importing an area it may not, or a package where it does not belong. */
export function forbiddenImports(
  edges: readonly ImportEdge[],
  rules: ImportRules,
  roomOf: (file: string) => string = areaOf,
): string[] {
  const problems: string[] = [];
  for (const edge of edges) {
    const from = roomOf(edge.from);
    if (edge.external) {
      const allowedIn = rules.packages[edge.to];
      if (allowedIn && !allowedIn.includes(from)) problems.push(`${edge.from} imports ${edge.to}`);
      continue;
    }
    const to = roomOf(edge.to);
    if (to === from) continue;
    const allowed = rules.areas[from];
    if (!allowed) problems.push(`${edge.from}: area "${from}" has no import rule`);
    else if (!allowed.includes(to)) problems.push(`${edge.from} imports ${edge.to} (${from} → ${to})`);
  }
  return problems;
}
