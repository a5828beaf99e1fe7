#!/usr/bin/env node
// `npm run build` (and `prepare`, which npm runs on install in a clone): compiles src/ to
// dist/ with tsc and copies every other file under src/ (migrations, templates, styles) to
// the same place under dist/. Builds into a fresh folder and swaps it in at the end, so a
// server never starts from a half-written dist/. Skips the work when dist/ is current.
//
//   node scripts/build.js [--force] [--out DIR]
//
// Without TypeScript installed (`npm ci --omit=dev`) there is nothing to compile with: it
// says so and exits 0, and bin/switchboard.js runs the sources through tsx instead.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { distDir, filesUnder, isBuildCurrent, root, sourceDir, sourceFingerprint, stampName } from './build-state.js';

const args = process.argv.slice(2);
const force = args.includes('--force');
const out = args.includes('--out') ? resolve(args[args.indexOf('--out') + 1]) : distDir;

if (!force && isBuildCurrent(out)) process.exit(0);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write(
    'switchboard build: TypeScript is not installed (dev dependencies omitted); ' +
      'bin/switchboard.js will run the TypeScript sources through tsx instead.\n',
  );
  process.exit(0);
}

const started = Date.now();
// Taken before compiling: a file edited during the build leaves the stamp behind it (stale).
const fingerprint = sourceFingerprint();
const staging = `${out}.building-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', staging], {
  cwd: root,
  stdio: 'inherit',
});
if (compiled.status !== 0) {
  rmSync(staging, { recursive: true, force: true });
  process.stderr.write('switchboard build: tsc failed\n');
  process.exit(compiled.status ?? 1);
}
// Everything that is not TypeScript goes along as it is, wherever it sits under src/.
let copied = 0;
for (const file of filesUnder(sourceDir)) {
  if (file.endsWith('.ts')) continue;
  const target = join(staging, file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(sourceDir, file), target);
  copied++;
}
writeFileSync(
  join(staging, stampName),
  JSON.stringify({ sources: fingerprint, builtAt: new Date().toISOString() }) + '\n',
);
rmSync(out, { recursive: true, force: true });
renameSync(staging, out);
process.stderr.write(
  `switchboard build: ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
    `(${copied} files copied as they are)\n`,
);
