/**
 * EXIF orientation: the tag reader on the samples, on files sharp writes and on garbage, and
 * applyOrientation against sharp's own auto-orientation as the independent reference.
 */
import { readFileSync, readdirSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyOrientation, readExifOrientation, type PixelImage } from '../../core/index.js';
import { samplesDir } from '../helpers/samples.js';

const ORIENTED_SAMPLE = 'dogs_exif_orientation6_3088x2048.jpg';
const sampleNames = readdirSync(samplesDir).filter((name) => /\.(jpe?g|png|webp)$/i.test(name));

/** Deterministic bytes for fuzzing. */
function seededBytes(length: number, seed: number): Uint8Array {
  let state = seed >>> 0;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** A small test picture with distinct samples everywhere, so any misplaced pixel shows. */
function testPixels(width: number, height: number, channels: number, sixteen: boolean): Buffer {
  const count = width * height * channels;
  if (!sixteen) return Buffer.from(Uint8Array.from({ length: count }, (_, i) => (i * 97 + (i >> 3)) % 256));
  const samples = Uint16Array.from({ length: count }, (_, i) => (i * 40503 + 12345) % 65536);
  return Buffer.from(samples.buffer);
}

/** sharp's raw output as a PixelImage (16-bit samples in platform order, as sharp writes them). */
async function rawImage(pipeline: Sharp, sixteen: boolean): Promise<PixelImage> {
  const { data, info } = await pipeline.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  const bytes = new Uint8Array(data); // a plain copy owning its buffer (not a Buffer view)
  return {
    width: info.width,
    height: info.height,
    channels: info.channels as PixelImage['channels'],
    bitDepth: sixteen ? 16 : 8,
    pixels: sixteen ? new Uint16Array(bytes.buffer) : bytes,
  };
}

describe('readExifOrientation', () => {
  it('reads Orientation 6 from the rotated sample photo', () => {
    expect(readExifOrientation(readFileSync(samplesDir + ORIENTED_SAMPLE))).toBe(6);
  });

  it.each(sampleNames.filter((name) => name !== ORIENTED_SAMPLE))('gives 1 for %s (no Orientation tag)', (name) => {
    expect(readExifOrientation(readFileSync(samplesDir + name))).toBe(1);
  });

  it.each(['jpeg', 'png', 'webp'] as const)('reads every value 1…8 from %s files written by sharp', async (format) => {
    const raw = testPixels(6, 4, 3, false);
    for (let orientation = 1; orientation <= 8; orientation++) {
      const tagged = sharp(raw, { raw: { width: 6, height: 4, channels: 3 } }).withMetadata({ orientation });
      const file = await tagged[format]().toBuffer();
      expect((await sharp(file).metadata()).orientation).toBe(orientation); // sharp wrote it
      expect(readExifOrientation(new Uint8Array(file))).toBe(orientation);
    }
  });

  it('reads big-endian (MM) TIFF headers', () => {
    // SOI, APP1 "Exif\0\0" MM 42 → IFD0 at 8 with one entry: 0x0112 SHORT ×1 = 8, then SOS.
    const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];
    const app1 = [0xff, 0xe1, 0, 2 + 6 + tiff.length, ...'Exif\0\0'.split('').map((c) => c.charCodeAt(0)), ...tiff];
    expect(readExifOrientation(Uint8Array.from([0xff, 0xd8, ...app1, 0xff, 0xda, 0, 2]))).toBe(8);
  });

  it('gives 1 and never throws on garbage, truncations and corrupted headers', () => {
    expect(readExifOrientation(new Uint8Array(0))).toBe(1);
    expect(readExifOrientation(Uint8Array.of(0xff, 0xd8, 0xff))).toBe(1);
    for (let seed = 1; seed <= 200; seed++) {
      const bytes = seededBytes(seed * 7, seed);
      expect(readExifOrientation(bytes)).toBe(1);
      // Garbage behind a real signature: the walkers must stay in range.
      for (const signature of [
        [0xff, 0xd8, 0xff, 0xe1],
        [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
        [0x52, 0x49, 0x46, 0x46, 1, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
      ]) {
        const value = readExifOrientation(Uint8Array.from([...signature, ...bytes]));
        expect(value >= 1 && value <= 8).toBe(true);
      }
    }
    // Every truncation of the oriented photo's header, and single-byte corruptions of it.
    const head = readFileSync(samplesDir + ORIENTED_SAMPLE).subarray(0, 4096);
    let sixes = 0;
    for (let length = 0; length <= head.length; length += 3) {
      const value = readExifOrientation(head.subarray(0, length));
      expect(value === 1 || value === 6).toBe(true);
      if (value === 6) sixes++;
    }
    expect(sixes).toBeGreaterThan(0); // the tag is read once the bytes up to its segment's end are there
    for (let i = 0; i < 400; i++) {
      const corrupt = Uint8Array.from(head);
      corrupt[(i * 7919) % 600] ^= 1 << (i % 8);
      const value = readExifOrientation(corrupt);
      expect(Number.isInteger(value) && value >= 1 && value <= 8).toBe(true);
    }
  });
});

describe('applyOrientation', () => {
  /** A PNG with the given orientation, decoded unrotated → applyOrientation, against sharp's autoOrient. */
  async function compareWithSharp(width: number, height: number, channels: 1 | 3 | 4, sixteen: boolean, orientation: number) {
    const raw = testPixels(width, height, channels, sixteen);
    let input = sharp(raw, { raw: { width, height, channels, ...(sixteen ? { depth: 'ushort' as const } : {}) } });
    if (sixteen) input = input.toColourspace(channels === 1 ? 'grey16' : 'rgb16');
    else if (channels === 1) input = input.toColourspace('b-w');
    const png = await input.withMetadata({ orientation }).png().toBuffer();
    // ignoreIcc: withMetadata attaches a profile; both decodes see the same stored samples.
    const colourspace = sixteen ? (channels === 1 ? 'grey16' : 'rgb16') : channels === 1 ? 'b-w' : 'srgb';
    const stored = await rawImage(sharp(png, { ignoreIcc: true }).toColourspace(colourspace), sixteen);
    const upright = await rawImage(sharp(png, { ignoreIcc: true }).autoOrient().toColourspace(colourspace), sixteen);
    expect(stored.channels).toBe(channels);
    expect(readExifOrientation(new Uint8Array(png))).toBe(orientation);
    const ours = applyOrientation(stored, orientation);
    expect([ours.width, ours.height]).toEqual([upright.width, upright.height]);
    expect(ours.pixels).toEqual(upright.pixels);
    return ours;
  }

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('matches sharp for orientation %i (8-bit RGB)', async (orientation) => {
    const ours = await compareWithSharp(7, 4, 3, false, orientation);
    expect([ours.width, ours.height]).toEqual(orientation >= 5 ? [4, 7] : [7, 4]);
  });

  it.each([2, 5, 6, 8])('matches sharp for orientation %i with RGBA', async (orientation) => {
    await compareWithSharp(5, 3, 4, false, orientation);
  });

  it.each([3, 6, 7])('matches sharp for orientation %i with 16-bit RGB', async (orientation) => {
    await compareWithSharp(6, 5, 3, true, orientation);
  });

  it.each([4, 5, 8])('matches sharp for orientation %i with one 8-bit channel', async (orientation) => {
    await compareWithSharp(9, 2, 1, false, orientation);
  });

  it('matches sharp for orientation 7 with one 16-bit channel', async () => {
    await compareWithSharp(3, 8, 1, true, 7);
  });

  it('turns the sample photo upright exactly as sharp does', async () => {
    const file = samplesDir + ORIENTED_SAMPLE;
    const stored = await rawImage(sharp(file), false);
    const upright = await rawImage(sharp(file).autoOrient(), false);
    const ours = applyOrientation(stored, readExifOrientation(readFileSync(file)));
    expect([ours.width, ours.height]).toEqual([2048, 3088]);
    expect(Buffer.from(ours.pixels.buffer).equals(Buffer.from(upright.pixels.buffer))).toBe(true);
  });

  it('returns the input itself for orientation 1 and values outside 1…8, and keeps gray + alpha pairs together', () => {
    const image: PixelImage = { width: 2, height: 1, channels: 2, bitDepth: 8, pixels: Uint8Array.of(10, 11, 20, 21) };
    for (const orientation of [1, 0, 9, -3, 2.5, NaN]) expect(applyOrientation(image, orientation)).toBe(image);
    expect(applyOrientation(image, 2).pixels).toEqual(Uint8Array.of(20, 21, 10, 11));
    const turned = applyOrientation(image, 6);
    expect([turned.width, turned.height]).toEqual([1, 2]);
    expect(turned.pixels).toEqual(Uint8Array.of(10, 11, 20, 21));
  });

  it('turns into the samples `allocate` makes, when given (and asks for none when nothing turns)', () => {
    const image: PixelImage = { width: 2, height: 1, channels: 1, bitDepth: 16, pixels: Uint16Array.of(300, 60000) };
    const asked: [number, number][] = [];
    const made = new Uint16Array(new SharedArrayBuffer(4));
    const allocate = (bitDepth: 8 | 16, length: number) => {
      asked.push([bitDepth, length]);
      return made;
    };
    expect(applyOrientation(image, 1, allocate)).toBe(image);
    expect(asked).toEqual([]);
    const turned = applyOrientation(image, 8, allocate);
    expect(asked).toEqual([[16, 2]]);
    expect(turned.pixels).toBe(made);
    expect([turned.width, turned.height, Array.from(turned.pixels)]).toEqual([1, 2, [60000, 300]]);
  });
});
