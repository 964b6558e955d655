/**
 * A worker of the studio dies mid-job (issue 15): an uncaught error is thrown inside it from the
 * outside (Playwright evaluates in the worker; the shipped build has no crash switch). The
 * studio shows one line about what failed, keeps the image and the rank on screen, does not stay
 * in "decomposing", offers Resume, and Resume finishes the job. The preview worker's death is
 * survived without a word: the next slider move starts a new one, which gets the image again.
 */
import { join } from 'node:path';
import { expect, test, type Page, type Worker } from '@playwright/test';
import { samplesDir } from '../../helpers/samples.js';
import { StudioPage, meanAbsDifference } from './studio-page.js';

const PHOTO_12MP = join(samplesDir, 'mountain_sunset_4272x2848_12mp.jpg');
const PAINTBRUSHES = join(samplesDir, 'paintbrushes_1365x1074.jpg');

/** The newest worker whose script is `name`.worker (nested SVD workers included). */
function workerNamed(page: Page, name: string): Worker {
  const found = page.workers().filter((worker) => worker.url().includes(`/${name}.worker`));
  if (found.length === 0) throw new Error(`no ${name} worker running`);
  return found[found.length - 1];
}

async function crash(page: Page, name: string): Promise<void> {
  await workerNamed(page, name).evaluate(() => {
    setTimeout(() => {
      throw new Error('injected crash');
    });
  });
}

// `npm test` kills the engine worker; `npm run test:full` an SVD worker too (the same recovery, one level down).
for (const name of process.env.TEST_SUITE === 'full' ? (['engine', 'svd'] as const) : (['engine'] as const)) {
  test(`the ${name} worker dies while the 12 MP photo decomposes: one line, the image and rank stay, Resume finishes`, async ({
    page,
  }, testInfo) => {
    const studio = new StudioPage(page, testInfo);
    await studio.goto();
    await studio.openFile(PHOTO_12MP);
    // The rank-32 stage is on screen; the later stages are running.
    await studio.waitForState(['preview']);
    const before = await studio.viewerPixels();
    await crash(page, name);
    const stopped = page.getByTestId('stopped');
    await expect(stopped).toBeVisible({ timeout: 60_000 });
    await expect(studio.errorBanner).toContainText(name === 'engine' ? 'The engine worker stopped' : 'An SVD worker stopped');
    await expect(studio.errorBanner).toContainText('Resume tries again');
    expect((await studio.errorBanner.textContent())!.trim().split('\n')).toHaveLength(1);
    expect(await studio.state()).toBe('preview');
    expect(await studio.documentName()).toBe('mountain_sunset_4272x2848_12mp.jpg');
    expect(await studio.rank()).toBe(32);
    expect(meanAbsDifference(before, await studio.viewerPixels())).toBeLessThan(0.01);
    await studio.screenshot(`crash-${name}-stopped`);

    await stopped.getByRole('button', { name: 'Resume' }).click();
    await studio.waitForReady();
    await expect(studio.errorBanner).toHaveCount(0);
    await expect(page.getByText('All 256 components computed')).toBeVisible();
    // The stages computed after the restart answer the slider.
    const at32 = await studio.viewerPixels();
    await studio.setRank(200);
    expect(meanAbsDifference(at32, await studio.viewerPixels())).toBeGreaterThan(0.5);
  });
}

test('the preview worker dies: the next slider move renders again, with no error', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFile(PAINTBRUSHES);
  await studio.waitForReady();
  await studio.setRank(30);
  const at30 = await studio.viewerPixels();
  await crash(page, 'preview');
  // Its death fails the render in flight, if any; the next one starts a new worker.
  await page.waitForTimeout(500);
  await studio.setRank(4);
  expect(meanAbsDifference(at30, await studio.viewerPixels())).toBeGreaterThan(0.5);
  await studio.setRank(30);
  expect(meanAbsDifference(at30, await studio.viewerPixels())).toBeLessThan(0.01);
  await expect(studio.errorBanner).toHaveCount(0);
  expect(await studio.state()).toBe('ready');
});
