import { accessSync, constants } from 'node:fs';
import type { Browser } from 'playwright-core';

export type { Browser, BrowserContext, Page, Request } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser (`apt-get install -y chromium`). */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * Headless, no sandbox (tests run as root in CI), no GPU, and no traffic of the browser's own
 * (update checks, field trials…): every request a test sees is one the page made.
 */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** The Chromium executable tests use: `AOS_CHROMIUM`, else Debian's; `undefined` when it is not there. */
export function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.AOS_CHROMIUM?.trim() || DEFAULT_CHROMIUM;
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/**
 * Launches the system's Chromium through playwright-core. Playwright never downloads a browser
 * here: the executable is always given, and a missing one is an error naming the fix.
 *
 * @example
 * ```ts
 * const browser = await launchChromium()
 * try { const page = await browser.newPage(); await page.goto(url) } finally { await browser.close() }
 * ```
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumExecutable();
  if (executablePath === undefined) {
    throw new Error(
      `no Chromium at ${process.env.AOS_CHROMIUM?.trim() || DEFAULT_CHROMIUM}: apt-get install -y chromium, or set AOS_CHROMIUM`,
    );
  }
  // Loaded here, not at the top: every test file imports the test kit, few launch a browser.
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}
