// The import rules as docs/ARCHITECTURE.md writes them, read back so the test can compare
// them with the rules it enforces.

/** The rows of the first Markdown table after `heading`, as trimmed cells. */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) throw new Error(`docs/ARCHITECTURE.md has no "${heading}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ') || line.startsWith('### ')) break;
    if (!line.startsWith('|')) {
      if (rows.length > 0) break;
      continue;
    }
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  // Without the header and its underline.
  return rows.slice(2);
}

/** The names in backticks: `store/` → store, `clock.ts` → . (the root files). */
const namesIn = (cell: string) =>
  [...cell.matchAll(/`([^`]+)`/g)].map((match) => (match[1]!.endsWith('.ts') ? '.' : match[1]!.replace(/\/$/, '')));

/**
 * The folder table ("The folders, lowest first"): each top folder and the folders it may
 * import, the root files included (every folder may import them). A sub-folder's row must
 * say `as <its folder>/`. "everything" and "everything but …" count the other top folders.
 */
export function documentedFolderRules(markdown: string): Record<string, string[]> {
  const rows = tableAfter(markdown, '## The folders, lowest first');
  const tops = new Map<string, string>();
  for (const [folder = '', , mayImport = ''] of rows) {
    const area = namesIn(folder)[0];
    if (area === undefined) throw new Error(`The folder table's row "${folder}" names no folder`);
    if (mayImport.startsWith('as ')) {
      const parent = namesIn(mayImport)[0];
      if (parent === undefined || !(area === parent || area.startsWith(`${parent}/`))) {
        throw new Error(`The folder table's row ${folder} is inside another folder than it says: ${mayImport}`);
      }
      continue;
    }
    tops.set(area, mayImport);
  }
  const all = [...tops.keys()];
  const rules: Record<string, string[]> = {};
  for (const [area, mayImport] of tops) {
    let allowed: string[];
    if (mayImport === 'nothing in `src/`') allowed = [];
    else if (mayImport === 'the root files') allowed = ['.'];
    else if (mayImport === 'everything') allowed = all.filter((other) => other !== area);
    else if (mayImport.startsWith('everything but ')) {
      const except = namesIn(mayImport);
      allowed = all.filter((other) => other !== area && !except.includes(other));
    } else allowed = ['.', ...namesIn(mayImport)];
    rules[area] = [...new Set(allowed)].sort();
  }
  return rules;
}

/** The rooms of store/ ("Inside `store/`"): each room and the rooms it may import (`.`: the root files). */
export function documentedStoreRooms(markdown: string): Record<string, string[]> {
  const rows = tableAfter(markdown, '### Who imports whom inside `store/`');
  return Object.fromEntries(
    rows.map(([room = '', , mayImport = '']) => [
      namesIn(room)[0]!,
      mayImport === 'nothing' ? [] : namesIn(mayImport.replace(/the root files/, '`.`')).sort(),
    ]),
  );
}
