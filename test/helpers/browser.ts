import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which `.ci/run` installs; playwright-core drives it. */
export const chromiumPath = process.env.SWITCHBOARD_TEST_CHROMIUM ?? '/usr/bin/chromium';

export const browserAvailable = existsSync(chromiumPath);
if (!browserAvailable) {
  if (process.env.CI === 'true') throw new Error(`CI needs Chromium at ${chromiumPath} (apt-get install chromium)`);
  console.warn(`Browser tests skipped: no Chromium at ${chromiumPath}. Install it with: apt-get install chromium`);
}

/** Headless Chromium with the flags this machine's closed network needs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
