/**
 * Fuzzing the .svd reader with hostile files: random truncations, bit flips (with and without
 * the checksum recomputed, so the structural checks are reached and not only the checksum),
 * random header fields, random and oversized payloads. Every case must end in a successful
 * decode or an SvdFormatError — never another exception, never a hang (the whole suite runs
 * under the test timeout, and each decode is timed).
 */
import { describe, expect, it } from 'vitest';
import { deflateSync } from 'fflate';
import {
  decodeSvd,
  encodeSvd,
  encodeSvdFile,
  crc32,
  imageLayout,
  planeMatrices,
  SvdFormatError,
  type LayoutOptions,
} from '../../core/codec/index.js';
import { truncatedSvd, type Matrix, type PixelImage } from '../../core/index.js';
import { FULL_SUITE } from '../helpers/suite.js';
import { seededRandom } from '../helpers/random.js';

// `npm test` fuzzes 3,000 files (every error code is still reached); `npm run test:full` 12,000.
const CASES = FULL_SUITE ? 12_000 : 3_000;

function withChecksum(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 4) new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
  return bytes;
}

async function sampleFiles(): Promise<Uint8Array[]> {
  const channel = (seed: number): Matrix => {
    const rows = 48,
      cols = 64;
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++)
        data[r * cols + c] = 128 + 60 * Math.sin((r + seed) / 7) * Math.cos(c / 9) + ((r * 31 + c * 17 + seed) % 13);
    return { rows, cols, data };
  };
  const svds = await Promise.all([0, 1, 2].map((seed) => truncatedSvd(channel(seed), { rank: 8 })));
  const rgb = encodeSvd({ width: 64, height: 48, channels: 3, bitDepth: 8, svds, ranks: [8, 6, 4] }).bytes;
  const alphaPlane = new Uint8Array(64 * 48).map((_, i) => (i * 7) % 256);
  const rgba = encodeSvd({ width: 64, height: 48, channels: 4, bitDepth: 8, svds, ranks: [3, 3, 3], alphaPlane }).bytes;
  const gray16 = encodeSvd({ width: 64, height: 48, channels: 1, bitDepth: 16, svds: [svds[0]], ranks: [5] }).bytes;
  return [rgb, rgba, gray16];
}

describe('.svd reader under fuzzing', () => {
  it(`${CASES} hostile files end in a decode or an SvdFormatError`, async () => {
    const files = await sampleFiles();
    // A few inflation bombs (zeros compress ~1000:1), made once.
    const bombs = [1, 8, 64].map((megabytes) => deflateSync(new Uint8Array(megabytes * 2 ** 20)));
    for (const file of files) expect(() => decodeSvd(file)).not.toThrow();
    const random = seededRandom(20261125);
    const integer = (n: number) => Math.floor(random() * n);
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    let slowest = 0;

    for (let n = 0; n < CASES; n++) {
      const original = files[n % files.length];
      const kind = n % 6;
      let bytes: Uint8Array;
      let label: string;
      if (kind === 0) {
        label = 'truncated';
        bytes = original.slice(0, integer(original.length));
      } else if (kind === 1 || kind === 2) {
        label = kind === 1 ? 'bit flips' : 'bit flips, checksum fixed';
        bytes = Uint8Array.from(original);
        const flips = 1 + integer(8);
        for (let f = 0; f < flips; f++) {
          // Half of the flips land in the header, where the structural checks are.
          const at = random() < 0.5 ? integer(Math.min(64, bytes.length - 4)) : integer(bytes.length - 4);
          bytes[at] ^= 1 << integer(8);
        }
        if (kind === 2) withChecksum(bytes);
      } else if (kind === 3) {
        label = 'random header fields, checksum fixed';
        bytes = Uint8Array.from(original);
        const view = new DataView(bytes.buffer);
        const field = integer(8);
        const value = random() < 0.3 ? 0xffffffff : random() < 0.5 ? integer(70000) : integer(2 ** 32);
        if (field === 0)
          view.setUint16(8, value & 0xffff, true); // version
        else if (field === 1)
          bytes[10] = value & 0xff; // channels
        else if (field === 2)
          view.setUint32(12, value, true); // width
        else if (field === 3)
          view.setUint32(16, value, true); // height
        else if (field === 4)
          view.setUint32(24, value, true); // payload length
        else if (field === 5)
          view.setUint32(28, value, true); // inflated length
        else if (field === 6)
          view.setUint16(32, value & 0xffff, true); // first rank
        else view.setUint32(36, value, true); // first step (as float bits)
        withChecksum(bytes);
      } else if (kind === 4) {
        label = 'random payload, checksum fixed';
        const headerLength = original.length - 4 - new DataView(original.buffer).getUint32(24, true);
        const payload =
          random() < 0.5
            ? new Uint8Array(integer(300)).map(() => integer(256))
            : deflateSync(new Uint8Array(integer(20000)).map(() => (random() < 0.9 ? 0 : integer(256))));
        bytes = new Uint8Array(headerLength + payload.length + 4);
        bytes.set(original.subarray(0, headerLength));
        bytes.set(payload, headerLength);
        new DataView(bytes.buffer).setUint32(24, payload.length, true);
        withChecksum(bytes);
      } else {
        label = 'inflation bomb, checksum fixed';
        // Up to 64 MB of zeros in ~64 kB, behind a header that declares the file's real payload size.
        const headerLength = original.length - 4 - new DataView(original.buffer).getUint32(24, true);
        const bomb = bombs[integer(bombs.length)];
        bytes = new Uint8Array(headerLength + bomb.length + 4);
        bytes.set(original.subarray(0, headerLength));
        bytes.set(bomb, headerLength);
        new DataView(bytes.buffer).setUint32(24, bomb.length, true);
        withChecksum(bytes);
      }
      const started = performance.now();
      try {
        decodeSvd(bytes);
        count(`${label} → decoded`);
      } catch (error) {
        if (!(error instanceof SvdFormatError)) {
          throw new Error(`case ${n} (${label}) threw ${(error as Error)?.name}: ${(error as Error)?.message}`, { cause: error });
        }
        expect(error.message.length).toBeGreaterThan(10);
        count(`${label} → ${error.code}`);
      }
      slowest = Math.max(slowest, performance.now() - started);
    }
    const lines = [...outcomes.entries()].sort().map(([key, value]) => `  ${key}: ${value}`);
    console.log(`fuzzed ${CASES} files; slowest decode ${slowest.toFixed(1)} ms\n${lines.join('\n')}`);
    const codes = new Set([...outcomes.keys()].map((key) => key.split(' → ')[1]));
    // The structural checks, not just the checksum, must have been exercised.
    for (const code of ['magic', 'truncated', 'checksum', 'version', 'header', 'dimensions', 'rank', 'overflow', 'payload', 'inflate']) {
      expect(codes.has(code), `no case ended in '${code}'`).toBe(true);
    }
  });
});

/** Version 2 sample files: the patch model in YCbCr with lossless alpha, the whole-image model in RGB, 16-bit gray patches with low-rank alpha. */
async function sampleFilesV2(): Promise<Uint8Array[]> {
  const width = 64;
  const height = 48;
  const pixels = (channels: number, bitDepth: 8 | 16) => {
    const out = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
    const peak = bitDepth === 16 ? 65535 : 255;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < channels; c++)
          out[(y * width + x) * channels + c] = Math.round(
            (peak / 255) * (128 + 60 * Math.sin((y + 5 * c) / 7) * Math.cos(x / 9) + ((y * 31 + x * 17 + c) % 13)),
          );
    return out;
  };
  const files: Uint8Array[] = [];
  const cases: [PixelImage, LayoutOptions][] = [
    [
      { width, height, channels: 4, bitDepth: 8, pixels: pixels(4, 8) },
      { model: 'patch', colorSpace: 'ycbcr' },
    ],
    [
      { width, height, channels: 3, bitDepth: 8, pixels: pixels(3, 8) },
      { model: 'whole', colorSpace: 'rgb' },
    ],
    [
      { width, height, channels: 2, bitDepth: 16, pixels: pixels(2, 16) },
      { model: 'patch', colorSpace: 'rgb', patchSize: 4, alpha: 'low-rank' },
    ],
  ];
  for (const [image, options] of cases) {
    const layout = imageLayout(image, options);
    const svds = await Promise.all(planeMatrices(image, layout).map((matrix) => truncatedSvd(matrix, { rank: 8 })));
    files.push((await encodeSvdFile({ image, layout, svds, target: { ranks: 6 } })).bytes);
  }
  return files;
}

describe('.svd version 2 reader under fuzzing', () => {
  // `npm test` fuzzes 2,000 version 2 files; `npm run test:full` 8,000.
  const CASES_V2 = FULL_SUITE ? 8_000 : 2_000;
  /** The reader's limits, kept small here so a forged header cannot make one case slow. */
  const limits = { maxPixels: 1 << 22, maxFactorValues: 1 << 21 };

  it(`${CASES_V2} hostile version 2 files end in a decode or an SvdFormatError`, async () => {
    const files = await sampleFilesV2();
    for (const file of files) expect(() => decodeSvd(file, limits)).not.toThrow();
    const random = seededRandom(20261201);
    const integer = (n: number) => Math.floor(random() * n);
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    let slowest = 0;
    for (let n = 0; n < CASES_V2; n++) {
      const original = files[n % files.length];
      const view = new DataView(original.buffer, original.byteOffset, original.byteLength);
      const planeCount = original[26];
      const indexStart = 40 + 4 * planeCount + view.getUint32(28, true);
      const segments = view.getUint32(32, true);
      const kind = n % 6;
      let bytes: Uint8Array;
      let label: string;
      if (kind === 0) {
        label = 'truncated';
        bytes = original.slice(0, integer(original.length));
      } else if (kind === 5) {
        label = 'bit flips';
        bytes = Uint8Array.from(original);
        for (let f = 1 + integer(6); f > 0; f--) bytes[integer(bytes.length)] ^= 1 << integer(8);
      } else if (kind === 1) {
        label = 'bit flips, checksum fixed';
        bytes = Uint8Array.from(original);
        for (let f = 1 + integer(6); f > 0; f--) {
          const at = random() < 0.5 ? integer(Math.min(indexStart + 9 * segments, bytes.length - 4)) : integer(bytes.length - 4);
          bytes[at] ^= 1 << integer(8);
        }
        withChecksum(bytes);
      } else if (kind === 2) {
        label = 'random header fields, checksum fixed';
        bytes = Uint8Array.from(original);
        const fields = new DataView(bytes.buffer);
        const field = integer(12);
        const value = random() < 0.3 ? 0xffffffff : random() < 0.5 ? integer(70000) : integer(2 ** 32);
        if (field < 6) bytes[[10, 11, 21, 22, 23, 24][field]] = value & 0xff;
        else if (field === 6)
          bytes[26] = value & 0xff; // plane count
        else if (field === 7)
          fields.setUint32([12, 16][integer(2)], value, true); // width or height
        else if (field === 8)
          fields.setUint32(28, value, true); // metadata length
        else if (field === 9)
          fields.setUint32(32, value, true); // segment count
        else if (field === 10)
          fields.setUint32(36, value, true); // payload length
        else fields.setUint16(40 + 4 * integer(Math.max(1, planeCount)), value & 0xffff, true); // a plane's rank
        withChecksum(bytes);
      } else if (kind === 3) {
        label = 'segment index entries, checksum fixed';
        bytes = Uint8Array.from(original);
        const fields = new DataView(bytes.buffer);
        const entry = indexStart + 9 * integer(Math.max(1, segments));
        const which = integer(3);
        if (which === 0)
          bytes[entry] = integer(256); // plane
        else if (which === 1)
          fields.setFloat32(entry + 1, [NaN, Infinity, -1e38, 0, 1e-45][integer(5)], true); // gain
        else fields.setUint32(entry + 5, random() < 0.5 ? integer(1 << 16) : 0xffffffff, true); // length
        withChecksum(bytes);
      } else {
        label = 'random segment bytes, checksum fixed';
        bytes = Uint8Array.from(original);
        const payloadStart = indexStart + 9 * segments;
        for (let at = payloadStart; at < bytes.length - 4; at++) if (random() < 0.3) bytes[at] = integer(256);
        withChecksum(bytes);
      }
      const started = performance.now();
      try {
        decodeSvd(bytes, limits);
        count(`${label} → decoded`);
      } catch (error) {
        if (!(error instanceof SvdFormatError)) {
          throw new Error(`case ${n} (${label}) threw ${(error as Error)?.name}: ${(error as Error)?.message}`, { cause: error });
        }
        expect(error.message.length).toBeGreaterThan(10);
        count(`${label} → ${error.code}`);
      }
      slowest = Math.max(slowest, performance.now() - started);
    }
    const lines = [...outcomes.entries()].sort().map(([key, value]) => `  ${key}: ${value}`);
    console.log(`fuzzed ${CASES_V2} version 2 files; slowest decode ${slowest.toFixed(1)} ms\n${lines.join('\n')}`);
    const codes = new Set([...outcomes.keys()].map((key) => key.split(' → ')[1]));
    for (const code of ['magic', 'truncated', 'checksum', 'version', 'header', 'dimensions', 'rank', 'payload', 'decoded']) {
      expect(codes.has(code), `no case ended in '${code}'`).toBe(true);
    }
  });
});
