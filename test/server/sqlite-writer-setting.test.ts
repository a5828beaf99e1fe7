import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';

describe('SWITCHBOARD_SQLITE_WRITER', () => {
  it('pipelines SQLite writes by default; thread and in-thread keep the other paths for the benchmark', () => {
    expect(loadSettings({}).sqliteWriter).toBe('pipelined');
    expect(loadSettings({ SWITCHBOARD_SQLITE_WRITER: 'thread' }).sqliteWriter).toBe('thread');
    expect(loadSettings({ SWITCHBOARD_SQLITE_WRITER: 'in-thread' }).sqliteWriter).toBe('in-thread');
  });

  it('refuses anything else, saying what it takes', () => {
    expect(() => loadSettings({ SWITCHBOARD_SQLITE_WRITER: 'worker' })).toThrow(
      'SWITCHBOARD_SQLITE_WRITER must be pipelined, thread or in-thread; got "worker"',
    );
  });
});
