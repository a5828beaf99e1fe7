// Whether dist/ holds the compiled form of exactly the files under src/ as they are now.
// Shared by the build (which skips an up-to-date build) and bin/switchboard.js (which runs
// dist/ only when it is current, and the TypeScript sources otherwise). Plain JavaScript:
// it runs before anything is compiled.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const sourceDir = join(root, 'src');
export const distDir = join(root, 'dist');
/** Written last by the build: its presence means dist/ is complete. */
export const stampName = '.build-stamp.json';

/** Every file under `dir`, as paths relative to it with forward slashes, sorted. */
export function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      relative(dir, join(entry.parentPath ?? entry.path, entry.name))
        .split(sep)
        .join('/'),
    )
    .sort();
}

/**
 * A fingerprint of the sources: every file's path, size and modification time. Any edit,
 * checkout, added or deleted file changes it, so a stale dist/ is never taken for current.
 */
export function sourceFingerprint(dir = sourceDir) {
  const hash = createHash('sha256');
  for (const file of filesUnder(dir)) {
    const stat = statSync(join(dir, file));
    hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** The fingerprint dist/ was built from, or undefined when there is no complete build. */
export function builtFingerprint(dir = distDir) {
  try {
    return JSON.parse(readFileSync(join(dir, stampName), 'utf8')).sources;
  } catch {
    return undefined;
  }
}

/** True when `built` (dist/) was compiled from the sources in `sources` as they are now. */
export function isBuildCurrent(built = distDir, sources = sourceDir) {
  const stamped = builtFingerprint(built);
  return stamped !== undefined && stamped === sourceFingerprint(sources);
}

/**
 * True in an installed package: a complete dist/ and no src/ beside it (`files` in
 * package.json ships dist/ only). There is nothing to compare the build with, and nothing
 * else to run, so dist/ is trusted as it is. In a clone src/ exists and this is false.
 */
export function isPackagedBuild(built = distDir, sources = sourceDir) {
  return !existsSync(sources) && builtFingerprint(built) !== undefined;
}
