import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { runCli } from '../helpers/processes.js';
import { tempDir } from '../helpers/server.js';

describe('SWITCHBOARD_SQLITE_WRITER', () => {
  it('pipelines SQLite writes by default; in-thread keeps the other path', () => {
    expect(loadSettings({}).sqliteWriter).toBe('pipelined');
    expect(loadSettings({ SWITCHBOARD_SQLITE_WRITER: 'in-thread' }).sqliteWriter).toBe('in-thread');
  });

  it('refuses the retired writer thread, pointing to in-thread', () => {
    expect(() => loadSettings({ SWITCHBOARD_SQLITE_WRITER: 'thread' })).toThrow(
      'SWITCHBOARD_SQLITE_WRITER=thread is retired: use in-thread, which like thread never shows a write ' +
        'before it is on disk, or leave it unset for pipelined',
    );
  });

  it('stops serve at start, before opening the database, with that message', async () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'never.db');
      const result = await runCli(['serve'], {
        DATABASE_URL: `sqlite:${path}`,
        PORT: '0',
        SWITCHBOARD_SQLITE_WRITER: 'thread',
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('SWITCHBOARD_SQLITE_WRITER=thread is retired: use in-thread');
      expect(result.stdout).not.toContain('listening');
      expect(existsSync(path)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  it('refuses anything else, saying what it takes', () => {
    expect(() => loadSettings({ SWITCHBOARD_SQLITE_WRITER: 'worker' })).toThrow(
      'SWITCHBOARD_SQLITE_WRITER must be pipelined or in-thread; got "worker"',
    );
  });
});
