/**
 * The equal-bytes search (renderer/src/workers/analysis/equal-bytes.ts) with a stand-in codec
 * whose file size is a known, increasing function of the quality and roughly proportional to the
 * area (as JPEG's is): the answer is the highest quality within the target and the next one is
 * over it; a large photo gets a coarse answer from the probe first, after few full-size encodes;
 * qualities already measured are not encoded again; the probe is an even sample of the photo.
 */
import { describe, expect, it } from 'vitest';
import type { PixelImage } from '../../core/index.js';
import {
  EqualBytes,
  mosaic,
  type CodecPoint,
  type EqualBytesResult,
  type LossyCodec,
} from '../../renderer/src/workers/analysis/equal-bytes.js';

/** Bytes per pixel at quality q: smooth, increasing; the file holds the quality in its first byte. */
const bitsPerPixel = (quality: number) => 0.1 + 0.04 * quality + 0.0004 * quality * quality;

function standIn(log: { format: string; quality: number; pixels: number }[]): LossyCodec {
  return {
    async encode(image, format, quality) {
      log.push({ format, quality, pixels: image.width * image.height });
      const bytes = new Uint8Array(Math.max(2, Math.round((bitsPerPixel(quality) * image.width * image.height) / 8)));
      bytes[0] = quality;
      bytes[1] = format === 'jpeg' ? 1 : 2;
      return bytes;
    },
    async decode(bytes) {
      // The decoded file: the original with an error that shrinks with the quality.
      const quality = bytes[0];
      const pixels = new Uint8Array(image.pixels.length);
      for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(255, image.pixels[i] + (i % 7 < 3 ? Math.round(40 / quality) : 0));
      return { ...image, pixels };
    },
  };
}

let image: PixelImage;

function photo(width: number, height: number): PixelImage {
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 251;
  return { width, height, channels: 3, bitDepth: 8, pixels };
}

describe('equal-bytes search', () => {
  it('finds the highest quality within the target, bracketed by the next one (small photo: no probe)', async () => {
    image = photo(300, 200);
    const log: { format: string; quality: number; pixels: number }[] = [];
    const search = new EqualBytes(image);
    const target = Math.round((bitsPerPixel(57.5) * 300 * 200) / 8);
    const answers: EqualBytesResult[] = [];
    const result = await search.search(standIn(log), 'jpeg', target, [], (answer) => answers.push(answer));
    expect(result.best!.quality).toBe(57);
    expect(result.best!.fileBytes).toBeLessThanOrEqual(target);
    expect(result.next!.quality).toBe(58);
    expect(result.next!.fileBytes).toBeGreaterThan(target);
    expect(result.coarse).toBe(false);
    expect(result.best!.psnr).toBeGreaterThan(20);
    expect(result.best!.ssim).toBeGreaterThan(0);
    expect(answers.every((answer) => !answer.coarse)).toBe(true);
    // Every encode at full size (no probe); a bisection's worth.
    expect(log.every((entry) => entry.pixels === 300 * 200)).toBe(true);
    expect(log.length).toBeLessThanOrEqual(12);
  });

  it('a large photo: a coarse answer from the probe after one full-size encode, then the exact one', async () => {
    image = photo(2400, 1600);
    const log: { format: string; quality: number; pixels: number }[] = [];
    const search = new EqualBytes(image);
    const target = Math.round((bitsPerPixel(41.3) * 2400 * 1600) / 8);
    const answers: { result: EqualBytesResult; fullEncodes: number }[] = [];
    const result = await search.search(standIn(log), 'webp', target, [], (answer) =>
      answers.push({ result: answer, fullEncodes: log.filter((entry) => entry.pixels === 2400 * 1600).length }),
    );
    expect(answers[0].result.coarse).toBe(true);
    expect(answers[0].fullEncodes).toBe(1);
    // The probe's bytes scale with the area, so its guess is (nearly) right.
    expect(Math.abs(answers[0].result.best!.quality - 41)).toBeLessThanOrEqual(1);
    expect(result.best!.quality).toBe(41);
    expect(result.next!.quality).toBe(42);
    expect(answers.at(-1)!.result.coarse).toBe(false);
    expect(log.filter((entry) => entry.pixels === 2400 * 1600).length).toBeLessThanOrEqual(4);
  });

  it('qualities already measured are not encoded again; a target below quality 1 gives the smallest file', async () => {
    image = photo(300, 200);
    const log: { format: string; quality: number; pixels: number }[] = [];
    const first = new EqualBytes(image);
    const points: CodecPoint[] = [];
    const target = Math.round((bitsPerPixel(70.2) * 300 * 200) / 8);
    await first.search(standIn(log), 'jpeg', target, [], (_answer, seen) => points.splice(0, points.length, ...seen));
    const again: typeof log = [];
    const second = new EqualBytes(image);
    const result = await second.search(standIn(again), 'jpeg', target, points, () => {});
    expect(result.best!.quality).toBe(70);
    // Only the answer is encoded again (to measure it).
    expect(again.length).toBeLessThanOrEqual(1);
    const tiny = await second.search(standIn(again), 'jpeg', 10, points, () => {});
    expect(tiny.best).toBeNull();
    expect(tiny.smallest!.quality).toBe(1);
  });

  it('the probe is an even sample of tiles, about half a megapixel, scaled by the area ratio', () => {
    image = photo(4272, 2848);
    const probe = mosaic(image);
    expect(probe.image.width % 64).toBe(0);
    expect(probe.image.height % 64).toBe(0);
    const pixels = probe.image.width * probe.image.height;
    expect(pixels).toBeGreaterThan(400_000);
    expect(pixels).toBeLessThan(700_000);
    expect(probe.scale).toBeCloseTo((4272 * 2848) / pixels, 9);
    // Its first tile is the image's pixels at the first grid position.
    const columns = probe.image.width / 64;
    const left = Math.max(0, Math.min(4272 - 64, Math.floor((0.5 * 4272) / columns - 32)));
    const rows = probe.image.height / 64;
    const top = Math.max(0, Math.min(2848 - 64, Math.floor((0.5 * 2848) / rows - 32)));
    expect(probe.image.pixels[0]).toBe(image.pixels[(top * 4272 + left) * 3]);
  });
});
