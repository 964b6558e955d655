/**
 * The `.svd` v2 codec in the window, in Chromium, through the page object: the model and colour
 * switches (canvas and numbers change; the whole-image factors are re-used on the way back), the
 * patch model's basis view (64 distinct learned tiles beside the DCT's), a PSNR target met by the
 * exported, decoded file within 0.1 dB and a size target never exceeded, the export's codings with
 * their sizes, JPEG and WebP at the same bytes in the compare view, and a saved file re-opened
 * from its factors (no decomposition; re-saved no larger). Files are checked in Node with core's
 * decoder against the original as sharp reads it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import { decodeSvd, decodedSvdPixels, meanSquaredError, type PixelImage } from '../../../core/index.js';
import { samplesDir } from '../../helpers/samples.js';
import { StudioPage, meanAbsDifference, type RawPixels } from './studio-page.js';

test.describe.configure({ mode: 'serial' });

const ASTRONAUT = join(samplesDir, 'astronaut_512x512_rgb.png');
const PAINTBRUSHES = join(samplesDir, 'paintbrushes_1365x1074.jpg');
const TULIPS = join(samplesDir, 'tulips_alpha_500x500_rgba.png');

/** The original as the studio's codecs read it (stored values, no colour conversion). */
async function original(path: string): Promise<PixelImage> {
  const { data, info } = await sharp(path, { ignoreIcc: true } as never)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    channels: info.channels as PixelImage['channels'],
    bitDepth: 8,
    pixels: new Uint8Array(data),
  };
}

/** PSNR over the colour channels of a saved .svd file, decoded by core, against the original. */
async function filePsnr(path: string, reference: PixelImage): Promise<number> {
  const decoded = await decodedSvdPixels(decodeSvd(new Uint8Array(readFileSync(path))));
  return 10 * Math.log10((255 * 255) / meanSquaredError(reference, decoded));
}

/** Page errors and console errors (an effect loop, an uncaught rejection) collected while a test runs. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  return problems;
}

/** The 8 × 8 tiles of the basis canvas (tile side and gap from its data attributes), as byte strings. */
function tiles(pixels: RawPixels, tile: number, gap: number, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const left = (i % 8) * (tile + gap);
    const top = Math.floor(i / 8) * (tile + gap);
    const values: number[] = [];
    for (let y = 0; y < tile; y += 6) for (let x = 0; x < tile; x += 6) values.push(pixels.data[((top + y) * pixels.width + left + x) * 4]);
    out.push(values.join(','));
  }
  return out;
}

test('the model and colour switches change the picture and the numbers; the whole-image factors stay', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  const problems = watchProblems(page);
  await studio.goto();
  await studio.openFile(ASTRONAUT);
  await studio.waitForReady();
  await expect(page.getByTestId('model-switch')).toHaveAttribute('data-value', 'whole');
  await expect(page.getByTestId('color-switch')).toHaveAttribute('data-value', 'rgb');
  await studio.setRank(12);
  const wholeRgb = { pixels: await studio.viewerPixels(), psnr: await studio.value('metric-psnr'), size: await studio.waitForExactSize() };
  // Beside it, what the patch model in YCbCr needs for the same PSNR (its decomposition runs in the background).
  const patchBytes = await studio.waitForValue('size-patch');
  const filePsnrShown = await studio.waitForValue('metric-file-psnr');
  expect(Number(await page.getByTestId('size-patch').getAttribute('data-psnr'))).toBeGreaterThanOrEqual(filePsnrShown - 1e-9);
  expect(patchBytes).toBeLessThan(wholeRgb.size);
  await studio.screenshot('20-whole-rgb-with-patch-comparison');

  await studio.setColorSpace('ycbcr');
  await studio.waitForReady();
  await studio.setRank(12);
  const wholeYcbcr = {
    pixels: await studio.viewerPixels(),
    psnr: await studio.value('metric-psnr'),
    size: await studio.waitForExactSize(),
  };
  const width = wholeRgb.pixels.width;
  expect(meanAbsDifference(wholeRgb.pixels, wholeYcbcr.pixels, Math.round(width * 0.6), width)).toBeGreaterThan(0.3);
  expect(wholeYcbcr.psnr).not.toBeCloseTo(wholeRgb.psnr, 2);
  expect(wholeYcbcr.size).not.toBe(wholeRgb.size);
  await expect(page.locator('#rank-Cb')).toBeAttached();
  await studio.screenshot('21-whole-ycbcr');

  // By keyboard: → on the model switch chooses the patches (and leaves the rank alone).
  await page.locator('[data-testid=model-switch] [data-value=whole]').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('model-switch')).toHaveAttribute('data-value', 'patch');
  await expect(page.locator('[data-testid=model-switch] [data-value=patch]')).toBeFocused();
  await studio.waitForReady();
  expect(await studio.maxRank()).toBe(64);
  await studio.setRank(6);
  const patches = { pixels: await studio.viewerPixels(), psnr: await studio.value('metric-psnr') };
  expect(meanAbsDifference(wholeYcbcr.pixels, patches.pixels, Math.round(width * 0.6), width)).toBeGreaterThan(0.3);
  // Six patch components keep far more than twelve whole-image ones.
  expect(patches.psnr).toBeGreaterThan(wholeYcbcr.psnr);
  await page.getByTestId('mode-component').click();
  await page.getByTestId('component-index').fill('2');
  await expect(page.locator('.label.left')).toContainText('Component 2');
  await studio.screenshot('22-patch-component-2');
  await page.getByTestId('mode-compare').click();
  await studio.screenshot('23-patches-ycbcr-rank-6');

  // Back to the whole image in RGB: nothing is decomposed again, the rank comes back.
  const marks = await studio.stageMarks();
  await studio.setModel('whole');
  await studio.setColorSpace('rgb');
  await expect(studio.slider).toHaveValue('12');
  await studio.waitForReady();
  expect(await studio.stageMarks()).toBe(marks);
  await expect.poll(async () => meanAbsDifference(wholeRgb.pixels, await studio.viewerPixels())).toBeLessThan(0.01);
  expect(await studio.value('metric-psnr')).toBe(wholeRgb.psnr);
  expect(problems).toEqual([]);
});

test('the basis view draws the 64 patches the photo learned beside the DCT basis, and a coefficient image', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  const problems = watchProblems(page);
  await studio.goto();
  await studio.openFile(PAINTBRUSHES);
  await studio.waitForReady();
  await expect(page.getByTestId('mode-basis')).toHaveCount(0);
  await studio.setModel('patch');
  await studio.waitForReady();
  await page.getByTestId('mode-basis').click();
  const learned = page.getByTestId('basis-learned');
  await expect(learned).toHaveAttribute('data-count', '64');
  const tile = Number(await learned.getAttribute('data-tile'));
  const gap = Number(await learned.getAttribute('data-gap'));
  const drawn = tiles(await studio.canvasPixels('basis-learned'), tile, gap, 64);
  expect(new Set(drawn).size).toBe(64);
  // Not flat: every tile but the first (nearly constant) has contrast.
  const contrast = drawn.map((values) => {
    const list = values.split(',').map(Number);
    return Math.max(...list) - Math.min(...list);
  });
  expect(contrast.slice(1).every((c) => c > 40)).toBe(true);
  const dct = tiles(await studio.canvasPixels('basis-dct'), tile, gap, 64);
  expect(new Set(dct).size).toBe(64);
  // The selected component's coefficient image: one value per 8 × 8 block, not uniform.
  await learned.click({ position: { x: tile + gap + tile / 2, y: tile / 2 } });
  await expect(page.getByTestId('basis-view')).toContainText('Component 2');
  await expect.poll(async () => (await studio.canvasPixels('basis-coefficients')).width).toBeGreaterThan(50);
  const coefficients = await studio.canvasPixels('basis-coefficients');
  const values = new Set<number>();
  for (let i = 0; i < coefficients.data.length; i += 4 * 97) values.add(coefficients.data[i]);
  expect(values.size).toBeGreaterThan(20);
  await studio.screenshot('24-basis-view');
  await page.getByTestId('mode-compare').click();
  expect(problems).toEqual([]);
});

test('a PSNR target is met by the exported file within 0.1 dB; a size target is never exceeded; export offers every coding', async ({
  page,
}, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  const problems = watchProblems(page);
  const reference = await original(PAINTBRUSHES);
  await studio.goto();
  await studio.openFile(PAINTBRUSHES);
  await studio.waitForReady();
  await studio.setModel('patch');
  await studio.setColorSpace('ycbcr');
  await studio.waitForReady();

  await studio.setTargetMode('psnr');
  await page.getByTestId('target-psnr').fill('33');
  await expect(page.getByTestId('target-psnr')).toHaveAttribute('data-value', '33');
  const ranks = await studio.waitForAllocation();
  expect(ranks).toHaveLength(3);
  // The allocation gives luma more components than chroma.
  expect(ranks[0]).toBeGreaterThan(Math.max(ranks[1], ranks[2]));
  await studio.screenshot('25-psnr-target-33db');
  const atPsnr = await studio.exportAs('svd');
  expect(atPsnr.name).toBe('paintbrushes_1365x1074-patch-ycbcr-33dB.svd');
  const psnr = await filePsnr(atPsnr.path, reference);
  expect(psnr).toBeGreaterThanOrEqual(33);
  expect(psnr).toBeLessThanOrEqual(33.1);
  expect(decodeSvd(new Uint8Array(readFileSync(atPsnr.path))).header.lowRank.map((entry) => entry.rank)).toEqual(ranks);
  await page.getByTestId('back-to-live').click();

  await studio.setTargetMode('bytes');
  await page.getByTestId('target-bytes').fill('420');
  const budget = Number(await page.getByTestId('target-bytes').getAttribute('data-value'));
  expect(budget).toBeGreaterThan(20_000);
  expect(budget).toBeLessThan(200_000);
  await studio.waitForAllocation();
  const withinBudget = await studio.exportAs('svd');
  const bytes = readFileSync(withinBudget.path).length;
  expect(bytes).toBeLessThanOrEqual(budget);
  expect(bytes).toBeGreaterThan(budget * 0.9);
  await page.getByTestId('back-to-live').click();

  // Every coding with its size before saving; the whole image in RGB needs far more for the same budget's PSNR.
  const sizes: Record<string, number> = {};
  for (const coding of ['whole-rgb', 'whole-ycbcr', 'patch-rgb', 'patch-ycbcr']) {
    await expect
      .poll(async () => Number((await page.getByTestId(`export-coding-size-${coding}`).getAttribute('data-value')) || NaN), {
        timeout: 180_000,
      })
      .toBeGreaterThan(0);
    sizes[coding] = Number(await page.getByTestId(`export-coding-size-${coding}`).getAttribute('data-value'));
    expect(sizes[coding]).toBeLessThanOrEqual(budget);
  }
  await studio.screenshot('26-export-codings');
  const whole = await studio.exportAs('svd', 180_000, 'whole-ycbcr');
  expect(whole.shownBytes).toBe(sizes['whole-ycbcr']);
  const header = decodeSvd(new Uint8Array(readFileSync(whole.path))).header;
  expect(header.lowRank).toHaveLength(3);
  await page.getByTestId('back-to-live').click();
  expect(problems).toEqual([]);
});

test('JPEG and WebP at the same bytes: the compare view shows the JPEG the bisection found, with its PSNR and SSIM', async ({
  page,
}, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  const problems = watchProblems(page);
  await studio.goto();
  await studio.openFile(ASTRONAUT);
  await studio.waitForReady();
  await studio.setRank(24);
  const svdBytes = await studio.waitForExactSize();
  const before = await studio.viewerPixels();
  await page.getByTestId('compare-with').selectOption('jpeg');
  const jpeg = page.getByTestId('metric-jpeg');
  await expect(jpeg).toHaveAttribute('data-coarse', 'false', { timeout: 180_000 });
  const jpegBytes = Number(await jpeg.getAttribute('data-bytes'));
  const nextBytes = Number(await jpeg.getAttribute('data-next-bytes'));
  const quality = Number(await jpeg.getAttribute('data-quality'));
  // Within the bisection's step: no larger than the .svd, and one quality more would be.
  expect(jpegBytes).toBeLessThanOrEqual(svdBytes);
  expect(nextBytes).toBeGreaterThan(svdBytes);
  expect(Number(await jpeg.getAttribute('data-ssim'))).toBeGreaterThan(0.3);
  await expect(page.getByTestId('original-label')).toContainText(`JPEG q${quality}`, { timeout: 90_000 });
  // The original's side now shows the decoded JPEG: different pixels there, the reconstruction's side unchanged.
  await expect
    .poll(async () => meanAbsDifference(before, await studio.viewerPixels(), 0, Math.round(before.width * 0.4)), { timeout: 30_000 })
    .toBeGreaterThan(0.3);
  const after = await studio.viewerPixels();
  expect(meanAbsDifference(before, after, Math.round(before.width * 0.6), before.width)).toBeLessThan(0.01);
  await studio.screenshot('27-compare-jpeg-same-bytes');
  const webp = page.getByTestId('metric-webp');
  await expect(webp).toHaveAttribute('data-coarse', 'false', { timeout: 180_000 });
  expect(Number(await webp.getAttribute('data-bytes'))).toBeLessThanOrEqual(svdBytes);
  await page.getByTestId('compare-with').selectOption('webp');
  await expect(page.getByTestId('original-label')).toContainText('WebP q', { timeout: 90_000 });
  await studio.screenshot('28-compare-webp-same-bytes');
  await page.getByTestId('compare-with').selectOption('original');
  await expect(page.getByTestId('original-label')).toHaveText('Original');
  expect(problems).toEqual([]);
});

test('a saved .svd re-opens from its factors: no decomposition, bounded by its ranks, re-saved no larger', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  const problems = watchProblems(page);
  await studio.goto();
  await studio.openFile(TULIPS);
  await studio.waitForReady();
  await studio.setModel('patch');
  await studio.setColorSpace('ycbcr');
  await studio.waitForReady();
  await studio.setRank(20);
  const saved = await studio.exportAs('svd');
  expect(saved.name).toBe('tulips_alpha_500x500_rgba-patch-ycbcr-k20.svd');
  const savedBytes = readFileSync(saved.path).length;
  await page.getByTestId('back-to-live').click();
  await page.keyboard.press('Escape');

  const marks = await studio.stageMarks();
  let progressSeen = false;
  const watch = setInterval(() => {
    // Decomposition progress carries a fraction (opening a file shows the same bar without one).
    void studio.progress
      .getAttribute('data-value', { timeout: 50 })
      .then((value) => (progressSeen ||= !!value))
      .catch(() => {});
  }, 20);
  await studio.openFile(saved.path);
  await expect.poll(() => studio.documentName()).toBe('tulips_alpha_500x500_rgba-patch-ycbcr-k20.svd');
  await studio.waitForReady();
  clearInterval(watch);
  expect(progressSeen).toBe(false);
  expect(await studio.stageMarks()).toBe(marks);
  expect(await studio.maxRank()).toBe(20);
  await expect(page.getByTestId('model-switch')).toHaveAttribute('data-value', 'patch');
  await expect(page.locator('[data-testid=model-switch] [data-value=whole]')).toBeDisabled();
  await expect(page.getByTestId('original-label')).toContainText('full-rank decode');
  await studio.screenshot('29-svd-reopened-from-factors');

  // Re-saved at its own rank: the same bytes (or fewer); at a lower rank: fewer.
  const again = await studio.exportAs('svd');
  expect(readFileSync(again.path).length).toBeLessThanOrEqual(savedBytes);
  await page.getByTestId('back-to-live').click();
  await studio.setRank(8);
  const lower = await studio.exportAs('svd');
  expect(readFileSync(lower.path).length).toBeLessThan(savedBytes);
  expect(decodeSvd(new Uint8Array(readFileSync(lower.path))).header.lowRank.map((entry) => entry.rank)).toEqual([8, 8, 8]);
  expect(problems).toEqual([]);
});
