import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install chromium`), or CHROMIUM_PATH. Nothing downloads a browser:
 * playwright-core drives the system one. Without it the browser tests are skipped with a note,
 * except where REQUIRE_BROWSER=1 (CI), where a missing browser fails them.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
export const browserRequired = process.env.REQUIRE_BROWSER === '1';

if (!hasChromium) {
  const note = `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  if (browserRequired) throw new Error(`REQUIRE_BROWSER=1 but ${note}`);
  console.warn(`browser tests skipped: ${note}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Containers run as root without user namespaces: Chromium's sandbox cannot start there.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}
