/**
 * Learn mode on the 12 MP photo: how long each view takes to show its numbers after the mode is
 * opened (the Learn button clicked, 1 s after the decomposition is ready), in a fresh browser
 * context per run. A view counts as shown when its data element (the test id that carries its
 * numbers) is in the page.
 */
import type { Browser } from '@playwright/test';
import type { Input } from './inputs.js';
import { OPEN_TIMEOUT_MS, VIEWPORT } from './settings.js';

/** Each view's element with real data, in the order the page lists them. */
export const LEARN_VIEWS = [
  ['learn-shapes', '1 shapes and count'],
  ['learn-components', '2 component strips'],
  ['learn-eigenvalues', '3 eigenvalues of AᵀA'],
  ['learn-orthogonality', '4 orthogonality'],
  ['learn-eckart-young', '5 Eckart–Young'],
  ['learn-explained-variance', '6 PCA'],
  ['learn-color', '7 colour covariance'],
] as const;

/** Seconds from the click to each view's data, by test id. */
export type LearnRun = Record<string, number>;

export async function measureLearn(browser: Browser, url: string, input: Input): Promise<LearnRun> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.getByTestId('open-file').setInputFiles(input.path);
    await page.locator('[data-testid="viewer"][data-state="ready"]').waitFor({ timeout: OPEN_TIMEOUT_MS });
    await page.waitForTimeout(1000);
    const clicked = Date.now();
    await page.getByTestId('learn-open').click();
    const times: LearnRun = {};
    await Promise.all(
      LEARN_VIEWS.map(async ([id]) => {
        await page.getByTestId(id).waitFor({ state: 'attached', timeout: OPEN_TIMEOUT_MS });
        times[id] = (Date.now() - clicked) / 1000;
      }),
    );
    return times;
  } finally {
    await context.close();
  }
}
