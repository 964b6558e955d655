import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { PixelImage } from '../../core/image/channels.js';
import { computeMetrics, meanSquaredError, MetricsError, psnrFromMse, type ImageMetrics } from '../../core/metrics/index.js';
import { samplesDir } from '../helpers/samples.js';

// Tolerances against scikit-image 0.19 (test/fixtures/metrics-reference.json, written by
// test/fixtures/make-metrics-fixtures.py): SSIM within 0.002 and PSNR within 0.01 dB, per channel and
// overall. Both sides compute in float64 from the same integer pixels, so the measured
// differences are at rounding level (~1e-13); the tolerances only leave room for a different
// summation order. MSE comes from integer differences and must agree to 1e-9 relative.
const SSIM_TOLERANCE = 0.002;
const PSNR_TOLERANCE_DB = 0.01;

type Step =
  | { op: 'noise'; amplitude: number; seed: number; channels?: number[] }
  | { op: 'blur'; radius: number; channels?: number[] }
  | { op: 'quantize'; shift: number; channels?: number[] }
  | { op: 'offset'; delta: number; channels?: number[] }
  | { op: 'widen16' };

interface MetricsCase {
  name: string;
  reference: { file: string; crop: { top: number; left: number; height: number; width: number } | null; channels: 1 | 3 | 4 };
  sha256: string;
  width: number;
  height: number;
  bitDepth: 8 | 16;
  referenceSteps: Step[];
  steps: Step[];
  expected: {
    mse: number;
    psnr: number | null;
    ssim: number;
    perChannel: { mse: number; psnr: number | null; ssim: number }[];
    alpha?: { mse: number; psnr: number | null };
  };
}

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/metrics-reference.json', import.meta.url)), 'utf8')) as {
  cases: MetricsCase[];
};

/** Decodes the case's sample with sharp, crops it, keeps its channels and checks the fixture's SHA-256. */
async function loadReference(c: MetricsCase): Promise<PixelImage> {
  const { data, info } = await sharp(samplesDir + c.reference.file)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { top, left, height, width } = c.reference.crop ?? { top: 0, left: 0, height: info.height, width: info.width };
  const channels = c.reference.channels;
  // sharp hands a grayscale JPEG back as three equal channels: channel 0 is the gray sample.
  if (info.channels < channels) throw new Error(`${c.name}: sharp decoded ${info.channels} channels, need ${channels}`);
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = ((top + y) * info.width + left + x) * info.channels;
      for (let ch = 0; ch < channels; ch++) pixels[(y * width + x) * channels + ch] = data[from + ch];
    }
  }
  const sha = createHash('sha256').update(pixels).digest('hex');
  if (sha !== c.sha256) throw new Error(`${c.name}: sharp decoded different pixels than the fixture generator (SHA-256 ${sha})`);
  return { width, height, channels, bitDepth: 8, pixels };
}

/** Same 32-bit LCG as the generator: one draw per sample, value in [-amplitude, amplitude]. */
function lcgNoise(count: number, amplitude: number, seed: number): Int32Array {
  const noise = new Int32Array(count);
  const span = 2 * amplitude + 1;
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    noise[i] = ((state >>> 8) % span) - amplitude;
  }
  return noise;
}

/** Box blur of one channel, edges replicated, rounded as (sum + ⌊n/2⌋) div n. */
function boxBlurChannel(source: PixelImage, out: Uint8Array | Uint16Array, channel: number, radius: number): void {
  const { width, height, channels, pixels } = source;
  const n = (2 * radius + 1) ** 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = -radius; dy <= radius; dy++) {
        const yy = Math.min(height - 1, Math.max(0, y + dy));
        for (let dx = -radius; dx <= radius; dx++) {
          const xx = Math.min(width - 1, Math.max(0, x + dx));
          sum += pixels[(yy * width + xx) * channels + channel];
        }
      }
      out[(y * width + x) * channels + channel] = Math.floor((sum + Math.floor(n / 2)) / n);
    }
  }
}

/** Applies the generator's integer distortion steps; returns a new image. */
function applySteps(image: PixelImage, steps: readonly Step[]): PixelImage {
  let current = image;
  for (const step of steps) {
    if (step.op === 'widen16') {
      current = { ...current, bitDepth: 16, pixels: Uint16Array.from(current.pixels, (v) => v * 257) };
      continue;
    }
    const { channels } = current;
    const peak = current.bitDepth === 16 ? 65535 : 255;
    const touched = Array.from({ length: channels }, (_, ch) => step.channels?.includes(ch) ?? true);
    const source = current.pixels;
    const out = source.slice();
    const clamp = (v: number) => Math.min(peak, Math.max(0, v));
    if (step.op === 'blur') {
      for (let ch = 0; ch < channels; ch++) if (touched[ch]) boxBlurChannel(current, out, ch, step.radius);
    } else {
      const noise = step.op === 'noise' ? lcgNoise(source.length, step.amplitude, step.seed) : null;
      for (let i = 0; i < source.length; i++) {
        if (!touched[i % channels]) continue;
        const v = source[i];
        if (step.op === 'noise') out[i] = clamp(v + noise![i]);
        else if (step.op === 'quantize') out[i] = (v >> step.shift) << step.shift;
        else out[i] = clamp(v + step.delta);
      }
    }
    current = { ...current, pixels: out };
  }
  return current;
}

/** SHA-256 of the pixel bytes (comparing 800k-element arrays with toEqual is slow). */
function digest(image: PixelImage): string {
  return createHash('sha256')
    .update(new Uint8Array(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength))
    .digest('hex');
}

async function loadPair(c: MetricsCase): Promise<{ reference: PixelImage; candidate: PixelImage }> {
  const reference = applySteps(await loadReference(c), c.referenceSteps);
  return { reference, candidate: applySteps(reference, c.steps) };
}

/** Deterministic smooth-ish RGB test image with texture (no sample file needed). */
function syntheticImage(width: number, height: number, channels: 1 | 2 | 3 | 4 = 3, bitDepth: 8 | 16 = 8): PixelImage {
  const peak = bitDepth === 16 ? 65535 : 255;
  const pixels = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const v = 0.5 + 0.3 * Math.sin((x + 3 * c) / 7) * Math.cos(y / 11) + 0.15 * Math.sin((x * y) / 50 + c);
        pixels[(y * width + x) * channels + c] = Math.round(Math.min(1, Math.max(0, v)) * peak);
      }
    }
  }
  return { width, height, channels, bitDepth, pixels };
}

function withNoise(image: PixelImage, amplitude: number, seed = 11): PixelImage {
  return applySteps(image, [{ op: 'noise', amplitude, seed }]);
}

function expectClosePsnr(actual: number | null, expected: number | null): void {
  if (expected === null) expect(actual).toBeNull();
  else expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(PSNR_TOLERANCE_DB);
}

describe('computeMetrics against scikit-image', () => {
  const worst = { ssim: 0, psnr: 0 };

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { reference, candidate } = await loadPair(c);
    const before = [digest(reference), digest(candidate)];
    const metrics: ImageMetrics = computeMetrics(reference, candidate);

    expect([digest(reference), digest(candidate)]).toEqual(before); // does not modify its inputs
    expect(metrics.peak).toBe(c.bitDepth === 16 ? 65535 : 255);
    expect(metrics.perChannel).toHaveLength(c.expected.perChannel.length);
    c.expected.perChannel.forEach((expected, ch) => {
      const actual = metrics.perChannel[ch];
      expect(actual.mse).toBeCloseTo(expected.mse, 9);
      expectClosePsnr(actual.psnr, expected.psnr);
      expect(Math.abs(actual.ssim - expected.ssim)).toBeLessThanOrEqual(SSIM_TOLERANCE);
      worst.ssim = Math.max(worst.ssim, Math.abs(actual.ssim - expected.ssim));
      if (expected.psnr !== null) worst.psnr = Math.max(worst.psnr, Math.abs(actual.psnr! - expected.psnr));
    });
    expect(metrics.mse).toBeCloseTo(c.expected.mse, 9);
    expectClosePsnr(metrics.psnr, c.expected.psnr);
    expect(Math.abs(metrics.ssim - c.expected.ssim)).toBeLessThanOrEqual(SSIM_TOLERANCE);
    worst.ssim = Math.max(worst.ssim, Math.abs(metrics.ssim - c.expected.ssim));
    if (c.expected.psnr !== null) worst.psnr = Math.max(worst.psnr, Math.abs(metrics.psnr! - c.expected.psnr));

    if (c.expected.alpha) {
      expect(metrics.alpha).toBeDefined();
      expect(metrics.alpha!.mse).toBeCloseTo(c.expected.alpha.mse, 9);
      expectClosePsnr(metrics.alpha!.psnr, c.expected.alpha.psnr);
    } else {
      expect(metrics.alpha).toBeUndefined();
    }
  });

  it('reports the worst differences seen', () => {
    console.log(`metrics vs scikit-image: max |Δssim| = ${worst.ssim.toExponential(2)}, max |Δpsnr| = ${worst.psnr.toExponential(2)} dB`);
    expect(worst.ssim).toBeLessThanOrEqual(SSIM_TOLERANCE);
  });
});

describe('computeMetrics invariants', () => {
  it('identical images: mse 0, psnr null, ssim 1', () => {
    for (const channels of [1, 2, 3, 4] as const) {
      const image = syntheticImage(40, 30, channels);
      const metrics = computeMetrics(image, { ...image, pixels: image.pixels.slice() });
      expect(metrics.mse).toBe(0);
      expect(metrics.psnr).toBeNull();
      expect(metrics.ssim).toBeCloseTo(1, 12);
      expect(metrics.perChannel).toHaveLength(channels <= 2 ? 1 : 3);
      if (channels === 2 || channels === 4) expect(metrics.alpha).toEqual({ mse: 0, psnr: null });
      else expect(metrics.alpha).toBeUndefined();
    }
  });

  it('is symmetric in its two images', () => {
    const a = syntheticImage(64, 48);
    const b = withNoise(a, 20);
    const ab = computeMetrics(a, b);
    const ba = computeMetrics(b, a);
    expect(ba.mse).toBe(ab.mse);
    expect(ba.psnr).toBe(ab.psnr);
    expect(ba.ssim).toBeCloseTo(ab.ssim, 12);
  });

  it('SSIM falls and MSE rises as the noise grows', () => {
    const image = syntheticImage(96, 80);
    const results = [2, 8, 32, 96].map((amplitude) => computeMetrics(image, withNoise(image, amplitude)));
    for (let i = 1; i < results.length; i++) {
      expect(results[i].ssim).toBeLessThan(results[i - 1].ssim);
      expect(results[i].mse).toBeGreaterThan(results[i - 1].mse);
      expect(results[i].psnr!).toBeLessThan(results[i - 1].psnr!);
    }
    expect(results[0].ssim).toBeLessThan(1);
    expect(results[3].ssim).toBeGreaterThan(-1);
  });

  it('16-bit images use peak 65535', () => {
    const image = syntheticImage(32, 32, 3, 16);
    const metrics = computeMetrics(image, withNoise(image, 500));
    expect(metrics.peak).toBe(65535);
    expect(metrics.psnr).toBeCloseTo(psnrFromMse(metrics.mse, 65535)!, 12);
  });

  it('alpha is measured separately and does not enter the colour metrics', () => {
    const image = syntheticImage(30, 30, 4);
    const alphaOnly = applySteps(image, [{ op: 'noise', amplitude: 40, seed: 3, channels: [3] }]);
    const metrics = computeMetrics(image, alphaOnly);
    expect(metrics.mse).toBe(0);
    expect(metrics.ssim).toBeCloseTo(1, 12);
    expect(metrics.alpha!.mse).toBeGreaterThan(0);
    expect(metrics.alpha!.psnr).toBeCloseTo(psnrFromMse(meanSquaredError(image, alphaOnly, 3), 255)!, 12);
  });

  it('colorChannels can treat every channel as colour', () => {
    const image = syntheticImage(24, 24, 4);
    const noisy = withNoise(image, 10);
    const metrics = computeMetrics(image, noisy, { colorChannels: 4 });
    expect(metrics.perChannel).toHaveLength(4);
    expect(metrics.alpha).toBeUndefined();
    expect(() => computeMetrics(image, noisy, { colorChannels: 2 })).toThrow(MetricsError);
    expect(() => computeMetrics(image, noisy, { colorChannels: 0 })).toThrow(MetricsError);
  });

  it('images smaller than the 11 × 11 window still get an SSIM (uncropped, reflected borders)', () => {
    for (const [width, height] of [
      [1, 1],
      [3, 20],
      [20, 5],
      [10, 10],
    ]) {
      const image = syntheticImage(width, height);
      expect(computeMetrics(image, image).ssim).toBeCloseTo(1, 12);
      const ssim = computeMetrics(image, withNoise(image, 30)).ssim;
      expect(Number.isFinite(ssim)).toBe(true);
      expect(ssim).toBeLessThan(1);
    }
  });

  it('meanSquaredError and psnrFromMse', () => {
    const a: PixelImage = { width: 2, height: 1, channels: 3, bitDepth: 8, pixels: Uint8Array.of(0, 0, 0, 10, 10, 10) };
    const b: PixelImage = { ...a, pixels: Uint8Array.of(2, 0, 0, 10, 10, 14) };
    expect(meanSquaredError(a, b, 0)).toBe(2); // (4 + 0) / 2
    expect(meanSquaredError(a, b, 2)).toBe(8); // (0 + 16) / 2
    expect(meanSquaredError(a, b)).toBeCloseTo(10 / 3, 12);
    expect(psnrFromMse(0, 255)).toBeNull();
    expect(psnrFromMse(255 * 255, 255)).toBe(0);
    expect(psnrFromMse(1, 255)).toBeCloseTo(48.1308036, 6);
    expect(() => meanSquaredError(a, b, 3)).toThrow(MetricsError);
  });

  it('rejects mismatched sizes, channel counts, bit depths and malformed images', () => {
    const rgb = syntheticImage(16, 12);
    expect(() => computeMetrics(rgb, syntheticImage(12, 16))).toThrow(/sizes differ/);
    expect(() => computeMetrics(rgb, syntheticImage(16, 13))).toThrow(MetricsError);
    expect(() => computeMetrics(rgb, syntheticImage(16, 12, 4))).toThrow(/Channel counts differ/);
    expect(() => computeMetrics(rgb, syntheticImage(16, 12, 3, 16))).toThrow(/Bit depths differ/);
    expect(() => computeMetrics(rgb, { ...rgb, pixels: rgb.pixels.subarray(1) })).toThrow(MetricsError);
  });
});
