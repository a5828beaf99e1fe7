import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runProgram } from '../helpers/tls-proxy.js';
import { tempDir } from '../helpers/server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };

/**
 * The environment of a user's shell: none of this test run's npm script variables (`npm
 * test` sets npm_config_* and npm_package_*), none of Switchboard's settings, and the
 * installed package's bin folder first on PATH.
 */
function userEnv(binDir?: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^npm_/i.test(key) && key.toLowerCase() !== 'npm_config_cache') continue;
    if (/^(SWITCHBOARD_|LOG_)/.test(key) || ['DATABASE_URL', 'PORT', 'HOST', 'NODE_ENV'].includes(key)) continue;
    env[key] = value;
  }
  env.PATH = binDir ? `${binDir}:${process.env.PATH}` : process.env.PATH!;
  return env;
}

/**
 * The package as a user gets it: `npm pack` in this clone, then the tarball installed into
 * a global prefix in a temporary folder outside the clone, then `switchboard` run from
 * another empty folder. Offline: npm installs the dependencies with `npm ci` from the
 * package's own npm-shrinkwrap.json (the versions this clone was tested with) out of npm's
 * cache, where this clone's install put them; `--ignore-scripts` skips the two-minute
 * compile of the SQLite driver, whose build (same Node, same ABI) is copied from the clone.
 */
describe('the packed package, installed outside the clone', () => {
  const dir = tempDir();
  let serve: ChildProcess | undefined;
  afterAll(() => {
    serve?.kill('SIGKILL');
    dir.remove();
  });

  it(
    'installs from the tarball, serves a fresh folder, keeps a config, and prints its version',
    { timeout: 600_000 },
    async () => {
      const packs = join(dir.path, 'packs');
      mkdirSync(packs);
      // prepack builds dist/ when it is not current (a few minutes with tsc on a busy machine).
      const packed = await runProgram('npm', ['pack', '--json', '--pack-destination', packs], userEnv(), {
        cwd: root,
        timeoutMs: 540_000,
      });
      expect(packed.code, packed.stderr).toBe(0);
      const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
      expect(filename).toBe(`switchboard-zis-switchboard-${manifest.version}.tgz`);
      const paths = files.map((file) => file.path);
      // What runs, and nothing of the clone's sources, tests or benchmarks.
      expect(paths).toContain('bin/switchboard.js');
      expect(paths).toContain('dist/cli/main.js');
      expect(paths).toContain('dist/.build-stamp.json');
      expect(paths).toContain('npm-shrinkwrap.json');
      expect(paths.filter((path) => path.endsWith('.sql')).length).toBeGreaterThan(10);
      expect(paths.filter((path) => /^(src|test|bench|examples)\//.test(path) || path.endsWith('.ts'))).toEqual([]);
      expect(existsSync(join(root, 'npm-shrinkwrap.json'))).toBe(false); // postpack removed its copy

      // As `npm install -g` lays a package out: {prefix}/lib/node_modules/NAME, {prefix}/bin/switchboard.
      const prefix = join(dir.path, 'prefix');
      const installed = join(prefix, 'lib', 'node_modules', ...manifest.name.split('/'));
      mkdirSync(installed, { recursive: true });
      mkdirSync(join(prefix, 'bin'));
      const unpacked = await runProgram('tar', [
        'xzf',
        join(packs, filename),
        '-C',
        installed,
        '--strip-components',
        '1',
      ]);
      expect(unpacked.code, unpacked.stderr).toBe(0);
      const deps = await runProgram(
        'npm',
        ['ci', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'],
        userEnv(),
        { cwd: installed, timeoutMs: 300_000 },
      );
      expect(deps.code, deps.stderr).toBe(0);
      expect(existsSync(join(installed, 'node_modules', 'typescript'))).toBe(false); // no dev dependencies
      const driver = join('node_modules', 'better-sqlite3', 'build', 'Release');
      mkdirSync(join(installed, driver), { recursive: true });
      copyFileSync(join(root, driver, 'better_sqlite3.node'), join(installed, driver, 'better_sqlite3.node'));
      symlinkSync(join(installed, 'bin', 'switchboard.js'), join(prefix, 'bin', 'switchboard'));
      expect(existsSync(join(installed, 'src'))).toBe(false);

      const env = userEnv(join(prefix, 'bin'));
      const folder = join(dir.path, 'fresh');
      mkdirSync(folder);
      const version = await runProgram('switchboard', ['--version'], env, { cwd: folder });
      expect(version.stderr).toBe('');
      expect(version.stdout).toBe(`${manifest.version}\n`);

      // `switchboard serve` in the fresh folder, every setting at its default but the port.
      serve = spawn('switchboard', ['serve', '--port', '0'], { cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const baseUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000);
        serve!.stdout!.on('data', (chunk) => {
          output += chunk;
          const match = /Switchboard listening on (http:\/\/\S+)/.exec(output);
          if (match && output.includes('API reference:')) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        serve!.stderr!.on('data', (chunk) => (output += chunk));
        serve!.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
      });
      expect(output).toContain('First run: created a development account.');
      expect(existsSync(join(folder, 'data', 'switchboard.db'))).toBe(true);
      const { access_token: token } = JSON.parse(readFileSync(join(folder, 'data', 'dev-credentials.json'), 'utf8'));

      // A config round trip over HTTP: written, read back as written.
      const configs = `${baseUrl}/api/services/zis/integrations/my_integration/configs`;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const config = { enabled: true, installed_from: filename };
      const created = await fetch(configs, {
        method: 'POST',
        headers,
        body: JSON.stringify({ scope: 'packed', config }),
      });
      expect(created.status, await created.clone().text()).toBe(201);
      const read = await fetch(`${configs}/packed`, { headers });
      expect(read.status).toBe(200);
      expect(((await read.json()) as { config: { config: unknown } }).config.config).toEqual(config);
      // The console's pages come from dist/ too (templates and styles are copied files).
      const console = await fetch(`${baseUrl}/`, { headers: { accept: 'text/html' } });
      expect(console.status).toBe(200);
      expect(await console.text()).toContain('<html');

      const exited = new Promise<number | null>((resolve) => serve!.once('exit', resolve));
      serve.kill('SIGTERM');
      expect(await exited).toBe(0);
      serve = undefined;
    },
  );
});
