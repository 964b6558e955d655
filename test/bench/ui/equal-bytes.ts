/**
 * JPEG and WebP at the same bytes as the `.svd` file, in the window, on the 12 MP photo: how long
 * from the start of the search (the .svd file's exact size is known) to the first answer on
 * screen (a coarse one from the probe: a real full-size file near the right quality) and to the
 * exact one (the highest quality within the size), from the studio's own marks
 * (studio:jpeg-search, studio:jpeg-first-answer, studio:jpeg-exact-answer; likewise webp). Each
 * run opens the photo in a fresh browser context, waits until it is decomposed and sets the rank
 * to RANK (whole image, RGB: what the window opens on).
 */
import type { Browser } from '@playwright/test';
import type { Input } from './inputs.js';
import { MEASURED_MARK } from './settings.js';

/** The page's document, as far as these checks read it (they run in the page). */
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };

/** The rank the search is timed at: its .svd is larger than mozjpeg's smallest JPEG of the 12 MP photo. */
export const RANK = 128;

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
    // At rank 32 the 12 MP photo's .svd (~35 kB) is smaller than any JPEG (q1 is larger), so the
    // search that counts runs at RANK: the rank-32 searches end first and their marks are cleared
    // (the codec points they measured stay known to the page, as for a person moving the slider).
    // Every one of rank 32's measurements (MEASURED_MARK: the patch model's comparison, with its
    // decomposition, comes after WebP's search), so that none runs beside the searches timed at RANK.
    await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, MEASURED_MARK, { timeout: 600_000 });
    await page.evaluate(() => {
      for (const format of ['jpeg', 'webp'])
        for (const mark of ['search', 'first-answer', 'exact-answer']) performance.clearMarks(`studio:${format}-${mark}`);
    });
    await page.getByTestId('rank-slider').fill(String(RANK));
    await page.waitForFunction(() => performance.getEntriesByName('studio:jpeg-search').length > 0, null, { timeout: 300_000 });
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
