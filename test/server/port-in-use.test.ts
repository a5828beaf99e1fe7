import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/processes.js';
import { tempDir } from '../helpers/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `node SCRIPT` from the repository's root to completion. */
function runNode(script: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a port already in use', () => {
  const dir = tempDir();
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
    dir.remove();
  });

  it(
    'serve: one line naming the port and how to pick another, exit 1, no stack trace',
    { timeout: 30_000 },
    async () => {
      const result = await runCli(['serve', '--port', String(port), '--database', `sqlite:${join(dir.path, 's.db')}`], {
        SWITCHBOARD_DATA_DIR: dir.path,
      });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        `switchboard: port ${port} on 127.0.0.1 is already in use (another Switchboard, or another program). ` +
          `Pick another: PORT=${port + 1} switchboard serve (or serve --port ${port + 1})`,
      ]);
      expect(result.stdout).not.toContain('{');
    },
  );

  it.each([['examples/channel-integration/server.js'], ['examples/push-integration/server.js']])(
    '%s: one line naming the port and how to pick another, exit 1, no stack trace',
    { timeout: 30_000 },
    async (script) => {
      const result = await runNode(script, { PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        `Port ${port} is already in use (another copy of this example, or another program). ` +
          `Pick another: PORT=${port + 1} node ${script}`,
      ]);
      expect(result.stdout).toBe('');
    },
  );
});
