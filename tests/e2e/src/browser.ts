import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium package (`.ci/run` installs it); playwright-core never downloads a browser. */
export const CHROMIUM_PATH = process.env.HERALD_CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Flags for a closed network: without the background-networking ones
 * Chromium keeps trying to reach Google's hosts. Playwright starts it with a
 * fresh, temporary user data directory of its own on every launch.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts headless Chromium, or says how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium), as .ci/run does.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
