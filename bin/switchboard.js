#!/usr/bin/env node
// Runs the compiled JavaScript in dist/. In an installed package (dist/ and no src/) dist/
// is all there is and is run as it is. In a clone it runs dist/ (`npm run build`;
// `npm install` builds it) only when it was built from the sources as they are now.
// Otherwise — no build yet, TypeScript not installed, or a source edited since — it runs
// the TypeScript sources through tsx, so a stale build is never run.
// SWITCHBOARD_RUN_SOURCES=1 always runs the sources (in a clone).
import { existsSync } from 'node:fs';
import { isBuildCurrent, isPackagedBuild, sourceDir } from '../scripts/build-state.js';

if (isPackagedBuild()) {
  await import('../dist/cli/main.js');
} else if (!existsSync(sourceDir)) {
  process.stderr.write('switchboard: this install has neither a complete dist/ nor src/; reinstall the package.\n');
  process.exitCode = 1;
} else if (process.env.SWITCHBOARD_RUN_SOURCES !== '1' && isBuildCurrent()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
