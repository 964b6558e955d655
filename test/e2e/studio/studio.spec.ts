/**
 * The studio window end to end, in Chromium, through the page object: opening (input, drop),
 * the first preview and completion, the slider (canvas pixels change, PSNR rises with k), the
 * compare handle, exports checked as real files (.svd re-opened, PNG decoded with sharp and
 * compared with the original), a corrupt file, Cancel, the 12 MP photo. Screenshots of each
 * state are attached to the test results.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { samplesDir } from '../../helpers/samples.js';
import { StudioPage, meanAbsDifference } from './studio-page.js';

test.describe.configure({ mode: 'serial' });

const ASTRONAUT = join(samplesDir, 'astronaut_512x512_rgb.png');
const PAINTBRUSHES = join(samplesDir, 'paintbrushes_1365x1074.jpg');
const TULIPS = join(samplesDir, 'tulips_alpha_500x500_rgba.png');
const PHOTO_12MP = join(samplesDir, 'mountain_sunset_4272x2848_12mp.jpg');
const SAMPLE_COUNT = (JSON.parse(readFileSync(join(samplesDir, 'samples.json'), 'utf8')) as { samples: unknown[] }).samples.length;

function psnr(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (sum / a.length));
}

test('opens a photo with the file input, previews, completes, and the slider changes the picture', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  // The sample cards show 480 × 320 thumbnails, not the photos decoded at full size.
  const cards = page.locator('[data-testid^="sample-"]');
  expect(await cards.count()).toBe(SAMPLE_COUNT);
  for (const card of await cards.all()) {
    await card.scrollIntoViewIfNeeded();
    const picture = card.locator('img');
    await expect.poll(() => picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    expect(
      await picture.evaluate((img) => [
        (img as unknown as { naturalWidth: number }).naturalWidth,
        (img as unknown as { naturalHeight: number }).naturalHeight,
      ]),
    ).toEqual([480, 320]);
  }
  await studio.screenshot('01-welcome');
  await studio.openFile(ASTRONAUT);
  await studio.waitForFirstPreview();
  await studio.screenshot('02-first-preview');
  await studio.waitForReady();
  expect(await studio.documentName()).toBe('astronaut_512x512_rgb.png');
  expect(await studio.maxRank()).toBe(256);

  const psnrs: number[] = [];
  const pictures = [];
  for (const k of [4, 16, 64, 200]) {
    await studio.setRank(k);
    psnrs.push(await studio.value('metric-psnr'));
    pictures.push(await studio.viewerPixels());
  }
  // PSNR rises with k (exact from the spectrum), and every rank shows a different picture.
  for (let i = 1; i < psnrs.length; i++) expect(psnrs[i]).toBeGreaterThan(psnrs[i - 1]);
  const { width } = pictures[0];
  // The reconstruction is on the right of the split (original on the left).
  for (let i = 1; i < pictures.length; i++)
    expect(meanAbsDifference(pictures[i - 1], pictures[i], Math.round(width * 0.6), width)).toBeGreaterThan(0.5);
  // The original side does not change with k.
  expect(meanAbsDifference(pictures[0], pictures[3], 0, Math.round(width * 0.4))).toBeLessThan(0.01);
  // Energy kept and MSE agree with PSNR's direction; the exact size and SSIM arrive once the slider rests.
  expect(await studio.value('metric-energy')).toBeGreaterThan(0.99);
  const size = await studio.waitForExactSize();
  expect(size).toBeGreaterThan(1000);
  expect(await studio.value('size-ratio')).toBeCloseTo((512 * 512 * 3) / size, 6);
  const ssim = await studio.waitForValue('metric-ssim');
  expect(ssim).toBeGreaterThan(0.5);
  expect(ssim).toBeLessThanOrEqual(1);
  await studio.screenshot('03-rank-200-measured');

  // Keyboard: → adds one, Shift+→ ten.
  await page.locator('.statusbar').click();
  await page.keyboard.press('ArrowLeft');
  await expect(studio.rankValue).toHaveValue('199');
  await page.keyboard.press('Shift+ArrowLeft');
  await expect(studio.rankValue).toHaveValue('189');
  // The number field sets the rank too.
  await studio.rankValue.fill('12');
  await expect(studio.slider).toHaveValue('12');
  // With the slider focused, arrows move it once per press (not natively and by the shortcut), and
  // the single-key shortcuts still work.
  await studio.slider.focus();
  await page.keyboard.press('ArrowRight');
  await expect(studio.rankValue).toHaveValue('13');
  await page.keyboard.press('Shift+ArrowRight');
  await expect(studio.rankValue).toHaveValue('23');
  await page.keyboard.press('c');
  await expect(studio.viewer).toHaveAttribute('data-mode', 'error');
  await page.keyboard.press('c');
  await page.keyboard.press('c');
  await page.keyboard.press('c');
  await expect(studio.viewer).toHaveAttribute('data-mode', 'compare');
});

test('the compare handle moves the split between original and reconstruction', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFile(ASTRONAUT);
  await studio.waitForReady();
  await studio.setRank(2);
  const before = await studio.viewerPixels();
  const box = (await studio.viewer.boundingBox())!;
  const handle = (await studio.compareHandle.boundingBox())!;
  // Drag the handle from the middle to 80 % of the width.
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.8, handle.y + handle.height / 2, { steps: 8 });
  await page.mouse.up();
  await expect.poll(async () => Number(await studio.compareHandle.getAttribute('data-value'))).toBeGreaterThan(0.75);
  const after = await studio.viewerPixels();
  // Between 55 % and 75 % the rank-2 reconstruction was shown; now the original is.
  const from = Math.round(before.width * 0.55);
  const to = Math.round(before.width * 0.75);
  expect(meanAbsDifference(before, after, from, to)).toBeGreaterThan(5);
  // Left of the old split nothing changed.
  expect(meanAbsDifference(before, after, 0, Math.round(before.width * 0.45))).toBeLessThan(0.01);
  await studio.screenshot('04-split-moved');
  // X swaps the sides: the reconstruction is now on the left.
  await page.keyboard.press('x');
  await expect
    .poll(async () => meanAbsDifference(after, await studio.viewerPixels(), 0, Math.round(before.width * 0.45)))
    .toBeGreaterThan(5);
});

test('opens a photo dropped on the window', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.dropFile(PAINTBRUSHES, 'image/jpeg');
  await studio.waitForFirstPreview();
  expect(await studio.documentName()).toBe('paintbrushes_1365x1074.jpg');
  await studio.waitForReady();
  await studio.screenshot('05-dropped');
});

test('exports a .svd file that re-opens with the same size, the slider bounded by its rank', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFile(TULIPS);
  await studio.waitForReady();
  await studio.setRank(40);
  const exactSize = await studio.waitForExactSize();
  const saved = await studio.exportAs('svd');
  expect(saved.name).toBe('tulips_alpha_500x500_rgba-k40.svd');
  const bytes = (await import('node:fs')).readFileSync(saved.path);
  expect(bytes.length).toBe(saved.shownBytes);
  expect(bytes.length).toBe(exactSize);
  // The viewer now shows the decoded saved file, with a way back.
  await expect(page.getByTestId('saved-view')).toBeVisible();
  await studio.screenshot('06-saved-svd-shown');
  await page.getByTestId('back-to-live').click();
  await expect(page.getByTestId('saved-view')).toBeHidden();

  await studio.openFile(saved.path);
  await expect.poll(() => studio.documentName()).toBe('tulips_alpha_500x500_rgba-k40.svd');
  await studio.waitForReady();
  expect(await studio.maxRank()).toBe(40);
  expect(await studio.rank()).toBe(40);
  await expect(page.locator('.doc')).toContainText('500 × 500');
  await expect(page.locator('.doc')).toContainText('alpha');
  await expect(page.locator('.doc')).toContainText('stores rank 40');
  await studio.slider.fill('100');
  await expect(studio.slider).toHaveValue('40');
  await studio.screenshot('07-svd-reopened');
  // Saved again at its rank: cut from the stored factors, not decomposed again, so no larger.
  const again = await studio.exportAs('svd');
  expect((await import('node:fs')).readFileSync(again.path).length).toBeLessThanOrEqual(bytes.length);
});

test('exports PNG: the file decodes to the rank-k reconstruction the metrics describe', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFile(ASTRONAUT);
  await studio.waitForReady();
  await studio.setRank(24);
  const shownPsnr = await studio.value('metric-psnr');
  const saved = await studio.exportAs('png');
  expect(saved.name).toBe('astronaut_512x512_rgb-k24.png');
  const png = await sharp(saved.path).raw().toBuffer({ resolveWithObject: true });
  expect(png.info.width).toBe(512);
  expect(png.info.height).toBe(512);
  const colorPixels = await sharp(saved.path).removeAlpha().raw().toBuffer();
  // The original as the studio's codecs see it (stored values, no colour conversion).
  const original = await sharp(ASTRONAUT, { ignoreIcc: true } as never)
    .removeAlpha()
    .raw()
    .toBuffer();
  // The PNG is the unquantized reconstruction rounded and clamped to 0…255. Rounding adds at most
  // 1/12 to the MSE the spectrum gives; clamping only removes error (overshoot past black and
  // white), by a few tenths of a dB at low rank. So: spectrum − rounding ≤ PNG ≤ spectrum + 0.5 dB.
  const shownMse = await studio.value('metric-mse');
  const pngPsnr = psnr(original, colorPixels);
  expect(pngPsnr).toBeGreaterThan(shownPsnr - 10 * Math.log10(1 + 1 / 12 / shownMse) - 1e-6);
  expect(pngPsnr).toBeLessThan(shownPsnr + 0.5);
  await studio.screenshot('08-png-saved');
});

test("the analysis worker ends once its measurements are in, its codec workers before it; the comparison decomposes on one SVD worker; then the next photo's SVD workers start; a fresh analysis worker measures the next rank", async ({
  page,
}, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  // Every worker started, nested ones included: the host's image-codec worker, the analysis
  // worker's own (one per encoding or decoding run), the SVD workers.
  const lives: { script: string; afterReady: boolean }[] = [];
  let ready = false;
  page.on('worker', (worker) => {
    const script = /\/([\w-]+)\.worker/.exec(worker.url())?.[1] ?? '';
    lives.push({ script, afterReady: ready });
  });
  await studio.goto();
  await studio.openFile(ASTRONAUT);
  await studio.waitForReady();
  // From here on, new SVD workers are the patch model's comparison's.
  ready = true;
  const codecsAtReady = lives.filter((life) => life.script === 'image-codec').length;
  const at32 = await studio.waitForExactSize();
  // JPEG and WebP at the file's bytes, then the patch model's comparison (its decomposition first)
  // are the last measurements; then the worker is idle, and ends.
  const webp = page.getByTestId('metric-webp');
  await expect(webp).toHaveAttribute('data-coarse', 'false', { timeout: 120_000 });
  await expect(page.getByTestId('size-patch')).not.toHaveAttribute('data-value', '', { timeout: 120_000 });
  await page.waitForFunction(() => performance.getEntriesByName('studio:measured', 'mark').length > 0, undefined, { timeout: 120_000 });
  // The comparison's decomposition started one SVD worker, not a pool.
  expect(lives.filter((life) => life.script === 'svd' && life.afterReady).length).toBe(1);
  await expect.poll(() => studio.runningWorkers('analysis'), { timeout: 60_000 }).toBe(0);
  // The searches encoded and decoded in workers of their own (the host's decodes opened files),
  // and none is left.
  expect(lives.filter((life) => life.script === 'image-codec').length).toBeGreaterThanOrEqual(codecsAtReady + 2);
  await expect.poll(() => studio.runningWorkers('image-codec')).toBe(1);
  // With nothing left to do, the pool that replaced the decomposition's starts (and warms up) for
  // the next photo: three SVD workers, the comparison's gone.
  await expect.poll(() => studio.runningWorkers('svd'), { timeout: 60_000 }).toBe(3);
  expect(lives.filter((life) => life.script === 'svd' && life.afterReady).length).toBe(4);
  // The next rank's measurements start a fresh worker, which the engine gives the image and factors.
  const analysisStarts = lives.filter((life) => life.script === 'analysis').length;
  await studio.setRank(48);
  await expect.poll(async () => (await studio.waitForExactSize(60_000)) !== at32, { timeout: 60_000 }).toBe(true);
  expect(lives.filter((life) => life.script === 'analysis').length).toBeGreaterThan(analysisStarts);
  expect(await studio.value('size-file')).toBeGreaterThan(at32);
  await expect(page.getByTestId('measure-error')).toHaveCount(0);
});

test('a corrupt file shows the error banner and keeps the current image', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFile(ASTRONAUT);
  await studio.waitForReady();
  await studio.setRank(30);
  const before = await studio.viewerPixels();
  const dir = mkdtempSync(join(tmpdir(), 'svd-studio-'));
  const corrupt = join(dir, 'broken.png');
  const original = (await import('node:fs')).readFileSync(ASTRONAUT);
  writeFileSync(corrupt, original.subarray(0, 5000));
  await studio.openFile(corrupt);
  await expect(studio.errorBanner).toBeVisible();
  await expect(studio.errorBanner).toContainText('broken.png');
  const notSvd = join(dir, 'fake.svd');
  writeFileSync(notSvd, Buffer.concat([Buffer.from([0x89, 0x53, 0x56, 0x44, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]));
  await studio.openFile(notSvd);
  await expect(studio.errorBanner).toContainText('fake.svd');
  expect(await studio.documentName()).toBe('astronaut_512x512_rgb.png');
  expect(await studio.state()).toBe('ready');
  expect(await studio.rank()).toBe(30);
  expect(meanAbsDifference(before, await studio.viewerPixels())).toBeLessThan(0.01);
  await studio.screenshot('09-error-banner');
});

test('Cancel stops the decomposition; the 12 MP photo previews, completes and slides', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFile(PHOTO_12MP);
  await studio.waitForState(['decomposing']);
  await expect(studio.progress).toBeVisible();
  await studio.screenshot('10-decomposing');
  await studio.cancelButton.click();
  await expect(studio.progress).toBeHidden();
  await expect(page.getByTestId('stopped')).toBeVisible();
  // What arrived before Cancel stays and is shown: a rank-32 stage delivered just before it may
  // still be painted ('decomposing' → 'preview'). Then nothing changes: nothing is computing.
  const stopped = (await page.getByTestId('stopped').textContent()) ?? '';
  if (/Stopped at rank/.test(stopped)) await studio.waitForState(['preview']);
  const stoppedState = await studio.state();
  expect(stoppedState).not.toBe('ready');
  await page.waitForTimeout(3000);
  expect(await studio.state()).toBe(stoppedState);
  expect(await page.getByTestId('stopped').textContent()).toBe(stopped);
  await studio.screenshot('11-cancelled');

  const started = Date.now();
  await studio.openFile(PHOTO_12MP);
  await studio.waitForFirstPreview(180_000);
  testInfo.annotations.push({ type: '12 MP first preview', description: `${Date.now() - started} ms (under test load)` });
  await studio.screenshot('12-12mp-first-preview');
  await studio.waitForReady(240_000);
  testInfo.annotations.push({ type: '12 MP ready', description: `${Date.now() - started} ms (under test load)` });
  expect(await studio.maxRank()).toBe(256);
  const low = await studio.viewerPixels();
  await studio.setRank(150);
  const high = await studio.viewerPixels();
  expect(meanAbsDifference(low, high, Math.round(low.width * 0.6), low.width)).toBeGreaterThan(0.2);
  expect(await studio.value('metric-psnr')).toBeGreaterThan(35);
  await studio.screenshot('13-12mp-rank-150');
});

test('error heat map, residual and component views draw what they say', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFile(ASTRONAUT);
  await studio.waitForReady();
  await studio.setRank(8);
  await page.getByTestId('mode-error').click();
  await expect(studio.viewer).toHaveAttribute('data-mode', 'error');
  await expect.poll(async () => (await studio.viewerPixels()).data.length).toBeGreaterThan(0);
  const heatLow = await studio.viewerPixels();
  await studio.setRank(200);
  const heatHigh = await studio.viewerPixels();
  // Less error at rank 200: the heat map is darker on average.
  const brightness = (p: { data: Buffer }) => p.data.reduce((sum, v, i) => (i % 4 === 3 ? sum : sum + v), 0);
  expect(brightness(heatHigh)).toBeLessThan(brightness(heatLow));
  await studio.screenshot('14-error-heat-map');
  await page.getByTestId('mode-residual').click();
  await expect(studio.viewer).toHaveAttribute('data-mode', 'residual');
  await studio.screenshot('15-residual');
  await page.getByTestId('mode-component').click();
  await page.getByTestId('component-index').fill('3');
  await expect(page.locator('.label.left')).toContainText('Component 3');
  await studio.screenshot('16-component-3');
  await page.getByTestId('mode-compare').click();
});

test('a photo above the working limit is offered at a reduced size', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  const dir = mkdtempSync(join(tmpdir(), 'svd-studio-'));
  const big = join(dir, 'big-35mp.jpg');
  // 7200 × 4860 = 35 MP, above the 32 MP working limit: the 12 MP photo scaled up.
  await sharp(PHOTO_12MP).resize(7200, 4860).jpeg({ quality: 70 }).toFile(big);
  await studio.goto();
  await studio.openFile(big);
  const offer = page.getByTestId('large-offer');
  await expect(offer).toBeVisible({ timeout: 180_000 });
  await expect(offer).toContainText('7200 × 4860');
  await studio.screenshot('17-large-offer');
  await page.getByTestId('large-accept').click();
  await studio.waitForFirstPreview(90_000);
  const doc = page.locator('.doc');
  await expect(doc).toContainText('reduced from 7200 × 4860');
  const [width, height] = ((await doc.textContent()) ?? '')
    .match(/(\d+) × (\d+)/)!
    .slice(1)
    .map(Number);
  expect(width * height).toBeLessThanOrEqual(32_000_000);
  expect(width * height).toBeGreaterThan(31_000_000);
  expect(Math.abs(width / height - 7200 / 4860)).toBeLessThan(0.002);
  await studio.cancelButton.click();
});

test('paste opens an image; settings persist across reloads; the theme follows the system', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.pasteFile(TULIPS, 'image/png');
  await studio.waitForReady();
  expect(await studio.documentName()).toBe('tulips_alpha_500x500_rgba.png');
  await page.getByTestId('mode-residual').click();
  await studio.openExport();
  await page.getByTestId('export-format').selectOption('webp');
  await page.reload();
  await expect(studio.viewer).toHaveAttribute('data-mode', 'residual');
  await page.getByTestId('sample-astronaut_512x512_rgb.png').click();
  await studio.waitForReady();
  await studio.openExport();
  await expect(page.getByTestId('export-format')).toHaveValue('webp');
  const light = await studio.backgroundColor();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('mode-compare').click();
  await expect.poll(() => studio.backgroundColor()).not.toBe(light);
  await studio.screenshot('18-dark-theme');
});

test('at 100 % the original side shows the file’s own pixels; the spectrum chart sets the rank', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFile(ASTRONAUT);
  await studio.waitForReady();
  await page.locator('.statusbar').click();
  await page.keyboard.press('1');
  await expect(studio.viewer).toHaveAttribute('data-zoom', '1');
  await studio.setRank(20);
  const shown = await studio.viewerPixels();
  const original = await sharp(ASTRONAUT, { ignoreIcc: true } as never)
    .removeAlpha()
    .raw()
    .toBuffer();
  // The 512 × 512 image is centred in the canvas; the split is at the canvas's middle.
  const left = Math.round(shown.width / 2 - 256);
  const top = Math.round(shown.height / 2 - 256);
  let worst = 0;
  for (let y = 100; y < 400; y += 7) {
    for (let x = 20; x < 200; x += 5) {
      for (let c = 0; c < 3; c++) {
        worst = Math.max(worst, Math.abs(shown.data[((top + y) * shown.width + left + x) * 4 + c] - original[(y * 512 + x) * 3 + c]));
      }
    }
  }
  expect(worst).toBe(0);
  await studio.screenshot('19-one-to-one');

  // Clicking on the chart moves the rank marker there.
  const chart = page.locator('[data-testid=spectrum-chart] .u-over');
  const box = (await chart.boundingBox())!;
  await chart.click({ position: { x: box.width * 0.75, y: box.height / 2 } });
  await expect.poll(() => studio.rank()).toBeGreaterThan(150);
  await expect(page.getByTestId('spectrum-chart')).toHaveAttribute('data-rank', String(await studio.rank()));

  // The marker follows the slider: a line at k's place on the axis (x = 1 … the largest rank), drawn
  // in the page's pixels, its label saying k.
  const largest = await studio.maxRank();
  const markerLine = page.getByTestId('rank-marker');
  const markerAt = async (k: number) => {
    await chart.scrollIntoViewIfNeeded();
    const area = (await chart.boundingBox())!;
    const line = (await markerLine.boundingBox())!;
    const expected = area.x + ((k - 1) / (largest - 1)) * area.width;
    expect(Math.abs(line.x + line.width / 2 - expected)).toBeLessThan(1.5);
    expect(line.height).toBeGreaterThan(area.height - 2);
    return { area, line };
  };
  for (const k of [40, 200]) {
    await studio.setRank(k);
    await expect(page.getByTestId('spectrum-chart')).toHaveAttribute('data-rank', String(k));
    await expect(page.locator('.rank-marker-label')).toHaveText(`k = ${k}`);
    const { area, line } = await markerAt(k);
    // Real pixels: the line's column is the marker's colour (the page's text colour) down most of the plot.
    const shot = await sharp(
      await page.screenshot({ clip: { x: Math.floor(line.x + line.width / 2), y: area.y, width: 1, height: Math.floor(area.height) } }),
    )
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const ink = ((await page.evaluate('getComputedStyle(document.body).color')) as string).match(/\d+/g)!.map(Number);
    let marked = 0;
    for (let y = 0; y < shot.info.height; y++) {
      const at = y * shot.info.width * 3;
      if ([0, 1, 2].every((c) => Math.abs(shot.data[at + c] - ink[c]) <= 24)) marked++;
    }
    expect(marked / shot.info.height).toBeGreaterThan(0.8);
  }
  // The dark theme builds the plot again: the marker is made again, at k's place.
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect
    .poll(
      async () =>
        markerAt(200).then(
          () => true,
          () => false,
        ),
      { timeout: 5000 },
    )
    .toBe(true);
  await page.emulateMedia({ colorScheme: 'light' });
});

test('opening another photo while one decomposes: the old work stops and none of it reaches the screen', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  await studio.openFile(PHOTO_12MP);
  await studio.waitForState(['decomposing']);
  // While the 12 MP photo decomposes (its previews would arrive within seconds), open a small one.
  await studio.openFile(ASTRONAUT);
  await studio.waitForReady();
  expect(await studio.documentName()).toBe('astronaut_512x512_rgb.png');
  const settled = {
    pixels: await studio.viewerPixels(),
    psnr: await studio.value('metric-psnr'),
    max: await studio.maxRank(),
    summary: await page.locator('.doc').textContent(),
  };
  expect(settled.summary).toContain('512 × 512');
  // Long enough for the 12 MP photo's rank-32 and rank-128 stages, had they not been stopped.
  await page.waitForTimeout(5000);
  expect(await studio.state()).toBe('ready');
  expect(await studio.documentName()).toBe('astronaut_512x512_rgb.png');
  expect(await page.locator('.doc').textContent()).toBe(settled.summary);
  expect(await studio.maxRank()).toBe(settled.max);
  expect(await studio.value('metric-psnr')).toBe(settled.psnr);
  expect(meanAbsDifference(settled.pixels, await studio.viewerPixels())).toBeLessThan(0.01);
  await expect(studio.progress).toBeHidden();
});
