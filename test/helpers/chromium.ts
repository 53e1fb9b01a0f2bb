import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, which .ci/run installs: playwright-core drives it (no browser download here). */
export const CHROMIUM = '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);

/** Headless, sandbox off (tests run as root), and no background traffic to hosts this machine cannot reach. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/**
 * Records what a page test must not see: uncaught page errors, console errors, and requests to anywhere but the
 * allowed prefixes (the server under test; `data:`, and `blob:` where a test downloads).
 */
export function recordProblems(page: Page, problems: string[], allowedPrefixes: readonly string[]): void {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (!allowedPrefixes.some((prefix) => request.url().startsWith(prefix))) problems.push(`outside request: ${request.url()}`);
  });
}
