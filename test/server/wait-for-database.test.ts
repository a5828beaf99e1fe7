// `serve --wait-for-database SECONDS` (and SWITCHBOARD_WAIT_FOR_DATABASE_SECONDS): a node
// started before its database waits for it, saying once what it waits for, instead of
// exiting; without it (the default, 0) it exits at once as before. Runs against a throwaway
// cluster of its own, started after the process.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/server.js';
import {
  createThrowawayPostgres,
  throwawayPostgresProblem,
  type ThrowawayPostgres,
} from '../helpers/throwaway-postgres.js';

const bin = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));
const problem = await throwawayPostgresProblem();
const inCi = process.env.CI === 'true';
if (problem && !inCi) console.warn(`wait-for-database test skipped: ${problem}.`);

/** `switchboard serve` on a free port, its output as it comes, and its exit. */
function serve(databaseUrl: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--database', databaseUrl, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = async (check: () => boolean, ms: number, what: string) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`no ${what} within ${ms} ms:\n${output.stdout}\n${output.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, output, exited, until };
}

describe.skipIf(problem !== undefined && !inCi)('serve --wait-for-database', () => {
  const dir = tempDir();
  let cluster: ThrowawayPostgres | undefined;
  const env = () => ({ SWITCHBOARD_DATA_DIR: dir.path });

  beforeAll(async () => {
    cluster = await createThrowawayPostgres();
    // Down before the node starts, as in a fresh deployment or a restart of both.
    await cluster.stop('fast');
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
    dir.remove();
  });

  it('exits at once without it (the default), as before', async () => {
    const started = performance.now();
    const node = serve(cluster!.url, [], env());
    expect(await node.exited).not.toBe(0);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(node.output.stderr).not.toContain('Waiting');
  }, 30_000);

  it('gives up after the time it was given', async () => {
    const started = performance.now();
    const node = serve(cluster!.url, [], { ...env(), SWITCHBOARD_WAIT_FOR_DATABASE_SECONDS: '2' });
    expect(await node.exited).not.toBe(0);
    const took = performance.now() - started;
    expect(took).toBeGreaterThan(2000);
    expect(took).toBeLessThan(15_000);
    expect(node.output.stderr.match(/Waiting up to 2 s for the database/g)).toHaveLength(1);
  }, 30_000);

  it('waits for a database started after it, says so once, then serves', async () => {
    const node = serve(cluster!.url, ['--wait-for-database', '60'], env());
    try {
      await node.until(() => node.output.stderr.includes('Waiting up to 60 s'), 15_000, 'wait line');
      // The password-free label: scheme, host, port and database.
      expect(node.output.stderr).toContain(`postgres://127.0.0.1:${cluster!.port}/postgres`);
      // Still waiting, some tries later.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(node.child.exitCode).toBeNull();

      await cluster!.start();
      await node.until(() => /Switchboard listening on http:\/\/\S+/.test(node.output.stdout), 20_000, 'banner');
      expect(node.output.stderr.match(/Waiting up to/g)).toHaveLength(1);
      const baseUrl = /Switchboard listening on (http:\/\/\S+)/.exec(node.output.stdout)![1]!;
      await expect
        .poll(async () => (await fetch(`${baseUrl}/readyz`)).status, { timeout: 10_000, interval: 100 })
        .toBe(200);
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
    }
  }, 90_000);

  it('refuses a value that is not a number of seconds', async () => {
    const node = serve(cluster!.url, ['--wait-for-database', 'soon'], env());
    expect(await node.exited).not.toBe(0);
    expect(node.output.stderr).toContain('--wait-for-database must be an integer from 0 to 86400; got "soon"');
  }, 30_000);
});
