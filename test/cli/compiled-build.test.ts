import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  filesUnder,
  isBuildCurrent,
  isPackagedBuild,
  root,
  sourceDir,
  sourceFingerprint,
  stampName,
} from '../../scripts/build-state.js';
import { tempDir } from '../helpers/server.js';

describe('the ahead-of-time build', () => {
  // Inside the repository, as dist/ is: the compiled code finds package.json and
  // node_modules by the same relative paths.
  const out = join(root, `.dist-test-${process.pid}`);
  const dir = tempDir();
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
    dir.remove();
  });

  it('compiles src/ and copies every other file under src/ to the same place', { timeout: 300_000 }, async () => {
    const built = spawnSync(process.execPath, ['scripts/build.js', '--force', '--out', out], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(built.status, built.stderr).toBe(0);
    const sources = filesUnder(sourceDir);
    for (const file of sources) {
      expect(existsSync(join(out, file.endsWith('.ts') ? file.replace(/\.ts$/, '.js') : file)), file).toBe(true);
    }
    // The migrations are among the copied files: a compiled server can create its schema.
    expect(sources.filter((file) => file.endsWith('.sql')).length).toBeGreaterThan(10);
    expect(existsSync(join(out, stampName))).toBe(true);
    expect(isBuildCurrent(out)).toBe(true);

    // The compiled server starts on a new database and answers, with no TypeScript loader.
    const child = spawn(
      process.execPath,
      [join(out, 'cli/main.js'), 'serve', '--port', '0', '--database', `sqlite:${join(dir.path, 'compiled.db')}`],
      { env: { ...process.env, SWITCHBOARD_DATA_DIR: dir.path, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout!.on('data', (chunk) => {
          output += chunk;
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) resolve(match[1]!);
        });
        child.stderr!.on('data', (chunk) => (output += chunk));
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
      });
      expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
      const loaded = Object.keys((await (await fetch(`${baseUrl}/openapi.json`)).json()) as object);
      expect(loaded).toContain('paths');
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('whether a build is current', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const sources = join(dir.path, 'src');
  const built = join(dir.path, 'dist');

  /** A build of `sources` as they are now: only its stamp matters here. */
  const stamp = () => {
    mkdirSync(built, { recursive: true });
    writeFileSync(join(built, stampName), JSON.stringify({ sources: sourceFingerprint(sources) }));
  };

  it('is not current once a source is edited, added or deleted', () => {
    mkdirSync(join(sources, 'store'), { recursive: true });
    writeFileSync(join(sources, 'a.ts'), 'export const a = 1;\n');
    writeFileSync(join(sources, 'store', '0001.sql'), 'CREATE TABLE t (x);\n');
    expect(isBuildCurrent(built, sources)).toBe(false); // no build yet
    stamp();
    expect(isBuildCurrent(built, sources)).toBe(true);

    // Same size, later time: an edit.
    writeFileSync(join(sources, 'a.ts'), 'export const a = 2;\n');
    utimesSync(join(sources, 'a.ts'), new Date(), new Date(Date.now() + 5_000));
    expect(isBuildCurrent(built, sources)).toBe(false);
    stamp();
    expect(isBuildCurrent(built, sources)).toBe(true);

    writeFileSync(join(sources, 'store', '0002.sql'), 'CREATE TABLE u (x);\n');
    expect(isBuildCurrent(built, sources)).toBe(false);
    stamp();
    rmSync(join(sources, 'store', '0001.sql'));
    expect(isBuildCurrent(built, sources)).toBe(false);
  });

  it('is trusted as it is in an installed package: a complete dist/ and no src/', () => {
    const installed = join(dir.path, 'installed');
    const installedDist = join(installed, 'dist');
    const installedSrc = join(installed, 'src');
    expect(isPackagedBuild(installedDist, installedSrc)).toBe(false); // nothing at all
    mkdirSync(installedDist, { recursive: true });
    expect(isPackagedBuild(installedDist, installedSrc)).toBe(false); // no stamp: an unfinished build
    writeFileSync(join(installedDist, stampName), JSON.stringify({ sources: 'from the packing clone' }));
    expect(isPackagedBuild(installedDist, installedSrc)).toBe(true);
    // A clone (src/ beside dist/) is never taken for a package: its build is compared with src/.
    mkdirSync(installedSrc);
    expect(isPackagedBuild(installedDist, installedSrc)).toBe(false);
  });
});
