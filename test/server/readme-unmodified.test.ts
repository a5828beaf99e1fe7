import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/server.js';
import { pythonRequestsMissing, runProgram } from '../helpers/tls-proxy.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'switchboard.js');
const missing = pythonRequestsMissing();

/** The first sh block after a heading of docs/tls-proxy.md ("Run your integration unmodified", moved from the README). */
function readmeBlock(heading: string): string {
  const section = readFileSync(join(root, 'docs', 'tls-proxy.md'), 'utf8');
  const at = section.indexOf(heading);
  if (at < 0) throw new Error(`docs/tls-proxy.md: no "${heading}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(section.slice(at))?.[1];
  if (!block) throw new Error(`docs/tls-proxy.md: no sh block after "${heading}"`);
  return block;
}

/**
 * The ways (a) and (c) of docs/tls-proxy.md (once the README's "Run your integration unmodified") run as printed, against `serve` started as the README
 * starts it, in a fresh folder (its `./data`), with `switchboard` on PATH resolving to this
 * checkout. Only the ports differ: the README's 3128 and 3443 become free ones.
 */
describe.skipIf(missing !== undefined)('README: run your integration unmodified', () => {
  const dir = tempDir();
  let serve: ChildProcess;
  let output = '';
  let proxyPort: string;
  let httpsPort: string;
  // Debian's python3 (with requests) before any other on PATH, as on a plain Debian machine;
  // `switchboard` (this checkout's) on PATH, as the package installs it.
  const env = {
    PATH: `/usr/bin:/bin:${join(dir.path, 'node_modules', '.bin')}:${dirname(process.execPath)}:${process.env.PATH}`,
    HOME: process.env.HOME,
    SWITCHBOARD_DATA_DIR: undefined,
    HTTPS_PROXY: undefined,
    https_proxy: undefined,
    npm_config_offline: 'true',
  };
  const run = (block: string) =>
    runProgram(
      'bash',
      [
        '-e',
        '-o',
        'pipefail',
        '-c',
        block.replaceAll('127.0.0.1:3128', `127.0.0.1:${proxyPort}`).replaceAll(':3443', `:${httpsPort}`),
      ],
      env,
      { cwd: dir.path, timeoutMs: 60_000 },
    );

  beforeAll(async () => {
    writeFileSync(join(dir.path, 'package.json'), '{"name":"readme-run","private":true}\n');
    mkdirSync(join(dir.path, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(bin, join(dir.path, 'node_modules', '.bin', 'switchboard'));
    // As the README starts it (`npm start` is `switchboard serve`), on free ports.
    serve = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
      cwd: dir.path,
      env: {
        ...process.env,
        ...env,
        SWITCHBOARD_TLS: 'on',
        SWITCHBOARD_BASE_DOMAIN: 'zendesk.com',
        SWITCHBOARD_PROXY_PORT: '0',
        SWITCHBOARD_HTTPS_PORT: '0',
        SWITCHBOARD_PULL_SCHEDULER: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      serve.stdout!.setEncoding('utf8').on('data', (chunk) => {
        output += chunk;
        const proxy = /Forward proxy for the vendor's host names on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        const https = /HTTPS on https:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (proxy && https && output.includes('Console:')) {
          proxyPort = proxy[1]!;
          httpsPort = https[1]!;
          resolve();
        }
      });
      serve.stderr!.setEncoding('utf8').on('data', (chunk) => (output += chunk));
      serve.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
  }, 60_000);
  afterAll(() => {
    serve?.kill('SIGTERM');
    dir.remove();
  });

  it('(a) the proxy and the CA file: curl and Python requests reach https://dev.zendesk.com; example.com is refused', async () => {
    const result = await run(readmeBlock('## (a)'));
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(JSON.parse(lines[0]!).config.config).toEqual({ via: 'proxy' });
    expect(lines[1]).toBe("{'via': 'proxy'}");
    expect(lines[2]).toBe('000');
    expect(output).toMatch(/forward proxy refused CONNECT/);
    expect(output).toContain('example.com:443');
  }, 90_000);

  it('(c) curl --resolve with --cacert', async () => {
    const result = await run(readmeBlock('## (c)'));
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).config).toMatchObject({ scope: 'unmodified', config: { via: 'proxy' } });
  }, 90_000);
});
