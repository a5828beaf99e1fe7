import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/cli/table.js';

describe('renderTable', () => {
  it('aligns columns two spaces apart, numbers to the right, with no trailing spaces', () => {
    const text = renderTable(
      [{ heading: 'id', align: 'right' }, { heading: 'name' }, { heading: 'note' }],
      [
        ['7', 'acme', ''],
        ['1042', 'b', 'long note'],
      ],
    );
    expect(text).toBe(['  ID  NAME  NOTE', '   7  acme', '1042  b     long note', ''].join('\n'));
  });

  it('counts an accented letter once and keeps a cell with a line break on one line', () => {
    const text = renderTable(
      [{ heading: 'a' }, { heading: 'b' }],
      [
        ['café', 'x'],
        ['two\nlines', 'y'],
      ],
    );
    expect(text.split('\n')).toEqual(['A          B', 'café       x', 'two lines  y', '']);
  });

  it('prints the headings alone for no rows', () => {
    expect(renderTable([{ heading: 'id' }, { heading: 'name' }], [])).toBe('ID  NAME\n');
  });
});
