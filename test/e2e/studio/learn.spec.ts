/**
 * Learn mode in Chromium, on real photos: every view renders real data (the plots' and maps'
 * pixels are not blank), the numbers it shows agree with numpy/LAPACK (learn-reference.json) and
 * with each other within the stated tolerances, a table copies as CSV, and each view is
 * screenshotted. RGB (the Lanczos path), RGBA (the dense path) and gray; the 12 MP photo in
 * `npm run test:full`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import { samplesDir } from '../../helpers/samples.js';
import { StudioPage } from './studio-page.js';

const reference = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/learn-reference.json', import.meta.url)), 'utf8')) as {
  cases: { name: string; gramEigenvalues: number[]; pcaRatios: number[] }[];
};
const paintbrushesGreen = reference.cases.find((c) => c.name === 'paintbrushes-green')!;
const relative = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);

async function list(page: Page, testId: string): Promise<number[]> {
  const element = page.getByTestId(testId);
  await expect(element).toBeAttached({ timeout: 120_000 });
  return JSON.parse((await element.getAttribute('data-value')) ?? '[]') as number[];
}

/** Pixels of a canvas that differ from its most common colour (its background). */
async function inkedPixels(studio: StudioPage, testId: string): Promise<number> {
  const { data, channels } = await studio.canvasPixels(testId);
  const counts = new Map<number, number>();
  for (let i = 0; i < data.length; i += channels) {
    const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const background = Math.max(...counts.values());
  return data.length / channels - background;
}

/** `file`: a sample's name, or a path. */
async function openLearn(studio: StudioPage, file: string): Promise<void> {
  await studio.goto();
  await studio.openFile(file.includes('/') ? file : join(samplesDir, file));
  await studio.waitForReady();
  await studio.page.getByTestId('learn-open').click();
  await expect(studio.page.getByTestId('learn-view')).toBeVisible();
}

/** Scrolls the Learn view to a section and screenshots it. */
async function shoot(studio: StudioPage, titleId: string, name: string): Promise<void> {
  await studio.page.locator(`#${titleId}`).evaluate((element) => element.scrollIntoView({ block: 'start' }));
  await studio.screenshot(name);
}

test('Learn mode on an RGB photo: eigenvalues of AᵀA by Lanczos against LAPACK and σ², orthogonality, PCA, colour, CSV', async ({
  page,
  context,
}, testInfo) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const studio = new StudioPage(page, testInfo);
  await openLearn(studio, 'paintbrushes_1365x1074.jpg');
  // A = the green channel, as in the fixture.
  await page.getByTestId('learn-channel').selectOption('1');
  await expect(page.getByTestId('learn-eigen-table')).toBeVisible({ timeout: 120_000 });
  await expect
    .poll(async () => (await list(page, 'learn-eigenvalues'))[0], { timeout: 120_000 })
    .toBeCloseTo(paintbrushesGreen.gramEigenvalues[0], -3);
  const eigenvalues = await list(page, 'learn-eigenvalues');
  const sigmaSquared = await list(page, 'learn-sigma-squared');
  expect(eigenvalues.length).toBeGreaterThanOrEqual(10);
  expect(sigmaSquared.length).toBe(eigenvalues.length);
  for (let i = 1; i < eigenvalues.length; i++) expect(eigenvalues[i]).toBeLessThanOrEqual(eigenvalues[i - 1]);
  // Float32 products: the first 32 within 1e-5 of LAPACK, and of the SVD's σ² (rank 256) within 1e-5 for the first 16.
  eigenvalues.forEach((value, i) => expect(relative(value, paintbrushesGreen.gramEigenvalues[i])).toBeLessThan(1e-5));
  for (let i = 0; i < 16; i++) expect(relative(sigmaSquared[i], eigenvalues[i])).toBeLessThan(1e-5);

  const orthogonality = page.getByTestId('learn-orthogonality');
  await expect(orthogonality).toBeAttached({ timeout: 120_000 });
  expect(Number(await orthogonality.getAttribute('data-value'))).toBeLessThan(1e-5);

  const ratios = await list(page, 'learn-explained-variance');
  expect(ratios.length).toBeGreaterThanOrEqual(10);
  for (let i = 0; i < 10; i++) expect(relative(ratios[i], paintbrushesGreen.pcaRatios[i])).toBeLessThan(2e-4);
  expect(ratios.reduce((sum, ratio) => sum + ratio, 0)).toBeLessThanOrEqual(1);
  // The scatter: one dot per row (1074), not a blank canvas.
  expect(await inkedPixels(studio, 'learn-pca-scatter')).toBeGreaterThan(1000);

  // Eckart–Young at k = 32: the pixels agree with the spectrum; k random directions do worse.
  const measured = Number(await page.getByTestId('learn-ey-measured').getAttribute('data-value'));
  const spectrum = Number(await page.getByTestId('learn-ey-spectrum').getAttribute('data-value'));
  const random = Number(await page.getByTestId('learn-ey-random').getAttribute('data-value'));
  expect(relative(measured, spectrum)).toBeLessThan(1e-4);
  expect(random).toBeGreaterThan(measured);

  // View 2: the plots of u₁ and v₁ and the component strip hold drawn pixels; a thumbnail selects its component.
  await expect(page.getByTestId('learn-components').locator('canvas')).toHaveCount(16, { timeout: 120_000 });
  for (const plot of ['learn-u-plot', 'learn-v-plot']) {
    const canvas = page.getByTestId(plot).locator('canvas').first();
    await expect(canvas).toBeVisible();
  }
  expect(await inkedPixels(studio, 'learn-component-image')).toBeGreaterThan(1000);
  await page.getByTestId('learn-components').getByRole('button', { name: 'Show component 3' }).click();
  await expect(page.getByTestId('learn-component')).toHaveValue('3');
  await expect(page.locator('figcaption', { hasText: 'σ3u3v3ᵀ' })).toBeVisible({ timeout: 60_000 });

  // The colour view: the photo's own axes and Y, Cb, Cr.
  await expect(page.getByTestId('learn-color').locator('tbody tr')).toHaveCount(6, { timeout: 60_000 });

  // Copy CSV: the eigenvalue table as text.
  await page.getByRole('button', { name: 'Copy the eigenvalue table as CSV' }).click();
  const csv = await page.evaluate(() =>
    (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText(),
  );
  expect(csv.split('\n')[0]).toBe(
    'i,eigenvalue of AᵀA,σᵢ² (SVD),relative difference,angle vᵢ to eigenvector (rad),residual ‖AᵀAvᵢ − σᵢ²vᵢ‖/σᵢ²',
  );
  expect(Number(csv.split('\n')[1].split(',')[1])).toBe(eigenvalues[0]);

  await shoot(studio, 'learn-shapes-title', 'learn-1-shapes');
  await shoot(studio, 'learn-vectors-title', 'learn-2-vectors');
  await shoot(studio, 'learn-eigen-title', 'learn-3-eigenvalues');
  await shoot(studio, 'learn-orth-title', 'learn-4-orthogonality');
  await shoot(studio, 'learn-ey-title', 'learn-5-eckart-young');
  await shoot(studio, 'learn-pca-title', 'learn-6-pca');
  await shoot(studio, 'learn-color-title', 'learn-7-colour');

  // L closes it, and the viewer is back.
  await page.getByTestId('learn-close').click();
  await expect(page.getByTestId('learn-view')).toHaveCount(0);
  await expect(studio.viewer).toHaveAttribute('data-state', 'ready');
});

test('Learn mode on an RGBA photo takes the dense path (n ≤ 512): eigenvalues equal σ² to 1e-6', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await openLearn(studio, 'tulips_alpha_500x500_rgba.png');
  const learnOpened = await page.evaluate(() => performance.now());
  await expect(page.getByText('Dense: the 500 × 500 Gram matrix')).toBeVisible({ timeout: 120_000 });
  const eigenvalues = await list(page, 'learn-eigenvalues');
  const sigmaSquared = await list(page, 'learn-sigma-squared');
  expect(eigenvalues.length).toBeGreaterThanOrEqual(10);
  for (let i = 0; i < 10; i++) expect(relative(sigmaSquared[i], eigenvalues[i])).toBeLessThan(1e-6);
  await expect(page.getByTestId('learn-color').locator('tbody tr')).toHaveCount(6, { timeout: 60_000 });
  expect(await inkedPixels(studio, 'learn-pca-scatter')).toBeGreaterThan(300);
  await shoot(studio, 'learn-eigen-title', 'learn-rgba-eigenvalues');
  // Learn mode measures the file's size only: once that and the views' tasks have ended, the studio is idle, and it
  // asks the engine to warm the SVD workers for the next photo (it used to wait for measurements Learn mode never takes).
  // (Opening Learn mode cancelled any wait for one begun before: the mark must come after.)
  await page.waitForFunction(
    (after) => performance.getEntriesByName('studio:idle-warm-up', 'mark').some((mark) => mark.startTime > after),
    learnOpened,
    {
      timeout: 60_000,
    },
  );
});

test('Learn mode on a gray photo: one channel, no colour covariance, the same checks', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  // A 960 × 600 crop of the gray sample (the whole 4 MP photo adds seconds, not checks), as a gray PNG.
  const crop = testInfo.outputPath('architecture-gray-crop.png');
  await sharp(join(samplesDir, 'architecture_gray_2560x1600.jpg'))
    .extract({ left: 800, top: 500, width: 960, height: 600 })
    .grayscale()
    .png()
    .toFile(crop);
  await openLearn(studio, crop);
  await expect(page.getByTestId('learn-channel').locator('option')).toHaveText(['gray']);
  const eigenvalues = await list(page, 'learn-eigenvalues');
  const sigmaSquared = await list(page, 'learn-sigma-squared');
  expect(eigenvalues.length).toBeGreaterThanOrEqual(10);
  for (let i = 0; i < 10; i++) expect(relative(sigmaSquared[i], eigenvalues[i])).toBeLessThan(1e-5);
  expect(Number(await page.getByTestId('learn-orthogonality').getAttribute('data-value'))).toBeLessThan(1e-5);
  expect((await list(page, 'learn-explained-variance')).length).toBeGreaterThanOrEqual(10);
  await expect(page.getByText('A gray photo has one channel')).toBeVisible();
  await expect(page.getByTestId('learn-color')).toHaveCount(0);
  await shoot(studio, 'learn-pca-title', 'learn-gray-pca');
});

test('Learn mode on the 12 MP photo: every view renders; the time each takes to appear is attached', async ({ page }, testInfo) => {
  test.skip(process.env.TEST_SUITE !== 'full', 'the 12 MP photo runs in npm run test:full');
  const studio = new StudioPage(page, testInfo);
  await openLearn(studio, 'mountain_sunset_4272x2848_12mp.jpg');
  const opened = Date.now();
  const times: Record<string, number> = {};
  // Each view's own time: all awaited at once.
  const ids = [
    'learn-shapes',
    'learn-components',
    'learn-eigenvalues',
    'learn-orthogonality',
    'learn-eckart-young',
    'learn-explained-variance',
    'learn-color',
  ];
  await Promise.all(
    ids.map(async (id) => {
      await expect(page.getByTestId(id)).toBeAttached({ timeout: 240_000 });
      times[id] = (Date.now() - opened) / 1000;
    }),
  );
  const eigenvalues = await list(page, 'learn-eigenvalues');
  const sigmaSquared = await list(page, 'learn-sigma-squared');
  for (let i = 0; i < 10; i++) expect(relative(sigmaSquared[i], eigenvalues[i])).toBeLessThan(1e-5);
  expect(await inkedPixels(studio, 'learn-pca-scatter')).toBeGreaterThan(1000);
  // The agreement figures on this photo, for the record beside the times.
  const differences = eigenvalues.map((value, i) => relative(sigmaSquared[i], value));
  const figures = {
    times,
    eigenvalues: eigenvalues.length,
    maxRelativeDifferenceFirst10: Math.max(...differences.slice(0, 10)),
    maxRelativeDifferenceAll: Math.max(...differences),
    orthogonalityV: Number(await page.getByTestId('learn-orthogonality').getAttribute('data-value')),
    eckartYoung: {
      measured: Number(await page.getByTestId('learn-ey-measured').getAttribute('data-value')),
      fromSpectrum: Number(await page.getByTestId('learn-ey-spectrum').getAttribute('data-value')),
      random: Number(await page.getByTestId('learn-ey-random').getAttribute('data-value')),
    },
    explainedVariance: (await list(page, 'learn-explained-variance')).slice(0, 3),
  };
  const timesPath = testInfo.outputPath('learn-12mp-times.json');
  writeFileSync(timesPath, JSON.stringify(figures, null, 1));
  await testInfo.attach('learn-12mp-times.json', { path: timesPath, contentType: 'application/json' });
  await shoot(studio, 'learn-eigen-title', 'learn-12mp-eigenvalues');
});
