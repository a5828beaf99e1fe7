import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'switchboard.js');

/** How many of the README's sh blocks edit the system (installs) and are marked to skip. */
const expectedSkipped = 1;
/** How many run: the three tours' blocks. A block that drops out (or a new one) fails here first. */
const expectedRun = 4;

/** The README's ```sh blocks, each with whether a `<!-- skip-test … -->` line comes just before it. */
function shellBlocks(readme: string): { code: string; skip: boolean }[] {
  const blocks: { code: string; skip: boolean }[] = [];
  const pattern = /```sh\n([\s\S]*?)```/g;
  for (let match = pattern.exec(readme); match; match = pattern.exec(readme)) {
    const before = readme.slice(0, match.index).trimEnd().split('\n').at(-1) ?? '';
    blocks.push({ code: match[1]!, skip: /^<!-- skip-test\b.*-->$/.test(before) });
  }
  return blocks;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The README's tours run as printed, twice, in bash with `set -e` and `pipefail`, against
 * `switchboard serve` started as the README starts it: in a fresh folder (its `./data`,
 * a new SQLite file), `switchboard` on PATH, a copy of `examples/` beside it as in a clone. Only the
 * ports differ: the README's 3000 and 4000 become free ones. After each run nothing the
 * tours made is left: no token, no channel integration, no instance, no config. The one
 * exception is the ZIS registration `my_zis_app`, which the vendor's API cannot remove:
 * the first run adds it and the second reuses it.
 */
describe('README: the tours run twice and leave nothing behind', () => {
  const dir = tempDir();
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = shellBlocks(readme);
  let serve: ChildProcess;
  let output = '';
  let port: number;
  let examplePort: number;
  let admin: string;
  // No setting from the test run's environment: the README's defaults.
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SWITCHBOARD_') && name !== 'DATABASE_URL'),
  );
  env.PATH = `${join(dir.path, 'bin')}:${process.env.PATH}`;

  const api = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { authorization: `Basic ${Buffer.from(admin).toString('base64')}` },
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown[]> };
  };

  /** What the tours could leave behind, counted through the API. */
  const leftovers = async () => ({
    tokens: (await api('/api/v2/oauth/tokens.json?page[size]=100')).json.tokens!.length,
    channelIntegrations: (await api('/api/switchboard/v1/channel_integrations')).json.integrations!.length,
    instances: (await api('/api/switchboard/v1/instances')).json.instances!.length,
    zisIntegrations: (await api('/api/services/zis/registry/integrations')).json.integrations!.length,
    myZisAppConfigs: (await api('/api/services/zis/integrations/my_zis_app/configs?filter[scope]=*')).status,
  });

  /** The blocks as one bash script (a terminal session: variables carry over), with the ports swapped. */
  const script = () =>
    blocks
      .filter((block) => !block.skip)
      .map((block, i) => `echo "=== block ${i + 1}"\n${block.code}`)
      .join('\n')
      .replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`)
      .replaceAll('127.0.0.1:4000', `127.0.0.1:${examplePort}`);

  /** Runs the tours once, in their own process group, which is ended afterwards whatever happened. */
  const runTours = () =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script()], {
        cwd: dir.path,
        env: { ...env, PORT: String(examplePort) },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 240_000);
      child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        try {
          process.kill(-child.pid!, 'SIGTERM'); // a background job left by a failed run
        } catch {
          // The group is gone: nothing was left running.
        }
        resolve({ code, stdout, stderr });
      });
    });

  beforeAll(async () => {
    if (spawnSync('jq', ['--version']).status !== 0) {
      throw new Error('The README tours need jq: apt-get install -y jq (.ci/run installs it)');
    }
    mkdirSync(join(dir.path, 'bin'));
    symlinkSync(bin, join(dir.path, 'bin', 'switchboard'));
    // A copy, not a link: an example starts only when run as its own path (import.meta.url).
    cpSync(join(root, 'examples'), join(dir.path, 'examples'), { recursive: true });
    port = await freePort();
    examplePort = await freePort();
    // As the README starts it (`switchboard serve`), on a free port.
    serve = spawn(process.execPath, [bin, 'serve', '--port', String(port)], {
      cwd: dir.path,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serve.stdout!.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    serve.stderr!.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    const credentials = join(dir.path, 'data', 'dev-credentials.json');
    for (let waited = 0; ; waited += 200) {
      if (serve.exitCode !== null) throw new Error(`serve exited with ${serve.exitCode}: ${output}`);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready && existsSync(credentials)) break;
      if (waited > 90_000) throw new Error(`serve did not start: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { admin_email, api_token } = JSON.parse(readFileSync(credentials, 'utf8'));
    admin = `${admin_email}/token:${api_token}`;
  }, 120_000);

  afterAll(() => {
    serve?.kill('SIGTERM');
    dir.remove();
  });

  it('fits on a screen first: what it is, the command and what you will see in 60 lines; under 400 in all', () => {
    const lines = readme.split('\n');
    expect(lines.length).toBeLessThan(400);
    const first = lines.slice(0, 60).join('\n');
    for (const needed of [
      'ZIS configs',
      'Channel-framework host',
      'console',
      'switchboard serve',
      'console-overview.png',
    ]) {
      expect(first).toContain(needed);
    }
    // Every local link leads somewhere.
    const links = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((match) => match[1]!);
    const local = links.filter((link) => !/^https?:/.test(link));
    expect(local.length).toBeGreaterThan(15);
    for (const link of local) expect(existsSync(join(root, link)), link).toBe(true);
  });

  it('marks the blocks that edit the system, and runs all the others', () => {
    expect(blocks.filter((block) => block.skip)).toHaveLength(expectedSkipped);
    expect(blocks.filter((block) => !block.skip)).toHaveLength(expectedRun);
    // The skipped one is the install, nothing else.
    expect(blocks.find((block) => block.skip)!.code).toMatch(/^npm install -g /);
  });

  it('runs every tour twice as printed; each run leaves what it found', async () => {
    const before = await leftovers();
    expect(before).toMatchObject({ tokens: 1, channelIntegrations: 0, instances: 0, myZisAppConfigs: 404 });

    const first = await runTours();
    expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
    const afterFirst = await leftovers();
    expect(afterFirst).toEqual({ ...before, zisIntegrations: before.zisIntegrations + 1 });

    const second = await runTours();
    expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
    expect(await leftovers()).toEqual(afterFirst);

    for (const run of [first, second]) {
      // What the README says the reader sees.
      expect(run.stdout).toContain('"scope":"ticket_sync"');
      expect(run.stdout).toContain(`http://127.0.0.1:${examplePort}/clickthrough?external_id=example-msg-1\n`);
      expect(run.stdout).toMatch(
        /^data: \{"revision":\d+,"integration":"my_zis_app","scope":"ticket_sync","operation":"merge"/m,
      );
      expect(run.stdout).toMatch(/channelback example-reply-1 to customer-1: Thanks, we are on it!/);
      expect(run.stdout).toMatch(/Revoked access token \d+ of dev\./);
    }
  }, 600_000);
});
