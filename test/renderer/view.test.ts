/**
 * The renderer's numeric pieces that run without a DOM: the preview worker's incremental
 * reconstruction (checked against core's scalar float64 reconstruct() after long random walks
 * of the rank, with both kernel backends), the box-filtered original, the component and error
 * views, the view geometry, and the instant metrics from the spectrum.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import {
  boxResample,
  boxResamplePlane,
  boxSpans,
  filteredRows,
  filterPlane,
  upsampledSpans,
  createKernels,
  decodedPlaneSamples,
  planeMatrices,
  reconstruct,
  splitChannels,
  truncatedSvd,
  type PixelImage,
  type TruncatedSvd,
} from '../../core/index.js';
import { ViewRenderer } from '../../renderer/src/workers/preview/view-renderer.js';
import { warmRendering } from '../../renderer/src/workers/preview/warm-rendering.js';
import { codingFor, codingKey, codingLayout, type Coding } from '../../renderer/src/shared/coding.js';
import { halfSize, upsampleBilinear, yCbCrToRgb } from '../../core/image/color.js';
import type { ViewRequest } from '../../renderer/src/workers/preview/protocol.js';
import { viewGeometry } from '../../renderer/src/shared/view-geometry.js';
import { instantMetrics, spectrumCsv, spectrumOf } from '../../renderer/src/shared/spectrum.js';
import { samplesDir } from '../helpers/samples.js';

async function sampleImage(): Promise<PixelImage> {
  // A 300 × 220 crop of the paintbrushes photo: real texture, not square.
  const { data, info } = await sharp(readFileSync(join(samplesDir, 'paintbrushes_1365x1074.jpg')))
    .extract({ left: 500, top: 400, width: 300, height: 220 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, bitDepth: 8, pixels: new Uint8Array(data) };
}

let cached: { image: PixelImage; svds: TruncatedSvd[] } | null = null;
async function decomposed(): Promise<{ image: PixelImage; svds: TruncatedSvd[] }> {
  if (!cached) {
    const image = await sampleImage();
    const svds = [];
    for (const channel of splitChannels(image)) svds.push(await truncatedSvd(channel, { rank: 96 }));
    cached = { image, svds };
  }
  return cached;
}

function request(overrides: Partial<ViewRequest>): ViewRequest {
  return {
    imageId: 1,
    region: { x: 17, y: 9, width: 250, height: 190 },
    width: 113,
    height: 87,
    coding: 'whole-rgb',
    ranks: [10, 10, 10],
    mode: 'compare',
    component: 1,
    gain: 8,
    withOriginal: false,
    reference: false,
    source: 'live',
    ...overrides,
  };
}

/** Largest difference of the colour samples from round(clamp(reference)) per channel. */
function maxDifference(rgba: Uint8ClampedArray, planes: Float32Array[]): number {
  let worst = 0;
  for (let p = 0; p < planes[0].length; p++) {
    for (let c = 0; c < 3; c++) {
      const expected = Math.min(255, Math.max(0, planes[c][p]));
      worst = Math.max(worst, Math.abs(rgba[p * 4 + c] - expected));
    }
  }
  return worst;
}

describe.each(['simd', 'plain'] as const)('ViewRenderer (%s kernels)', (kind) => {
  it('matches core reconstruct() at the view after a long random walk of the rank, writing into the picture given back', async () => {
    const { image, svds } = await decomposed();
    const renderer = new ViewRenderer(await createKernels(kind), await createKernels(kind));
    renderer.setImage(1, image);
    svds.forEach((svd, c) => renderer.setFactors(1, 'whole-rgb', c, svd));
    const base = request({});
    let seed = 5;
    let k = 1;
    let recycled: Uint8ClampedArray | null = null;
    for (let step = 0; step < 300; step++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const r = seed / 2 ** 32;
      // Mostly single steps (a drag), sometimes jumps (a click on the chart), both directions.
      k = r < 0.8 ? Math.max(1, Math.min(96, k + (r < 0.4 ? -1 : 1))) : 1 + (Math.floor(r * 1000) % 96);
      const rendered = renderer.render({ ...base, ranks: [k, k, k] });
      if (step % 37 === 0 || step === 299) {
        const planes = svds.map((svd) => reconstruct(svd, k, { region: base.region, targetWidth: base.width, targetHeight: base.height }));
        // Float32 products and ± updates against a float64 loop: within rounding to 8 bits.
        expect(maxDifference(rendered.image, planes)).toBeLessThanOrEqual(0.51);
      }
      // Given back as the preview worker does once its bitmap is made: the next render writes into
      // these bytes (every one of them, so the checks above hold for reused bytes too).
      if (step > 0) expect(rendered.image).toBe(recycled);
      recycled = rendered.image;
      renderer.recycle(rendered.image);
    }
  });

  it('per-channel ranks, the original, and the 1:1 view', async () => {
    const { image, svds } = await decomposed();
    const renderer = new ViewRenderer(await createKernels(kind), await createKernels(kind));
    renderer.setImage(1, image);
    svds.forEach((svd, c) => renderer.setFactors(1, 'whole-rgb', c, svd));
    const ranks = [5, 40, 96];
    const region = { x: 100, y: 50, width: 64, height: 48 };
    const rendered = renderer.render(request({ ranks, region, width: 64, height: 48, withOriginal: true }));
    expect(rendered.ranks).toEqual(ranks);
    const planes = svds.map((svd, c) => reconstruct(svd, ranks[c], { region }));
    expect(maxDifference(rendered.image, planes)).toBeLessThanOrEqual(0.51);
    // At 1:1 the original is the pixels themselves.
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 64; x++) {
        for (let c = 0; c < 3; c++) {
          expect(rendered.original![(y * 64 + x) * 4 + c]).toBe(image.pixels[((region.y + y) * image.width + region.x + x) * 3 + c]);
        }
      }
    }
  });

  it('the original alone is also the original picture when asked for; the first reconstruction after it is as on a fresh renderer', async () => {
    const { image, svds } = await decomposed();
    const renderer = new ViewRenderer(await createKernels(kind), await createKernels(kind));
    renderer.setImage(1, image);
    const ranks = [96, 96, 96];
    // Before any factors, as the viewer asks while the first stage is computed (this maps the live view's workspace).
    const alone = renderer.render(request({ ranks, source: 'original', withOriginal: true }));
    expect(alone.original).toBe(alone.image);
    const again = renderer.render(request({ ranks, source: 'original' }));
    expect(again.original).toBeNull();
    expect(again.image).toEqual(alone.image);
    svds.forEach((svd, c) => renderer.setFactors(1, 'whole-rgb', c, svd));
    const live = renderer.render(request({ ranks }));
    const fresh = new ViewRenderer(await createKernels(kind), await createKernels(kind));
    fresh.setImage(1, image);
    svds.forEach((svd, c) => fresh.setFactors(1, 'whole-rgb', c, svd));
    expect(live.image).toEqual(fresh.render(request({ ranks })).image);
    const base = request({});
    const planes = svds.map((svd) => reconstruct(svd, 96, { region: base.region, targetWidth: base.width, targetHeight: base.height }));
    expect(maxDifference(live.image, planes)).toBeLessThanOrEqual(0.51);
  });

  it("after the preview worker's warm-up on the same kernels, a photo renders as on fresh kernels (the original resampled on kernels as without)", async () => {
    const { image, svds } = await decomposed();
    const [view, patches, resample] = [await createKernels(kind), await createKernels(kind), await createKernels(kind)];
    warmRendering(view, patches, resample);
    // Warmed as the worker's, with the resampling on kernels; fresh, with the resampling in JavaScript.
    const warmed = new ViewRenderer(view, patches, resample);
    const fresh = new ViewRenderer(await createKernels(kind), await createKernels(kind));
    const ranks = [32, 32, 32];
    for (const renderer of [warmed, fresh]) {
      renderer.setImage(1, image);
      renderer.render(request({ ranks, source: 'original', withOriginal: true }));
      svds.forEach((svd, c) => renderer.setFactors(1, 'whole-rgb', c, svd));
    }
    const live = warmed.render(request({ ranks, withOriginal: true }));
    const expected = fresh.render(request({ ranks, withOriginal: true }));
    expect(live.image).toEqual(expected.image);
    expect(live.original).toEqual(expected.original);
  });

  it('the original picture of gray, gray + alpha, RGB, RGBA and 16-bit images: its box-filtered channels as 8-bit RGBA', async () => {
    const [width, height] = [40, 30];
    const region = { x: 3, y: 2, width: 36, height: 27 };
    for (const [channels, bitDepth] of [
      [1, 8],
      [2, 8],
      [3, 8],
      [4, 8],
      [3, 16],
      [2, 16],
    ] as const) {
      const count = width * height * channels;
      const peak = bitDepth === 8 ? 255 : 65535;
      const sample = (i: number) => ((i * 7919 + (i >> 3)) * (bitDepth === 8 ? 1 : 263)) % (peak + 1);
      const pixels =
        bitDepth === 8 ? Uint8Array.from({ length: count }, (_, i) => sample(i)) : Uint16Array.from({ length: count }, (_, i) => sample(i));
      const image: PixelImage = { width, height, channels, bitDepth, pixels };
      const renderer = new ViewRenderer(await createKernels(kind), await createKernels(kind));
      renderer.setImage(1, image);
      const coding = codingKey(codingFor(image, { model: 'whole', colorSpace: 'rgb' }));
      const rendered = renderer.render(
        request({ coding, region, width: 17, height: 13, ranks: [], source: 'original', withOriginal: true }),
      );
      const planes = boxResample(image, region, 17, 13);
      const scale = bitDepth === 16 ? 1 / 257 : 1;
      const gray = channels <= 2;
      const alpha = channels === 2 || channels === 4 ? planes[channels - 1] : null;
      const expected = new Uint8ClampedArray(17 * 13 * 4);
      for (let p = 0; p < 17 * 13; p++) {
        for (let c = 0; c < 3; c++) expected[p * 4 + c] = planes[gray ? 0 : c][p] * scale;
        expected[p * 4 + 3] = alpha ? alpha[p] * scale : 255;
      }
      expect(rendered.original, `${channels} channels, ${bitDepth}-bit`).toEqual(expected);
    }
  });

  it('component i is σᵢuᵢvᵢᵀ (the difference of the rank-i and rank-(i−1) reconstructions), centred on grey', async () => {
    const { image, svds } = await decomposed();
    const renderer = new ViewRenderer(await createKernels(kind), await createKernels(kind));
    renderer.setImage(1, image);
    svds.forEach((svd, c) => renderer.setFactors(1, 'whole-rgb', c, svd));
    const base = request({ mode: 'component', component: 4 });
    const rendered = renderer.render(base);
    const scale = rendered.componentScale!;
    expect(scale).toBeGreaterThan(0);
    const options = { region: base.region, targetWidth: base.width, targetHeight: base.height };
    let worst = 0;
    let largest = 0;
    for (let c = 0; c < 3; c++) {
      const upper = reconstruct(svds[c], 4, options);
      const lower = reconstruct(svds[c], 3, options);
      for (let p = 0; p < upper.length; p++) {
        const value = upper[p] - lower[p];
        largest = Math.max(largest, Math.abs(scale * value));
        worst = Math.max(worst, Math.abs(rendered.image[p * 4 + c] - Math.min(255, Math.max(0, 128 + scale * value))));
      }
    }
    expect(worst).toBeLessThanOrEqual(0.6);
    // Stretched to use the range: the largest |value| maps to (nearly) 127.
    expect(largest).toBeGreaterThan(100);
    expect(largest).toBeLessThanOrEqual(127.5);
  });

  it('error and residual views are zero where the reconstruction is exact', async () => {
    // A rank-2 image: at rank 2 the error is zero everywhere.
    const width = 40;
    const height = 30;
    const pixels = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = 40 + x + 2 * y + (x % 3 === 0 ? 20 : 0);
    const image: PixelImage = { width, height, channels: 1, bitDepth: 8, pixels };
    const svd = await truncatedSvd(splitChannels(image)[0], { rank: 8 });
    expect(svd.rank).toBeLessThanOrEqual(3);
    const renderer = new ViewRenderer(await createKernels(kind), await createKernels(kind));
    renderer.setImage(7, image);
    renderer.setFactors(7, 'whole-rgb', 0, svd);
    const view = { imageId: 7, region: { x: 0, y: 0, width, height }, width, height, ranks: [svd.rank] };
    const error = renderer.render(request({ ...view, mode: 'error', gain: 32 }));
    const residual = renderer.render(request({ ...view, mode: 'residual', gain: 32 }));
    for (let p = 0; p < width * height; p++) {
      expect(error.image[p * 4]).toBe(0); // the heat map's first colour: (0, 0, 4)
      expect(error.image[p * 4 + 2]).toBe(4);
      expect(Math.abs(residual.image[p * 4] - 128)).toBeLessThanOrEqual(1);
    }
    // At rank 1 there is error, and the heat map shows it.
    const rankOne = renderer.render(request({ ...view, mode: 'error', gain: 32, ranks: [1] }));
    expect(rankOne.image.some((value, i) => i % 4 === 0 && value > 0)).toBe(true);
  });
});

describe('ViewRenderer: the other codings', () => {
  /** The image's planes under a coding, decomposed, and the decoded file's pixels (core's decoder path) at `ranks`. */
  async function coded(coding: Coding, rank: number) {
    const { image } = await decomposed();
    const layout = codingLayout(image, coding);
    const svds = await Promise.all(planeMatrices(image, layout).map((matrix) => truncatedSvd(matrix, { rank })));
    return { image, layout, svds };
  }

  for (const coding of [
    { model: 'patch', colorSpace: 'rgb' },
    { model: 'patch', colorSpace: 'ycbcr' },
    { model: 'whole', colorSpace: 'ycbcr' },
  ] as Coding[]) {
    it(`${codingKey(coding)}: the view is the full-resolution reconstruction box-filtered, after a walk of the ranks`, async () => {
      const { image, layout, svds } = await coded(coding, coding.model === 'patch' ? 64 : 48);
      const renderer = new ViewRenderer(await createKernels('auto'), await createKernels('auto'));
      renderer.setImage(3, image);
      svds.forEach((svd, p) => renderer.setFactors(3, codingKey(coding), p, svd));
      const base = request({ imageId: 3, coding: codingKey(coding) });
      for (const k of [1, 9, 8, 30, 12, 13, 40]) renderer.render({ ...base, ranks: [k, k, k] });
      const ranks = [13, 7, 40];
      const rendered = renderer.render({ ...base, ranks });
      expect(rendered.ranks).toEqual(ranks);
      // The reference: core's decoder path at full resolution, unrounded (chroma interpolated
      // bilinearly, then converted), box-filtered the same way, clamped.
      const samples = await decodedPlaneSamples({ layout, channels: svds, deblock: false }, ranks);
      const rgb =
        coding.colorSpace === 'rgb'
          ? samples
          : yCbCrToRgb(
              samples[0],
              ...([1, 2].map((p) => upsampleBilinear(samples[p], image.width, image.height)) as [Float32Array, Float32Array]),
            );
      const reference = rgb.map((plane) => boxResamplePlane(plane, image.width, image.height, base.region, base.width, base.height));
      let worst = 0;
      let sum = 0;
      for (let q = 0; q < reference[0].length; q++)
        for (let c = 0; c < 3; c++) {
          const difference = Math.abs(rendered.image[q * 4 + c] - Math.min(255, Math.max(0, reference[c][q])));
          worst = Math.max(worst, difference);
          sum += difference;
        }
      const mean = sum / (3 * reference[0].length);
      // The same samples and filter: float32 round-off and the final rounding.
      expect(worst).toBeLessThanOrEqual(0.51);
      expect(mean).toBeLessThan(0.3);
      // A component: the difference of the rank-i and rank-(i−1) views, up to the stretch.
      const component = renderer.render({ ...base, mode: 'component', component: 3 });
      expect(component.componentScale).toBeGreaterThan(0);
      const grey = component.image.filter((value, i) => i % 4 !== 3 && Math.abs(value - 128) > 2).length;
      expect(grey).toBeGreaterThan(100);
    });
  }

  it('a coding without factors is refused for the live view; the original shows without any', async () => {
    const { image } = await decomposed();
    const renderer = new ViewRenderer(await createKernels('auto'), await createKernels('auto'));
    renderer.setImage(4, image);
    expect(() => renderer.render(request({ imageId: 4, coding: 'patch-ycbcr' }))).toThrow(/no factors/);
    const original = renderer.render(request({ imageId: 4, coding: 'patch-ycbcr', source: 'original' }));
    expect(original.image.length).toBe(113 * 87 * 4);
  });
});

describe('boxResample', () => {
  it('averages whole blocks exactly at integer factors, keeps constants, and keeps the mean', async () => {
    const { image } = await decomposed();
    const region = { x: 10, y: 20, width: 200, height: 150 };
    const [red] = boxResample(image, region, 50, 50);
    // 4 × 3 blocks.
    let sum = 0;
    for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) sum += image.pixels[((20 + y) * image.width + 10 + x) * 3];
    expect(red[0]).toBeCloseTo(sum / 12, 4);
    // Non-integer factor: equal-area boxes, so the mean is preserved.
    const planes = boxResample(image, region, 77, 61);
    let regionMean = 0;
    for (let y = 0; y < 150; y++) for (let x = 0; x < 200; x++) regionMean += image.pixels[((20 + y) * image.width + 10 + x) * 3 + 1];
    regionMean /= 200 * 150;
    expect(planes[1].reduce((a, b) => a + b, 0) / planes[1].length).toBeCloseTo(regionMean, 3);
    const constant: PixelImage = { width: 9, height: 7, channels: 1, bitDepth: 16, pixels: new Uint16Array(63).fill(40000) };
    for (const value of boxResample(constant, { x: 0, y: 0, width: 9, height: 7 }, 4, 3)[0]) expect(value).toBeCloseTo(40000, 2);
    expect(() => boxResample(constant, { x: 0, y: 0, width: 10, height: 7 }, 4, 3)).toThrow(RangeError);
  });

  it.each(['none', 'relaxed', 'simd', 'plain'] as const)(
    'equals a plain one-row-at-a-time box filter (float64 sums in the same order), for spans of 1 to 9 rows, a crop and the whole width (kernels: %s)',
    async (kind) => {
      const kernels = kind === 'none' ? undefined : await createKernels(kind);
      const width = 37;
      const height = 90;
      const pixels = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 7919 + (i >> 5)) % 256);
      const image: PixelImage = { width, height, channels: 3, bitDepth: 8, pixels };
      for (const region of [
        { x: 2, y: 0, width: 33, height },
        { x: 0, y: 0, width, height },
      ])
        for (const targetHeight of [90, 60, 30, 18, 13, 10]) {
          const rows = boxSpans(0, height, targetHeight);
          const cols = boxSpans(0, region.width, 11);
          const expected = [0, 1, 2].map(() => new Float32Array(11 * targetHeight));
          for (let t = 0; t < targetHeight; t++) {
            const sums = new Float64Array(region.width * 3);
            for (let i = 0; i < rows.length[t]; i++)
              for (let j = 0; j < sums.length; j++)
                sums[j] += rows.weights[t][i] * pixels[((rows.first[t] + i) * width + region.x) * 3 + j];
            for (let tc = 0; tc < 11; tc++)
              for (let c = 0; c < 3; c++) {
                let sum = 0;
                for (let i = 0; i < cols.length[tc]; i++) sum += cols.weights[tc][i] * sums[(cols.first[tc] + i) * 3 + c];
                expected[c][t * 11 + tc] = sum;
              }
          }
          expect(Math.max(...rows.length), `${targetHeight} rows`).toBeLessThanOrEqual(9);
          expect(boxResample(image, region, 11, targetHeight, kernels), `${region.width} wide, ${targetHeight} rows`).toEqual(expected);
        }
    },
  );

  it.each(['relaxed', 'simd', 'plain'] as const)(
    "on kernels (%s), gray, gray + alpha and RGBA images' planes equal boxResample's without, bit for bit",
    async (kind) => {
      const kernels = await createKernels(kind);
      for (const channels of [1, 2, 4] as const) {
        const width = 53;
        const height = 41;
        const pixels = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 104729 + (i >> 3)) % 256);
        const image: PixelImage = { width, height, channels, bitDepth: 8, pixels };
        const region = { x: 3, y: 5, width: 47, height: 33 };
        expect(boxResample(image, region, 10, 7, kernels), `${channels} channels`).toEqual(boxResample(image, region, 10, 7));
      }
    },
  );

  it("filteredRows sums each span's rows of a factor in order, then scales: equal to a plain loop, bit for bit", () => {
    const k = 7;
    const stride = 9;
    const lines = 83;
    const factor = Float32Array.from({ length: lines * stride }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 5)));
    const scale = Float64Array.from({ length: k }, (_, i) => 3 / (i + 1));
    for (const [start, span, count] of [
      [0, 83, 83],
      [0, 83, 19],
      [5, 70, 11],
      [2, 9, 2],
    ]) {
      const spans = boxSpans(start, span, count);
      for (const s of [scale, null]) {
        const expected = new Float64Array(count * k);
        for (let t = 0; t < count; t++) {
          for (let i = 0; i < k; i++) {
            let sum = 0;
            for (let j = 0; j < spans.length[t]; j++) sum += spans.weights[t][j] * factor[(spans.first[t] + j) * stride + i];
            expected[t * k + i] = s ? sum * s[i] : sum;
          }
        }
        expect(filteredRows(factor, stride, k, spans, s), `${count} of ${span} lines from ${start}`).toEqual(expected);
      }
    }
  });

  it('boxResamplePlane filters one float plane as boxResample filters a channel, and enlarges by overlap', async () => {
    const { image } = await decomposed();
    const green = Float32Array.from({ length: image.width * image.height }, (_, i) => image.pixels[i * 3 + 1]);
    const region = { x: 13, y: 7, width: 201, height: 150 };
    const expected = boxResample(image, region, 77, 61)[1];
    const got = boxResamplePlane(green, image.width, image.height, region, 77, 61);
    // The same weights, sums and order (boxResample's four rows per sweep included): equal, bit for bit.
    expect(got).toEqual(expected);
    expect(boxResamplePlane(green, image.width, image.height, region, 20, 11)).toEqual(boxResample(image, region, 20, 11)[1]);
    // Into a strided buffer.
    const strided = new Float32Array(61 * 80).fill(-1);
    boxResamplePlane(green, image.width, image.height, region, 77, 61, strided, 80);
    expect(strided[80 * 5 + 9]).toBeCloseTo(expected[77 * 5 + 9], 3);
    expect(strided[80 * 5 + 78]).toBe(-1);
    expect(() => boxResamplePlane(green, image.width, image.height, { x: 200, y: 0, width: 200, height: 10 }, 20, 5)).toThrow(RangeError);
  });

  it('upsampledSpans: a half-resolution plane filtered directly equals it interpolated, then box-filtered', () => {
    for (const [width, height] of [
      [61, 37],
      [64, 40],
    ]) {
      const half = halfSize(width, height);
      const plane = Float32Array.from({ length: half.width * half.height }, (_, i) => Math.sin(i * 0.37) * 50 + (i % 7));
      const full = upsampleBilinear(plane, width, height);
      for (const [region, tw, th] of [
        [{ x: 0, y: 0, width, height }, 23, 17],
        [{ x: 7, y: 3, width: 31, height: 20 }, 31, 20],
        [{ x: 1, y: 1, width: 12, height: 9 }, 5, 4],
      ] as const) {
        const expected = boxResamplePlane(full, width, height, region, tw, th);
        const rows = upsampledSpans(boxSpans(region.y, region.height, th), half.height);
        const cols = upsampledSpans(boxSpans(region.x, region.width, tw), half.width);
        const got = filterPlane(plane, half.width, half.height, rows, cols);
        for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i], 3);
      }
    }
  });
});

describe('viewGeometry', () => {
  it('fit shows the whole image at no more device pixels than the canvas has', () => {
    const g = viewGeometry(4272, 2848, 900, 700, 900 / 4272, 2136, 1424, 2)!;
    expect(g.region).toEqual({ x: 0, y: 0, width: 4272, height: 2848 });
    expect(g.targetWidth).toBe(1800);
    expect(g.targetHeight).toBe(1200);
    expect(g.dx).toBeCloseTo(0, 9);
    expect(g.dw).toBeCloseTo(900, 9);
  });

  it('at 1:1 or closer the target is the region itself (never more pixels than the source has)', () => {
    const g = viewGeometry(4272, 2848, 900, 700, 4, 1000, 1000, 2)!;
    expect(g.region.width).toBe(Math.ceil(1000 + 900 / 8) - Math.floor(1000 - 900 / 8));
    expect(g.targetWidth).toBe(g.region.width);
    expect(g.targetHeight).toBe(g.region.height);
    // The region's left edge lands where the centre mapping puts it.
    expect(g.dx).toBeCloseTo((g.region.x - 1000) * 4 + 450, 9);
  });

  it('clips to the image and rejects degenerate views', () => {
    const g = viewGeometry(100, 80, 500, 500, 2, 10, 10, 1)!;
    expect(g.region.x).toBe(0);
    expect(g.region.y).toBe(0);
    expect(viewGeometry(100, 80, 0, 500, 2, 10, 10, 1)).toBeNull();
    expect(viewGeometry(100, 80, 500, 500, 2, 1000, 10, 1)).toBeNull();
  });
});

describe('instant metrics from the spectrum', () => {
  it('equal core’s per-channel error, PSNR and energy, and the CSV lists every component', async () => {
    const { svds } = await decomposed();
    const spectra = svds.map(spectrumOf);
    for (const k of [0, 1, 17, 96, 500]) {
      const metrics = instantMetrics(spectra, [k, k, k], 255);
      // Written out here from σ: ‖A − A_k‖² = ‖A‖² − Σ_{i<k} σᵢ².
      const keptOf = (svd: TruncatedSvd) => Array.from(svd.sigma.subarray(0, Math.min(k, svd.rank))).reduce((sum, s) => sum + s * s, 0);
      const mse = svds.reduce((sum, svd) => sum + (svd.frobeniusNormSquared - keptOf(svd)) / (svd.u.rows * svd.v.rows), 0) / 3;
      expect(metrics.mse).toBeCloseTo(mse, 6);
      expect(metrics.psnr).toBeCloseTo(10 * Math.log10((255 * 255) / mse), 9);
      const total = svds.reduce((sum, svd) => sum + svd.frobeniusNormSquared, 0);
      const kept = svds.reduce((sum, svd) => sum + keptOf(svd), 0);
      expect(metrics.energy).toBeCloseTo(kept / total, 12);
    }
    const csv = spectrumCsv(spectra, ['red', 'green', 'blue']).trim().split('\r\n');
    expect(csv[0]).toBe(
      'index,sigma_red,energy_red,cumulative_energy_red,sigma_green,energy_green,cumulative_energy_green,sigma_blue,energy_blue,cumulative_energy_blue',
    );
    expect(csv).toHaveLength(97);
    const last = csv[96].split(',');
    expect(Number(last[0])).toBe(96);
    expect(Number(last[1])).toBeCloseTo(svds[0].sigma[95], 3);
    const kept96 = Array.from(svds[0].sigma.subarray(0, 96)).reduce((sum, s) => sum + s * s, 0);
    expect(Number(last[3])).toBeCloseTo(kept96 / svds[0].frobeniusNormSquared, 8);
  });
});
