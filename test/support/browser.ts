// Real headless Chromium for browser tests: Debian's `chromium` package (no browser download),
// driven by playwright-core. ensureChromium() installs the package where it is missing (as root,
// with apt-get), so `npm ci && npm test` works on a fresh machine.
import { ensureDebianPackage } from './apt.js';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Installs Debian's chromium when it is missing; throws with the reason when it cannot. */
export function ensureChromium(log: (line: string) => void = () => undefined): void {
  ensureDebianPackage('chromium', CHROMIUM, log);
}

/** Launches headless Chromium with the flags that work in containers without a GPU or sandbox. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
