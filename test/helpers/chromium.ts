/**
 * Which Chromium the browser tests and the UI benchmark run, and how: $CHROMIUM_PATH, else
 * Debian's /usr/bin/chromium when present (CI installs it; `npx playwright install` cannot work
 * there), else Playwright's own Chromium on a laptop (undefined).
 */
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH: string | undefined =
  process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
