/**
 * The window's opening measures, in Chromium: performance.measure('decode') and
 * performance.measure('first-preview') on the page's own timeline, both from the moment the file
 * was chosen (the input's change event), ordered around the rank-32 stage's marks; and the
 * preview they time is the exact reconstruction of the full-resolution channels — the viewer at
 * 100 % shows, pixel for pixel, what core's truncated SVD of the photo (as sharp decodes it)
 * reconstructs at rank 32 (drawn from the pixels the preview worker sends). The studio's warm-up
 * ('studio:warm') is recorded too. The page is served cross-origin isolated, as the desktop app
 * serves it, so the workers share the photo's pixels (static-server.spec.ts: a plain server, where
 * they copy them).
 */
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { extractChannel, reconstruct, truncatedSvd, type PixelImage } from '../../../core/index.js';
import { samplesDir } from '../../helpers/samples.js';
import { StudioPage } from './studio-page.js';

const PAINTBRUSHES = join(samplesDir, 'paintbrushes_1365x1074.jpg');

interface Timed {
  name: string;
  start: number;
  end: number;
}

interface ViewHandle {
  zoom: 'fit' | number;
  centerX: number;
  centerY: number;
  width: number;
  height: number;
}

test('decode and first-preview are measured from the choice of the file, and the preview is the exact rank-32 reconstruction', async ({
  page,
}, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.goto();
  expect(await studio.crossOriginIsolated()).toBe(true);
  await studio.openFile(PAINTBRUSHES);
  await studio.waitForFirstPreview();
  await expect.poll(() => page.evaluate(() => performance.getEntriesByName('first-preview').length), { timeout: 30_000 }).toBe(1);
  const timeline = await page.evaluate(() =>
    [
      ...performance.getEntriesByType('measure').filter((entry) => entry.name === 'decode' || entry.name === 'first-preview'),
      ...performance.getEntriesByType('mark').filter((entry) => entry.name.startsWith('studio:')),
    ].map((entry) => ({ name: entry.name, start: entry.startTime, end: entry.startTime + entry.duration })),
  );
  const one = (name: string): Timed => {
    const entries = timeline.filter((entry) => entry.name === name);
    expect(entries, name).toHaveLength(1);
    return entries[0];
  };
  const decode = one('decode');
  const firstPreview = one('first-preview');
  const open = one('studio:open');
  // Both start when the file was chosen: the change event, just before the studio's open().
  expect(decode.start).toBe(firstPreview.start);
  expect(decode.start).toBeGreaterThan(0);
  expect(decode.start).toBeLessThanOrEqual(open.start);
  expect(decode.end).toBeGreaterThan(decode.start);
  // The pixels exist before the studio hears of them; each channel's rank-32 stage comes after,
  // and the first preview is painted after all three.
  expect(decode.end).toBeLessThanOrEqual(one('studio:decoded').start);
  const previews = [0, 1, 2].map((channel) => one(`studio:stage-0-channel-${channel}`));
  for (const stage of previews) {
    expect(stage.start).toBeGreaterThan(decode.end);
    expect(stage.start).toBeLessThan(firstPreview.end);
  }
  testInfo.annotations.push({
    type: 'measures',
    description: `decode ${(decode.end - decode.start).toFixed(0)} ms, first-preview ${(firstPreview.end - firstPreview.start).toFixed(0)} ms`,
  });

  // Its pixels: the viewer at 100 %, the view's corner on a whole image pixel, against core's
  // decomposition of the same photo. At rest the factors on screen come from the last stage; the
  // stages extend one Krylov space, so they are those of one run to that rank with the engine's seed.
  await studio.waitForReady();
  // The workers' warm-up (started with the page) has finished and said so.
  await expect.poll(() => page.evaluate(() => performance.getEntriesByName('studio:warm', 'mark').length), { timeout: 30_000 }).toBe(1);
  // The slider stays where the first preview put it.
  expect(await studio.rank()).toBe(32);
  const view = await page.evaluate(() => {
    const state = (globalThis as unknown as { __studio: { view: ViewHandle } }).__studio.view;
    state.zoom = 1;
    const left = Math.round(1365 / 2 - state.width / 2);
    const top = Math.round(1074 / 2 - state.height / 2);
    state.centerX = left + state.width / 2;
    state.centerY = top + state.height / 2;
    return { left, top, width: state.width, height: state.height };
  });
  await expect(studio.viewer).toHaveAttribute('data-zoom', '1');

  // The stored values, as the studio's decoder reads them (no colour conversion).
  const { data, info } = await sharp(PAINTBRUSHES, { ignoreIcc: true } as never)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const image: PixelImage = { width: info.width, height: info.height, channels: 3, bitDepth: 8, pixels: new Uint8Array(data) };
  const lastStage = await studio.maxRank();
  const expected = await Promise.all(
    [0, 1, 2].map(async (channel) => reconstruct(await truncatedSvd(extractChannel(image, channel), { rank: lastStage, seed: 1 }), 32)),
  );
  // The reconstruction is right of the split (the original on the left).
  const from = Math.ceil(view.width * 0.55);
  const compare = async () => {
    const shown = await studio.viewerPixels();
    let total = 0;
    let worst = 0;
    let count = 0;
    for (let y = 0; y < view.height; y++) {
      for (let x = from; x < view.width; x++) {
        const imageX = view.left + x;
        const imageY = view.top + y;
        if (imageX < 0 || imageY < 0 || imageX >= image.width || imageY >= image.height) continue;
        for (let c = 0; c < 3; c++) {
          const want = Math.max(0, Math.min(255, Math.round(expected[c][imageY * image.width + imageX])));
          const difference = Math.abs(shown.data[(y * shown.width + x) * shown.channels + c] - want);
          total += difference;
          worst = Math.max(worst, difference);
          count++;
        }
      }
    }
    return { mean: total / count, worst, count };
  };
  // Polled: the 100 % view is drawn once the preview worker has rendered it.
  await expect.poll(async () => (await compare()).mean, { timeout: 60_000 }).toBeLessThan(0.05);
  const result = await compare();
  expect(result.count).toBeGreaterThan(100_000);
  // Float32 products in another order (Chromium's fused multiply-add, Node's SIMD128) move a few
  // values across a rounding boundary: by one level at most.
  expect(result.worst).toBeLessThanOrEqual(1);
  await studio.screenshot('30-first-preview-at-100-percent');
});
