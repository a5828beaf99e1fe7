import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';

describe('SWITCHBOARD_SQLITE_WRITER', () => {
  it('runs SQLite writes on the writer thread by default; in-thread keeps the old path for the benchmark', () => {
    expect(loadSettings({}).sqliteWriter).toBe('thread');
    expect(loadSettings({ SWITCHBOARD_SQLITE_WRITER: 'in-thread' }).sqliteWriter).toBe('in-thread');
  });

  it('refuses anything else, saying what it takes', () => {
    expect(() => loadSettings({ SWITCHBOARD_SQLITE_WRITER: 'worker' })).toThrow(
      'SWITCHBOARD_SQLITE_WRITER must be thread or in-thread; got "worker"',
    );
  });
});
