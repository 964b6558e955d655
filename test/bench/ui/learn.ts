/**
 * Learn mode on the 12 MP photo: how long each view takes to show its numbers after the mode is
 * opened (the Learn button clicked, 1 s after the decomposition is ready), in a fresh browser
 * context per run. A view counts as shown when its data element (the test id that carries its
 * numbers) is in the page: a MutationObserver in the page notes the moment each is added, on the
 * page's clock from the click event (Playwright's own waiting polls, at up to 500 ms intervals).
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
    await page.evaluate(`(() => {
      const ids = ${JSON.stringify(LEARN_VIEWS.map(([id]) => id))};
      const seen = (window.__learnSeen = {});
      const look = () => {
        for (const id of ids) if (!(id in seen) && document.querySelector('[data-testid="' + id + '"]')) seen[id] = performance.now();
      };
      document.addEventListener('click', (event) => {
        if (event.target.closest('[data-testid="learn-open"]')) window.__learnClicked = performance.now();
      }, { capture: true });
      new MutationObserver(look).observe(document.body, { childList: true, subtree: true });
    })()`);
    await page.getByTestId('learn-open').click();
    await Promise.all(LEARN_VIEWS.map(([id]) => page.getByTestId(id).waitFor({ state: 'attached', timeout: OPEN_TIMEOUT_MS })));
    const { clicked, seen } = (await page.evaluate('({ clicked: window.__learnClicked, seen: window.__learnSeen })')) as {
      clicked: number;
      seen: Record<string, number>;
    };
    const times: LearnRun = {};
    for (const [id] of LEARN_VIEWS) times[id] = (seen[id] - clicked) / 1000;
    return times;
  } finally {
    await context.close();
  }
}
