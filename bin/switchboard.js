#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm run build`; `npm install` builds it) when it
// was built from the sources as they are now. Otherwise — no build yet, TypeScript not
// installed, or a source edited since — it runs the TypeScript sources through tsx, so a
// stale build is never run. SWITCHBOARD_RUN_SOURCES=1 always runs the sources.
import { isBuildCurrent } from '../scripts/build-state.js';

if (process.env.SWITCHBOARD_RUN_SOURCES !== '1' && isBuildCurrent()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
