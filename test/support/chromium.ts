import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Debian's chromium (.ci/run installs it), driven by playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether browser tests run here: always in CI (where a missing browser must fail), else when installed. */
export const canRunChromium = (): boolean => existsSync(CHROMIUM) || Boolean(process.env.CI);

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
