import { describe, expect, it } from 'vitest';
import {
  energyKept,
  mergeChannels,
  psnrFromMse,
  squaredErrorAtRank,
  reconstruct,
  splitChannels,
  squaredErrorCurve,
  truncatedSvd,
  PixelFormatError,
  withoutAlpha,
  withoutAlphaAndPlanes,
  atBitDepth,
  channelSamples,
  everyChannelSamples,
  reconstructFullResolution,
  createKernels,
  type TruncatedSvd,
} from '../../core/index.js';
import { loadReferenceMatrix, randomMatrix, referenceCase } from '../helpers/samples.js';

describe('splitChannels / mergeChannels', () => {
  it.each([1, 2, 3, 4] as const)('round-trips %i-channel 8-bit pixels exactly', (channels) => {
    const width = 5,
      height = 3;
    const pixels = new Uint8Array(width * height * channels).map((_, i) => (i * 37) % 256);
    const planes = splitChannels({ width, height, channels, bitDepth: 8, pixels });
    expect(planes).toHaveLength(channels);
    expect(planes[0]).toMatchObject({ rows: height, cols: width });
    expect(planes[channels - 1].data[width + 2]).toBe(pixels[(width + 2) * channels + channels - 1]);
    expect(
      mergeChannels(
        planes.map((p) => p.data),
        width,
        height,
        8,
      ),
    ).toEqual(pixels);
  });

  it('channelSamples writes into a given buffer of the right type and length, and refuses one that does not fit', () => {
    const image = { width: 3, height: 2, channels: 3 as const, bitDepth: 8 as const, pixels: new Uint8Array(18).map((_, i) => i * 5) };
    const into = new Uint8Array(6).fill(99);
    expect(channelSamples(image, 1, into)).toBe(into);
    expect(Array.from(into)).toEqual([5, 20, 35, 50, 65, 80]);
    expect(channelSamples(image, 1)).toEqual(into);
    expect(() => channelSamples(image, 1, new Uint8Array(5))).toThrow(PixelFormatError);
    expect(() => channelSamples(image, 1, new Uint16Array(6))).toThrow(/8-bit samples/);
    const deep = { width: 2, height: 1, channels: 1 as const, bitDepth: 16 as const, pixels: Uint16Array.of(300, 65535) };
    expect(Array.from(channelSamples(deep, 0, new Uint16Array(2)))).toEqual([300, 65535]);
  });

  it('channelSamples refuses pixels too few for the image, or of the wrong sample type, rather than read past them', () => {
    const short = { width: 3, height: 2, channels: 3 as const, bitDepth: 8 as const, pixels: new Uint8Array(17) };
    expect(() => channelSamples(short, 0)).toThrow(/needs 18 samples, got a Uint8Array of 17/);
    expect(() => channelSamples({ ...short, pixels: new Uint16Array(18) }, 0)).toThrow(PixelFormatError);
    expect(() => channelSamples({ ...short, bitDepth: 16 as const, pixels: new Uint8Array(18) }, 0)).toThrow(PixelFormatError);
  });

  it('channelSamples of 8-bit RGB and RGBA (read four pixels at a time) equals sample-by-sample indexing, for any count and alignment', () => {
    // Every byte value in every position, and counts that leave 0…3 pixels after the groups of four.
    for (const channels of [3, 4] as const) {
      for (const [width, height] of [
        [1, 1],
        [3, 1],
        [5, 3],
        [7, 9],
        [64, 33],
      ]) {
        const count = width * height;
        const backing = new Uint8Array(count * channels + 3).map((_, i) => (i * 97 + (i >> 8) * 13) & 0xff);
        // Offsets 0 (aligned) and 1 or 3 (not a multiple of 4: the byte-wise loop) into the same bytes.
        for (const offset of [0, 1, 3]) {
          const pixels = backing.subarray(offset, offset + count * channels);
          const image = { width, height, channels, bitDepth: 8 as const, pixels };
          for (let index = 0; index < channels; index++) {
            const expected = Array.from({ length: count }, (_, i) => pixels[i * channels + index]);
            expect(Array.from(channelSamples(image, index))).toEqual(expected);
            const into = new Uint8Array(count + 2).fill(7).subarray(1, 1 + count);
            expect(Array.from(channelSamples(image, index, into))).toEqual(expected);
            expect(into.buffer.byteLength === count + 2 && new Uint8Array(into.buffer)[0]).toBe(7);
            expect(new Uint8Array(into.buffer)[count + 1]).toBe(7);
          }
        }
      }
    }
  });

  it('everyChannelSamples (8-bit RGB in one pass, four pixels at a time) equals channelSamples of each channel, for any count and alignment', () => {
    // Up to 201 × 103: more than one chunk of groups of four pixels.
    for (const [width, height] of [
      [1, 1],
      [3, 1],
      [5, 3],
      [7, 9],
      [64, 33],
      [201, 103],
    ]) {
      const count = width * height;
      const backing = new Uint8Array(count * 3 + 3).map((_, i) => (i * 97 + (i >> 8) * 13) & 0xff);
      for (const offset of [0, 1, 3]) {
        const image = { width, height, channels: 3 as const, bitDepth: 8 as const, pixels: backing.subarray(offset, offset + count * 3) };
        const expected = [0, 1, 2].map((index) => Array.from(channelSamples(image, index)));
        expect(everyChannelSamples(image).map((plane) => Array.from(plane))).toEqual(expected);
      }
    }
    // Other images: channelSamples of each channel, 16-bit ones in their own type.
    const gray = { width: 3, height: 1, channels: 1 as const, bitDepth: 8 as const, pixels: Uint8Array.of(1, 2, 3) };
    expect(everyChannelSamples(gray).map((plane) => Array.from(plane))).toEqual([[1, 2, 3]]);
    const deep = { width: 1, height: 2, channels: 3 as const, bitDepth: 16 as const, pixels: Uint16Array.of(1, 300, 65535, 4, 5, 6) };
    expect(everyChannelSamples(deep).map((plane) => Array.from(plane))).toEqual([
      [1, 4],
      [300, 5],
      [65535, 6],
    ]);
    expect(() => everyChannelSamples({ ...gray, pixels: Uint8Array.of(1, 2) })).toThrow(PixelFormatError);
  });

  it('round-trips 16-bit RGB and keeps values above 255', () => {
    const pixels = Uint16Array.of(0, 256, 65535, 1000, 40000, 7);
    const planes = splitChannels({ width: 2, height: 1, channels: 3, bitDepth: 16, pixels });
    expect(Array.from(planes[2].data)).toEqual([65535, 7]);
    const merged = mergeChannels(
      planes.map((p) => p.data),
      2,
      1,
      16,
    );
    expect(merged).toBeInstanceOf(Uint16Array);
    expect(merged).toEqual(pixels);
  });

  it('rounds to nearest and clamps to the bit depth', () => {
    const plane = Float32Array.of(-3, 0.49, 0.5, 254.6, 300, NaN);
    expect(Array.from(mergeChannels([plane], 6, 1, 8))).toEqual([0, 0, 1, 255, 255, 0]);
    expect(Array.from(mergeChannels([Float32Array.of(70000, 1.5)], 2, 1, 16))).toEqual([65535, 2]);
  });

  it('withoutAlpha drops the last channel of gray+alpha and RGBA; atBitDepth widens 8 to 16 bits', () => {
    const rgba = { width: 2, height: 1, channels: 4 as const, bitDepth: 8 as const, pixels: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) };
    expect(withoutAlpha(rgba)).toMatchObject({ channels: 3, pixels: Uint8Array.of(1, 2, 3, 5, 6, 7) });
    const grayAlpha = { width: 2, height: 1, channels: 2 as const, bitDepth: 16 as const, pixels: Uint16Array.of(1000, 9, 2000, 9) };
    expect(withoutAlpha(grayAlpha)).toMatchObject({ channels: 1, pixels: Uint16Array.of(1000, 2000) });
    const rgb = { width: 1, height: 1, channels: 3 as const, bitDepth: 8 as const, pixels: Uint8Array.of(0, 128, 255) };
    expect(withoutAlpha(rgb)).toBe(rgb);
    expect(atBitDepth(rgb, 16)).toMatchObject({ bitDepth: 16, pixels: Uint16Array.of(0, 32896, 65535) });
    expect(atBitDepth(rgb, 8)).toBe(rgb);
  });

  /**
   * 8-bit RGBA images up to 201 × 103 (more than one chunk of groups of four pixels), their samples
   * (alpha of every value) at an aligned and an unaligned offset, with an array of `count` · 3
   * samples made `into` 0 or 1 bytes into a larger one (7 around it) for each.
   */
  function* rgbaCases() {
    for (const [width, height] of [
      [1, 1],
      [3, 1],
      [5, 3],
      [64, 33],
      [201, 103],
    ]) {
      const count = width * height;
      const backing = new Uint8Array(count * 4 + 3).map((_, i) => (i * 97 + (i >> 8) * 13) & 0xff);
      for (const offset of [0, 1]) {
        const image = { width, height, channels: 4 as const, bitDepth: 8 as const, pixels: backing.subarray(offset, offset + count * 4) };
        const made = (into: number) => new Uint8Array(count * 3 + 2).fill(7).subarray(into, into + count * 3);
        yield { label: `${width} × ${height} at ${offset}`, image, count, madeInto: made };
      }
    }
  }

  it("withoutAlpha packs 8-bit RGBA four pixels at a time: the plain loop's bytes for any count and alignment, into a given array", () => {
    for (const { label, image, count, madeInto } of rgbaCases()) {
      const expected = Array.from({ length: count * 3 }, (_, i) => image.pixels[Math.floor(i / 3) * 4 + (i % 3)]);
      expect(Array.from(withoutAlpha(image).pixels), label).toEqual(expected);
      for (const into of [0, 1]) {
        const made = madeInto(into);
        expect(withoutAlpha(image, () => made).pixels).toBe(made);
        expect(Array.from(made)).toEqual(expected);
        expect(new Uint8Array(made.buffer)[into + count * 3]).toBe(7);
      }
    }
    const rgba = { width: 2, height: 1, channels: 4 as const, bitDepth: 8 as const, pixels: new Uint8Array(8) };
    expect(() => withoutAlpha(rgba, () => new Uint8Array(5))).toThrow(/needs 6 8-bit samples, got a Uint8Array of 5/);
    expect(() => withoutAlpha(rgba, () => new Uint16Array(6))).toThrow(PixelFormatError);
  });

  it('withoutAlphaAndPlanes (8-bit RGBA in one pass) equals withoutAlpha and then everyChannelSamples, for any count, alignment and alpha', () => {
    // Alpha samples of every value: they are dropped, whatever they are.
    for (const { label, image, count, madeInto } of rgbaCases()) {
      const rgb = withoutAlpha(image);
      const expected = everyChannelSamples(rgb).map((plane) => Array.from(plane));
      for (const into of [0, 1]) {
        const made = madeInto(into);
        const both = withoutAlphaAndPlanes(image, () => made);
        expect(both.image.pixels, `${label} into ${into}`).toBe(made);
        expect(both.image).toMatchObject({ width: image.width, height: image.height, channels: 3, bitDepth: 8 });
        expect(Array.from(made)).toEqual(Array.from(rgb.pixels));
        expect(new Uint8Array(made.buffer)[into + count * 3]).toBe(7);
        expect(both.planes.map((plane) => Array.from(plane))).toEqual(expected);
      }
    }
    // Other images: the two passes (16-bit RGBA; RGB, whose planes are its channels).
    const deep = { width: 2, height: 1, channels: 4 as const, bitDepth: 16 as const, pixels: Uint16Array.of(1, 2, 3, 4, 5, 6, 7, 8) };
    expect(withoutAlphaAndPlanes(deep).planes.map((plane) => Array.from(plane))).toEqual([
      [1, 5],
      [2, 6],
      [3, 7],
    ]);
    const rgb = { width: 2, height: 1, channels: 3 as const, bitDepth: 8 as const, pixels: Uint8Array.of(1, 2, 3, 4, 5, 6) };
    expect(withoutAlphaAndPlanes(rgb).image).toBe(rgb);
    expect(() => withoutAlphaAndPlanes(deep, () => new Uint16Array(5))).toThrow(PixelFormatError);
  });

  it('rejects inconsistent images with a clear error', () => {
    expect(() => splitChannels({ width: 2, height: 2, channels: 3, bitDepth: 8, pixels: new Uint8Array(11) })).toThrow(PixelFormatError);
    expect(() => splitChannels({ width: 2, height: 2, channels: 3, bitDepth: 16, pixels: new Uint8Array(12) })).toThrow(/Uint16Array/);
    expect(() => splitChannels({ width: 0, height: 2, channels: 1, bitDepth: 8, pixels: new Uint8Array(0) })).toThrow(/at least 1 × 1/);
  });
});

/** Naive float64 rank-k reconstruction of one pixel. */
function pixel(svd: TruncatedSvd, k: number, r: number, c: number): number {
  let sum = 0;
  for (let i = 0; i < k; i++) sum += svd.sigma[i] * svd.u.data[r * svd.rank + i] * svd.v.data[c * svd.rank + i];
  return sum;
}

describe('reconstruct', async () => {
  const a = await loadReferenceMatrix(referenceCase('astronaut-green'));
  const svd = await truncatedSvd(a, { rank: 40 });

  it('full resolution equals the sum of rank-one terms', () => {
    const full = reconstruct(svd, 25);
    expect(full.length).toBe(a.rows * a.cols);
    for (const [r, c] of [
      [0, 0],
      [100, 300],
      [511, 511],
      [256, 7],
    ])
      expect(full[r * a.cols + c]).toBeCloseTo(pixel(svd, 25, r, c), 2);
  });

  it.each(['simd', 'plain'] as const)('reconstructFullResolution (%s kernels) equals the loop', async (kind) => {
    const expected = reconstruct(svd, 33);
    const fast = await reconstructFullResolution(svd, 33, await createKernels(kind));
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(fast[i] - expected[i]));
    expect(worst).toBeLessThan(1e-3); // float32 sums of 33 terms of pixel-sized values
    expect(await reconstructFullResolution(svd, 0)).toEqual(new Float32Array(a.rows * a.cols));
  });

  it.each(['simd', 'plain'] as const)('reconstructFullResolution (%s kernels) equals the loop over several bands of rows', async (kind) => {
    // 4200 × 256 factors of rank 40: the product is made 4096 rows at a time (a 1 M-value band), then 104.
    const rows = 4200;
    const cols = 256;
    const rank = 40;
    const tall: TruncatedSvd = {
      u: randomMatrix(rows, rank, 11),
      sigma: Float64Array.from({ length: rank }, (_, i) => 10 / (i + 1)),
      v: randomMatrix(cols, rank, 12),
      rank,
      frobeniusNormSquared: 0,
    };
    const expected = reconstruct(tall, 37);
    const fast = await reconstructFullResolution(tall, 37, await createKernels(kind));
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(fast[i] - expected[i]));
    expect(worst).toBeLessThan(1e-4); // float32 sums of 37 terms of size ≤ 10
    expect(fast.length).toBe(rows * cols);
  });

  it('a region is the same pixels as the full reconstruction', () => {
    const full = reconstruct(svd, 30);
    const region = { x: 100, y: 37, width: 64, height: 50 };
    const part = reconstruct(svd, 30, { region });
    for (let r = 0; r < region.height; r++)
      for (let c = 0; c < region.width; c++) {
        expect(part[r * region.width + c]).toBeCloseTo(full[(region.y + r) * a.cols + region.x + c], 3);
      }
  });

  it.each([
    ['an integer factor', { x: 0, y: 0, width: 512, height: 512 }, 128, 64],
    ['a fractional factor in a region', { x: 13, y: 29, width: 301, height: 207 }, 97, 61],
  ])(
    'box-filtered through averaged factors equals box-filtering the full reconstruction (%s)',
    (_name, region, targetWidth, targetHeight) => {
      const full = reconstruct(svd, 40);
      const small = reconstruct(svd, 40, { region, targetWidth, targetHeight });
      // Independent area-weighted box filter of the full reconstruction.
      const sx = region.width / targetWidth;
      const sy = region.height / targetHeight;
      let worst = 0;
      for (let tr = 0; tr < targetHeight; tr += 7)
        for (let tc = 0; tc < targetWidth; tc += 5) {
          let sum = 0;
          let area = 0;
          for (let r = Math.floor(tr * sy); r < Math.ceil((tr + 1) * sy); r++) {
            const wy = Math.min((tr + 1) * sy, r + 1) - Math.max(tr * sy, r);
            for (let c = Math.floor(tc * sx); c < Math.ceil((tc + 1) * sx); c++) {
              const wx = Math.min((tc + 1) * sx, c + 1) - Math.max(tc * sx, c);
              if (wx <= 0 || wy <= 0) continue;
              sum += wx * wy * full[(region.y + r) * a.cols + region.x + c];
              area += wx * wy;
            }
          }
          worst = Math.max(worst, Math.abs(small[tr * targetWidth + tc] - sum / area));
        }
      expect(worst).toBeLessThan(1e-3);
    },
  );

  it('rank 0 is black and k above the rank is clamped', () => {
    expect(reconstruct(svd, 0, { targetWidth: 8, targetHeight: 8 }).every((v) => v === 0)).toBe(true);
    expect(reconstruct(svd, 1000, { targetWidth: 16, targetHeight: 16 })).toEqual(
      reconstruct(svd, 40, { targetWidth: 16, targetHeight: 16 }),
    );
  });

  it('rejects regions outside the channel and upscaling', () => {
    expect(() => reconstruct(svd, 5, { region: { x: 500, y: 0, width: 20, height: 10 } })).toThrow(/not inside/);
    expect(() => reconstruct(svd, 5, { region: { x: 0, y: 0, width: 10, height: 10 }, targetWidth: 20, targetHeight: 10 })).toThrow(
      /target size/,
    );
  });
});

describe('error from the spectrum', () => {
  it('is monotone, exact at k = 0, and PSNR rises with k', async () => {
    const a = randomMatrix(120, 90, 3);
    const svd = await truncatedSvd(a, { rank: 30 });
    const curve = squaredErrorCurve(svd);
    expect(curve[0]).toBe(svd.frobeniusNormSquared);
    for (let k = 1; k < curve.length; k++) expect(curve[k]).toBeLessThanOrEqual(curve[k - 1]);
    expect(energyKept([svd], 0)).toBe(0);
    expect(energyKept([svd], 30)).toBeGreaterThan(energyKept([svd], 10));
    const mse10 = squaredErrorAtRank(svd, 10) / (120 * 90);
    expect(mse10).toBeCloseTo(curve[10] / (120 * 90), 10);
    expect(psnrFromMse(squaredErrorAtRank(svd, 20) / (120 * 90), 255)!).toBeGreaterThan(psnrFromMse(mse10, 255)!);
    expect(psnrFromMse(0, 255)).toBeNull();
    expect(psnrFromMse(1, 255)).toBeCloseTo(48.1308, 4);
  });

  it('energy kept over several channels weighs each by its ‖A‖², with one rank or one per channel', () => {
    const spectrum = (sigma: number[], frobeniusNormSquared: number) => ({
      rank: sigma.length,
      sigma: Float64Array.from(sigma),
      frobeniusNormSquared,
    });
    const a = spectrum([3, 1], 10); // 9 + 1 of 10
    const b = spectrum([4], 20); // 16 of 20
    expect(energyKept([a, b], 1)).toBeCloseTo((9 + 16) / 30, 14);
    expect(energyKept([a, b], [2, 0])).toBeCloseTo(10 / 30, 14);
    expect(energyKept([a, b], [9, 9])).toBeCloseTo(26 / 30, 14);
    expect(energyKept([spectrum([], 0)], 5)).toBe(1);
  });
});
