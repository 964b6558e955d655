/**
 * JPEG and WebP at the same bytes as the `.svd` file, in the window, on the 12 MP photo: how long
 * from the start of the search (the .svd file's exact size is known) to the first answer on
 * screen (a coarse one from the probe: a real full-size file near the right quality) and to the
 * exact one (the highest quality within the size), from the studio's own marks
 * (studio:jpeg-search, studio:jpeg-first-answer, studio:jpeg-exact-answer; likewise webp). Each
 * run opens the photo in a fresh browser context and leaves the rank at its first stage (32).
 */
import type { Browser } from '@playwright/test';
import type { Input } from './inputs.js';

/** The page's document, as far as these checks read it (they run in the page). */
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };

export interface EqualBytesRun {
  svdBytes: number;
  jpeg: { first: number; exact: number; quality: number; bytes: number };
  webp: { first: number; exact: number; quality: number; bytes: number } | null;
}

export async function measureEqualBytes(browser: Browser, url: string, input: Input, withWebp: boolean): Promise<EqualBytesRun> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.getByTestId('open-file').setInputFiles(input.path);
    await page.waitForFunction(() => document.querySelector('[data-testid="viewer"]')?.getAttribute('data-state') === 'ready', null, {
      timeout: 300_000,
    });
    const answer = async (format: 'jpeg' | 'webp') => {
      await page.waitForFunction((name) => performance.getEntriesByName(`studio:${name}-exact-answer`).length > 0, format, {
        timeout: 600_000,
      });
      const times = await page.evaluate((name) => {
        const at = (mark: string) => performance.getEntriesByName(`studio:${name}-${mark}`).at(-1)!.startTime;
        return { search: at('search'), first: at('first-answer'), exact: at('exact-answer') };
      }, format);
      const testId = format === 'jpeg' ? 'metric-jpeg' : 'metric-webp';
      const element = page.getByTestId(testId);
      return {
        first: times.first - times.search,
        exact: times.exact - times.search,
        quality: Number(await element.getAttribute('data-quality')),
        bytes: Number(await element.getAttribute('data-bytes')),
      };
    };
    const jpeg = await answer('jpeg');
    const svdBytes = Number(await page.getByTestId('size-file').getAttribute('data-value'));
    const webp = withWebp ? await answer('webp') : null;
    return { svdBytes, jpeg, webp };
  } finally {
    await context.close();
  }
}
