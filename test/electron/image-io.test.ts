/**
 * Image I/O with real sharp and real files: every sample in assets/samples, 16-bit sources
 * checked against the PNG's own samples (an independent PNG decoder below) and against sharp's
 * 8-bit sRGB path, round trips through every output format, malformed files under a timeout,
 * and the pixel limit.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_IMAGE_PIXELS, validatePixelImage, type PixelImage } from '../../core/index.js';
import {
  ImageIoError,
  SUPPORTED_INPUT_EXTENSIONS,
  decodeImage,
  encodeImage,
  outputFormatFromPath,
  type DecodedImage,
} from '../../electron/io/image-io.js';
import { samplesDir } from '../helpers/samples.js';

// A benchmark may share this 2-core machine: one libvips thread is plenty for these images.
sharp.concurrency(1);

const sample = (file: string) => join(samplesDir, file);
let scratch = '';

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'svd-image-io-'));
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

// ---- An independent PNG reader/writer (non-interlaced, no palette), for differential checks ----

interface PngChunk {
  type: string;
  data: Buffer;
}

function pngChunks(png: Buffer): PngChunk[] {
  const chunks: PngChunk[] = [];
  for (let pos = 8; pos < png.length;) {
    const length = png.readUInt32BE(pos);
    chunks.push({ type: png.toString('latin1', pos + 4, pos + 8), data: png.subarray(pos + 8, pos + 8 + length) });
    pos += 12 + length;
  }
  return chunks;
}

function pngFromChunks(chunks: PngChunk[]): Buffer {
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const { type, data } of chunks) {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    parts.push(out);
  }
  return Buffer.concat(parts);
}

/** Samples of a non-interlaced gray/RGB/gray+alpha/RGBA PNG, unfiltered, as stored (no colour management). */
function readPngSamples(png: Buffer) {
  const chunks = pngChunks(png);
  const header = chunks[0].data;
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const depth = header[8];
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[header[9]];
  if (!channels || header[12] !== 0) throw new Error('test PNG reader: palette or interlaced PNG');
  const bytesPerPixel = (channels * depth) / 8;
  const stride = width * bytesPerPixel;
  const filtered = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const raw = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = filtered[y * (stride + 1)];
    const line = filtered.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = raw.subarray(y * stride, (y + 1) * stride);
    const above = y > 0 ? raw.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0;
      const b = above[i];
      const c = i >= bytesPerPixel ? above[i - bytesPerPixel] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      row[i] = (line[i] + predictor) & 255;
    }
  }
  let samples: Uint8Array | Uint16Array = new Uint8Array(raw);
  if (depth === 16) {
    samples = new Uint16Array(raw.length / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = raw.readUInt16BE(2 * i);
  }
  return { width, height, depth, channels, samples };
}

/** The same PNG with other image data: `samples` are 8-bit (IHDR depth set to 8) and every other chunk kept. */
function pngWithSamples8(png: Buffer, width: number, height: number, channels: number, samples: Uint8Array): Buffer {
  const stride = width * channels;
  const filtered = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) filtered.set(samples.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const chunks = pngChunks(png).filter((c) => c.type !== 'IDAT');
  const header = Buffer.from(chunks[0].data);
  header[8] = 8;
  chunks[0] = { type: 'IHDR', data: header };
  chunks.splice(chunks.length - 1, 0, { type: 'IDAT', data: deflateSync(filtered) });
  return pngFromChunks(chunks);
}

/** A baseline little-endian uncompressed 16-bit TIFF (gray or RGB), written by hand. */
function tiff16(width: number, height: number, channels: 1 | 3, samples: Uint16Array): Buffer {
  const tagCount = 10;
  const ifdBytes = 2 + tagCount * 12 + 4;
  const bitsOffset = 8 + ifdBytes;
  const dataOffset = bitsOffset + 8;
  const out = Buffer.alloc(dataOffset + samples.length * 2);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(tagCount, 8);
  const SHORT = 3;
  const LONG = 4;
  const tags: [number, number, number, number][] = [
    [256, LONG, 1, width],
    [257, LONG, 1, height],
    [258, SHORT, channels, channels === 1 ? 16 : bitsOffset],
    [259, SHORT, 1, 1], // no compression
    [262, SHORT, 1, channels === 1 ? 1 : 2], // BlackIsZero or RGB
    [273, LONG, 1, dataOffset],
    [277, SHORT, 1, channels],
    [278, LONG, 1, height],
    [279, LONG, 1, samples.length * 2],
    [284, SHORT, 1, 1], // interleaved
  ];
  tags.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(count, at + 4);
    if (type === SHORT && count === 1) out.writeUInt16LE(value, at + 8);
    else out.writeUInt32LE(value, at + 8);
  });
  for (let i = 0; i < 3; i++) out.writeUInt16LE(16, bitsOffset + 2 * i);
  for (let i = 0; i < samples.length; i++) out.writeUInt16LE(samples[i], dataOffset + 2 * i);
  return out;
}

// ---- Small helpers ----

function pattern8(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (i * 3 + (state >>> 28)) & 255;
  }
  return out;
}

function pattern16(length: number, seed = 1): Uint16Array {
  const out = new Uint16Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 16;
  }
  return out;
}

function maxOf(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}

function psnr8(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (sum / a.length));
}

/** Same type, same samples; compared as bytes (toEqual on millions of elements is slow) with the first difference reported. */
function expectSameSamples(actual: Uint8Array | Uint16Array, expected: Uint8Array | Uint16Array) {
  expect(actual.constructor).toBe(expected.constructor);
  expect(actual.length).toBe(expected.length);
  const bytes = (a: Uint8Array | Uint16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (Buffer.compare(bytes(actual), bytes(expected)) !== 0) {
    const at = actual.findIndex((v, i) => v !== expected[i]);
    expect.fail(`samples differ, first at index ${at}: ${actual[at]} instead of ${expected[at]}`);
  }
}

function expectWellFormed(image: DecodedImage) {
  validatePixelImage(image);
  // The pixels own their ArrayBuffer, so they can be transferred to a worker whole.
  expect(image.pixels.byteOffset).toBe(0);
  expect(image.pixels.buffer.byteLength).toBe(image.pixels.byteLength);
}

async function expectImageIoError(promise: Promise<unknown>, file: string, reason: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageIoError);
  const { message, file: named, reason: why } = error as ImageIoError;
  expect(named).toBe(file);
  expect(message.startsWith(`${file}: `)).toBe(true);
  expect(message).not.toMatch(/\n|\s+at\s.+:\d+/);
  expect(why).toMatch(reason);
  return error as ImageIoError;
}

// ---- Decoding the samples ----

describe('decodeImage on the sample photos', () => {
  const cases = [
    { file: 'architecture_gray_2560x1600.jpg', width: 2560, height: 1600, channels: 1, bitDepth: 8, format: 'jpeg' },
    { file: 'astronaut_512x512_rgb.png', width: 512, height: 512, channels: 3, bitDepth: 8, format: 'png' },
    { file: 'dogs_exif_orientation6_3088x2048.jpg', width: 2048, height: 3088, channels: 3, bitDepth: 8, format: 'jpeg' },
    { file: 'mountain_sunset_4272x2848_12mp.jpg', width: 4272, height: 2848, channels: 3, bitDepth: 8, format: 'jpeg' },
    { file: 'paintbrushes_1365x1074.jpg', width: 1365, height: 1074, channels: 3, bitDepth: 8, format: 'jpeg' },
    { file: 'room_16bit_676x449.png', width: 676, height: 449, channels: 3, bitDepth: 16, format: 'png' },
    { file: 'tulips_alpha_500x500_rgba.png', width: 500, height: 500, channels: 4, bitDepth: 8, format: 'png' },
  ] as const;

  for (const { file, ...expected } of cases) {
    it(`${file}: ${expected.width} × ${expected.height} × ${expected.channels}, ${expected.bitDepth}-bit`, async () => {
      const image = await decodeImage(sample(file));
      expectWellFormed(image);
      const { pixels, ...described } = image;
      expect(described).toEqual({ name: file, ...expected, fileBytes: (await stat(sample(file))).size });
      expect(pixels).toBeInstanceOf(expected.bitDepth === 16 ? Uint16Array : Uint8Array);
      expect(maxOf(pixels)).toBeGreaterThan(expected.bitDepth === 16 ? 255 : 200);
    });
  }

  it('applies EXIF orientation 6: the result is the stored JPEG turned 90° clockwise', async () => {
    const file = sample('dogs_exif_orientation6_3088x2048.jpg');
    const upright = await decodeImage(file);
    // The stored pixels as they are (sharp applies no orientation unless asked), turned here.
    const { data: stored, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([3088, 2048]);
    expect([upright.width, upright.height]).toEqual([info.height, info.width]);
    let mismatches = 0;
    for (let row = 0; row < upright.height; row++) {
      for (let col = 0; col < upright.width; col++) {
        // Turning clockwise: upright (row, col) comes from stored (height − 1 − col, row).
        const from = ((info.height - 1 - col) * info.width + row) * 3;
        const to = (row * upright.width + col) * 3;
        for (let c = 0; c < 3; c++) if (upright.pixels[to + c] !== stored[from + c]) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });

  it('keeps the alpha of the RGBA PNG exactly as stored (colour goes through its ICC profile)', async () => {
    const file = sample('tulips_alpha_500x500_rgba.png');
    const image = await decodeImage(file);
    const stored = readPngSamples(readFileSync(file));
    expect(stored).toMatchObject({ depth: 8, channels: 4 });
    let translucent = 0;
    let changed = 0;
    for (let i = 3; i < image.pixels.length; i += 4) {
      if (image.pixels[i] !== stored.samples[i]) changed++;
      if (image.pixels[i] < 255) translucent++;
    }
    expect(changed).toBe(0);
    expect(translucent).toBeGreaterThan(1000);
  });

  it('keeps 16 bits: without colour management the samples equal the PNG’s own', async () => {
    const png = readFileSync(sample('room_16bit_676x449.png'));
    const stored = readPngSamples(png);
    expect(stored).toMatchObject({ depth: 16, channels: 3 });
    const untagged = pngFromChunks(pngChunks(png).filter((c) => !['iCCP', 'cICP', 'sRGB', 'gAMA', 'cHRM'].includes(c.type)));
    const image = await decodeImage({ name: 'room-untagged.png', bytes: untagged });
    expect(image.bitDepth).toBe(16);
    expectSameSamples(image.pixels, stored.samples);
  });

  it('converts a 16-bit ICC-tagged PNG to sRGB at 16 bits, agreeing with sharp’s 8-bit sRGB path', async () => {
    // The file's profile has Rec. 2020 primaries and the HLG curve. The reference: the same PNG with its samples rounded to
    // 8 bits (every chunk, the profile included, kept), converted by sharp's 8-bit path, which
    // uses sRGB as its processing profile. Measured: mean 0.36, max 5 levels — the 8-bit
    // rounding of the HLG-coded source, amplified by the transfer curve. Sharp's default 16-bit
    // path would give Display P3 values instead (mean 1.5, max 19 levels off).
    const png = readFileSync(sample('room_16bit_676x449.png'));
    const stored = readPngSamples(png);
    const rounded = Uint8Array.from(stored.samples, (v) => Math.round(v / 257));
    const reference = await sharp(pngWithSamples8(png, stored.width, stored.height, 3, rounded))
      .raw()
      .toBuffer();

    const image = await decodeImage(sample('room_16bit_676x449.png'));
    expect(image.pixels).toBeInstanceOf(Uint16Array);
    expect(new Set(image.pixels).size).toBeGreaterThan(4096); // real 16-bit precision, not 8 bits × 257
    let sum = 0;
    let worst = 0;
    for (let i = 0; i < reference.length; i++) {
      const difference = Math.abs(image.pixels[i] / 257 - reference[i]);
      sum += difference;
      worst = Math.max(worst, difference);
    }
    expect(sum / reference.length).toBeLessThan(0.75);
    expect(worst).toBeLessThan(8);
  });

  it('reads 16-bit TIFF, gray and RGB, sample for sample', async () => {
    const width = 37;
    const height = 23;
    for (const channels of [1, 3] as const) {
      const samples = pattern16(width * height * channels, channels);
      const image = await decodeImage({ name: `synthetic-${channels}.tiff`, bytes: tiff16(width, height, channels, samples) });
      expectWellFormed(image);
      expect(image).toMatchObject({ width, height, channels, bitDepth: 16, format: 'tiff' });
      expectSameSamples(image.pixels, samples);
    }
  });

  it('converts CMYK to sRGB', async () => {
    const source = await decodeImage(sample('astronaut_512x512_rgb.png'));
    const cmyk = await sharp(source.pixels, { raw: { width: 512, height: 512, channels: 3 } })
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const image = await decodeImage({ name: 'cmyk.jpg', bytes: cmyk });
    expect(image).toMatchObject({ width: 512, height: 512, channels: 3, bitDepth: 8 });
    let sum = 0;
    for (let i = 0; i < image.pixels.length; i++) sum += Math.abs(image.pixels[i] - source.pixels[i]);
    expect(sum / image.pixels.length).toBeLessThan(16); // through sharp's generic CMYK profile and back
  });

  it('gives the first frame of an animated GIF', async () => {
    const width = 40;
    const height = 30;
    const frames = new Uint8Array(width * height * 3 * 3);
    for (let f = 0; f < 3; f++) frames.fill(60 + 80 * f, f * width * height * 3, (f + 1) * width * height * 3);
    const gif = await sharp(frames, { raw: { width, height: height * 3, channels: 3, pageHeight: height } })
      .gif()
      .toBuffer();
    const image = await decodeImage({ name: 'frames.gif', bytes: gif });
    expect(image).toMatchObject({ width, height, format: 'gif' });
    for (let i = 0; i < image.pixels.length; i += image.channels) expect(Math.abs(image.pixels[i] - 60)).toBeLessThanOrEqual(2);
  });

  it('decodes bytes the same as the path, also from a view into a larger buffer', async () => {
    const file = sample('astronaut_512x512_rgb.png');
    const bytes = readFileSync(file);
    const padded = new Uint8Array(bytes.length + 13);
    padded.set(bytes, 7);
    const fromPath = await decodeImage(file);
    const fromBytes = await decodeImage({ name: 'astronaut.png', bytes: padded.subarray(7, 7 + bytes.length) });
    expect(fromBytes).toMatchObject({ name: 'astronaut.png', fileBytes: bytes.length, width: 512, height: 512 });
    expectSameSamples(fromBytes.pixels, fromPath.pixels);
  });
});

// ---- Encoding ----

describe('encodeImage', () => {
  const width = 61;
  const height = 43;
  const synthetic = (channels: 1 | 2 | 3 | 4, bitDepth: 8 | 16): PixelImage => ({
    width,
    height,
    channels,
    bitDepth,
    pixels: bitDepth === 8 ? pattern8(width * height * channels, channels) : pattern16(width * height * channels, channels),
  });

  it('PNG round trip is exact for 1–4 channels at 8 and 16 bits', async () => {
    for (const bitDepth of [8, 16] as const) {
      for (const channels of [1, 2, 3, 4] as const) {
        const image = synthetic(channels, bitDepth);
        const png = await encodeImage(image, 'png');
        const meta = await sharp(png).metadata();
        expect(meta.bitsPerSample).toBe(bitDepth);
        expect(meta.channels).toBe(channels);
        const back = await decodeImage({ name: 'round-trip.png', bytes: png });
        expect(back).toMatchObject({ width, height, channels, bitDepth, format: 'png' });
        expectSameSamples(back.pixels, image.pixels);
      }
    }
  });

  it('PNG round trip of the decoded 16-bit sample is exact', async () => {
    const image = await decodeImage(sample('room_16bit_676x449.png'));
    const back = await decodeImage({ name: 'room.png', bytes: await encodeImage(image, 'png') });
    expect(back.bitDepth).toBe(16);
    expectSameSamples(back.pixels, image.pixels);
  });

  it('JPEG, WebP and AVIF round trips keep the size and look like the source', async () => {
    const source = await decodeImage(sample('astronaut_512x512_rgb.png'));
    for (const format of ['jpeg', 'webp', 'avif'] as const) {
      const bytes = await encodeImage(source, format);
      const back = await decodeImage({ name: `astronaut.${format}`, bytes });
      expect(back).toMatchObject({ width: 512, height: 512, channels: 3, bitDepth: 8, format: format });
      expect(psnr8(back.pixels, source.pixels)).toBeGreaterThan(28);
    }
  });

  it('JPEG is written by mozjpeg (progressive by default) and grows with quality', async () => {
    const source = await decodeImage(sample('astronaut_512x512_rgb.png'));
    const sizes: number[] = [];
    for (const quality of [20, 50, 80, 95]) {
      const jpeg = await encodeImage(source, 'jpeg', { quality });
      if (quality === 80) expect((await sharp(jpeg).metadata()).isProgressive).toBe(true);
      sizes.push(jpeg.byteLength);
    }
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThan(sizes[i - 1]);
  });

  it('alpha: kept by WebP and AVIF; composited over white in JPEG; gray stays gray in JPEG', async () => {
    const rgba: PixelImage = { width: 32, height: 32, channels: 4, bitDepth: 8, pixels: new Uint8Array(32 * 32 * 4) };
    for (let i = 0; i < 32 * 32; i++) rgba.pixels.set(i < 512 ? [200, 30, 30, 255] : [0, 0, 0, 0], i * 4);
    for (const format of ['webp', 'avif'] as const) {
      const back = await decodeImage({ name: `alpha.${format}`, bytes: await encodeImage(rgba, format, { quality: 90 }) });
      expect(back.channels).toBe(4);
      expect(back.pixels[3]).toBeGreaterThan(250);
      expect(back.pixels[back.pixels.length - 1]).toBeLessThan(5);
    }
    const jpeg = await decodeImage({ name: 'alpha.jpg', bytes: await encodeImage(rgba, 'jpeg', { quality: 95 }) });
    expect(jpeg.channels).toBe(3);
    for (const value of jpeg.pixels.subarray(-3)) expect(value).toBeGreaterThan(250); // transparent → white
    expect(jpeg.pixels[0]).toBeGreaterThan(180);

    const grayAlpha: PixelImage = { width: 32, height: 32, channels: 2, bitDepth: 16, pixels: new Uint16Array(32 * 32 * 2) };
    for (let i = 0; i < 32 * 32; i++) grayAlpha.pixels.set(i < 512 ? [100 * 257, 65535] : [0, 0], i * 2);
    const grayJpeg = await decodeImage({ name: 'gray.jpg', bytes: await encodeImage(grayAlpha, 'jpeg', { quality: 95 }) });
    expect(grayJpeg).toMatchObject({ channels: 1, bitDepth: 8 });
    expect(Math.abs(grayJpeg.pixels[0] - 100)).toBeLessThanOrEqual(3);
    expect(grayJpeg.pixels[grayJpeg.pixels.length - 1]).toBeGreaterThan(250);
  });

  it('16-bit sources give 8-bit JPEG, WebP and AVIF', async () => {
    const image = synthetic(3, 16);
    for (const format of ['jpeg', 'webp', 'avif'] as const) {
      const back = await decodeImage({ name: `deep.${format}`, bytes: await encodeImage(image, format) });
      expect(back).toMatchObject({ width, height, bitDepth: 8 });
    }
  });

  it('writes no metadata unless asked; keepMetadata tags 8-bit colour output as sRGB without changing pixels', async () => {
    const image = synthetic(3, 8);
    for (const format of ['png', 'jpeg', 'webp', 'avif'] as const) {
      const plain = await sharp(await encodeImage(image, format)).metadata();
      expect([plain.hasProfile, plain.exif, plain.xmp]).toEqual([false, undefined, undefined]);
      const tagged = await encodeImage(image, format, { keepMetadata: true });
      expect((await sharp(tagged).metadata()).hasProfile).toBe(true);
      if (format === 'png') expectSameSamples((await decodeImage({ name: 'tagged.png', bytes: tagged })).pixels, image.pixels);
    }
  });

  it('validates quality and format, and leaves its input unchanged', async () => {
    const image = synthetic(3, 8);
    const copy = image.pixels.slice();
    for (const quality of [0, 101, 50.5, Number.NaN]) {
      await expect(encodeImage(image, 'jpeg', { quality })).rejects.toThrow(/quality must be an integer from 1 to 100/);
    }
    await expect(encodeImage(image, 'png', { quality: 200 })).rejects.toThrow(RangeError);
    await expect(encodeImage(image, 'bmp' as 'png')).rejects.toThrow(/Unknown output format bmp/);
    await expect(encodeImage({ ...image, channels: 4 }, 'png')).rejects.toThrow(/samples/);
    await encodeImage(image, 'webp', { quality: 1 });
    await encodeImage(image, 'avif', { quality: 100 });
    expectSameSamples(image.pixels, copy);
  });
});

// ---- Bad input ----

describe('decodeImage on bad input (each under a timeout, so a hang fails fast)', () => {
  const timeout = { timeout: 15_000 };

  it('a truncated JPEG', timeout, async () => {
    const bytes = readFileSync(sample('paintbrushes_1365x1074.jpg'));
    const file = join(scratch, 'truncated.jpg');
    await writeFile(file, bytes.subarray(0, bytes.length >> 1));
    await expectImageIoError(decodeImage(file), file, /corrupt or truncated/);
    await expectImageIoError(decodeImage({ name: 'cut.jpg', bytes: bytes.subarray(0, 5000) }), 'cut.jpg', /corrupt or truncated/);
  });

  it('random bytes named .png, and a PNG with a damaged header', timeout, async () => {
    const file = join(scratch, 'noise.png');
    await writeFile(file, pattern8(4096, 99));
    await expectImageIoError(decodeImage(file), file, /not an image in a format SVD Studio reads/);
    const png = Buffer.from(readFileSync(sample('astronaut_512x512_rgb.png')));
    for (let i = 2000; i < png.length; i += 7) png[i] ^= 0x5a;
    await expectImageIoError(decodeImage({ name: 'damaged.png', bytes: png }), 'damaged.png', /corrupt/);
  });

  it('a text file, an SVG, an empty file, a folder and a missing file', timeout, async () => {
    const text = join(scratch, 'notes.txt');
    await writeFile(text, 'This is not an image.\n');
    await expectImageIoError(decodeImage(text), text, /not an image in a format SVD Studio reads \(JPEG, PNG/);
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>';
    await expectImageIoError(decodeImage({ name: 'icon.svg', bytes: Buffer.from(svg) }), 'icon.svg', /SVG files are not supported/);
    const empty = join(scratch, 'empty.jpg');
    await writeFile(empty, '');
    await expectImageIoError(decodeImage(empty), empty, /empty/);
    await expectImageIoError(decodeImage(scratch), scratch, /folder/);
    const missing = join(scratch, 'missing.jpg');
    await expectImageIoError(decodeImage(missing), missing, /no such file/);
  });

  it('the pixel limit is checked on the header, before any pixel is decoded', timeout, async () => {
    // A PNG header claiming 20000 × 20000 with almost no image data: only the header can say so.
    const header = Buffer.alloc(13);
    header.writeUInt32BE(20000, 0);
    header.writeUInt32BE(20000, 4);
    header.set([8, 2, 0, 0, 0], 8);
    const huge = pngFromChunks([
      { type: 'IHDR', data: header },
      { type: 'IDAT', data: deflateSync(Buffer.alloc(100)) },
      { type: 'IEND', data: Buffer.alloc(0) },
    ]);
    expect(MAX_IMAGE_PIXELS).toBe(100_000_000);
    await expectImageIoError(
      decodeImage({ name: 'huge.png', bytes: huge }),
      'huge.png',
      /^20,000 × 20,000 = 400,000,000 pixels is more than the limit of 100,000,000 pixels$/,
    );
    const file = sample('paintbrushes_1365x1074.jpg');
    await expectImageIoError(decodeImage(file, { maxPixels: 1_000_000 }), file, /1,365 × 1,074 = 1,466,010 pixels .* 1,000,000/);
    expect((await decodeImage(file, { maxPixels: 1_466_010 })).width).toBe(1365);
    await expect(decodeImage(file, { maxPixels: 0 })).rejects.toThrow(RangeError);
  });
});

describe('file names', () => {
  it('outputFormatFromPath maps the four output extensions, case-insensitively', () => {
    expect(outputFormatFromPath('/a/b.png')).toBe('png');
    expect(outputFormatFromPath('b.JPG')).toBe('jpeg');
    expect(outputFormatFromPath('b.jpeg')).toBe('jpeg');
    expect(outputFormatFromPath('b.webp')).toBe('webp');
    expect(outputFormatFromPath('dir.v2/b.AVIF')).toBe('avif');
    expect(() => outputFormatFromPath('out.bmp')).toThrow(
      /^out\.bmp: cannot write \.bmp files; use \.png, \.jpg, \.jpeg, \.webp or \.avif$/,
    );
    expect(() => outputFormatFromPath('out')).toThrow(ImageIoError);
    expect(() => outputFormatFromPath('out.svd')).toThrow(/cannot write \.svd files/);
  });

  it('SUPPORTED_INPUT_EXTENSIONS lists the formats that decode', () => {
    for (const extension of ['.jpg', '.jpeg', '.png', '.webp', '.avif', '.tif', '.tiff', '.gif']) {
      expect(SUPPORTED_INPUT_EXTENSIONS).toContain(extension);
    }
    expect(SUPPORTED_INPUT_EXTENSIONS).not.toContain('.svg');
  });
});
