import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, as the tests drive it: no sandbox (they run as root), and none of
 * the background traffic (updates, sync, QUIC) that a machine without a network refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
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
