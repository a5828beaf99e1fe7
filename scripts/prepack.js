#!/usr/bin/env node
// `npm pack` / `npm publish` (prepack and postpack). Before packing: dist/ must be the
// build of the sources as they are now (the package ships dist/ and no src/), and the
// lockfile goes in as npm-shrinkwrap.json, so that an install of the package gets the
// dependency versions this clone was tested with (ranges could otherwise drift to
// releases that need Node 22) and can be satisfied from npm's cache without the registry's
// metadata. After packing (`--after`): the shrinkwrap copy is removed again.
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isBuildCurrent, root } from './build-state.js';

const shrinkwrap = join(root, 'npm-shrinkwrap.json');
if (process.argv.includes('--after')) {
  rmSync(shrinkwrap, { force: true });
} else {
  if (!isBuildCurrent()) {
    process.stderr.write(
      'switchboard pack: dist/ is missing or older than src/, and the package ships dist/ only. ' +
        'Run `npm run build` (needs the dev dependencies) and pack again.\n',
    );
    process.exit(1);
  }
  copyFileSync(join(root, 'package-lock.json'), shrinkwrap);
}
