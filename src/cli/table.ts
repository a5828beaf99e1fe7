/** One column of a {@link renderTable} table: its heading, and `right` for numbers. */
export interface Column {
  heading: string;
  align?: 'left' | 'right';
}

/** Terminal width of a cell: code points, so an accented letter counts once. */
const width = (text: string) => [...text].length;

/** A cell on one line: line breaks and tabs would break the columns. */
const oneLine = (text: string) => text.replace(/[\r\n\t]+/g, ' ');

const pad = (text: string, size: number, align: Column['align']) => {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return align === 'right' ? fill + text : text + fill;
};

/**
 * Rows as an aligned text table, as `gh` and the Stripe CLI print on a terminal: an
 * upper-case heading line, then one line per row, columns two spaces apart, no trailing
 * spaces. Every line ends with a newline.
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((row) => columns.map((_, i) => oneLine(row[i] ?? '')));
  const headings = columns.map((column) => column.heading.toUpperCase());
  const sizes = headings.map((heading, i) => Math.max(width(heading), ...cells.map((row) => width(row[i]!))));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => pad(cell, sizes[i]!, columns[i]!.align))
      .join('  ')
      .trimEnd() + '\n';
  return [headings, ...cells].map(line).join('');
}
