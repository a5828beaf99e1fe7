/** One line of a diff, for the templates. */
export interface DiffLine {
  kind: 'added' | 'removed' | 'same';
  text: string;
}

let lineDiff: Promise<typeof import('diff')> | undefined;

/**
 * The line-by-line difference between two JSON texts, each indented first so the lines are
 * the keys. The diff library loads on the first review, not at server start.
 */
export async function diffJson(before: string, after: string): Promise<{ lines: DiffLine[]; changed: boolean }> {
  lineDiff ??= import('diff');
  const { diffLines } = await lineDiff;
  const lines: DiffLine[] = [];
  let changed = false;
  for (const part of diffLines(indent(before), indent(after))) {
    const kind = part.added ? 'added' : part.removed ? 'removed' : 'same';
    if (kind !== 'same') changed = true;
    for (const text of part.value.replace(/\n$/, '').split('\n')) lines.push({ kind, text });
  }
  return { lines, changed };
}

function indent(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2) + '\n';
  } catch {
    return json.endsWith('\n') ? json : json + '\n';
  }
}
