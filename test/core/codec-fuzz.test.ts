/**
 * Fuzzing the .svd reader with hostile files: random truncations, bit flips (with and without
 * the checksum recomputed, so the structural checks are reached and not only the checksum),
 * random header fields, random and oversized payloads. Every case must end in a successful
 * decode or an SvdFormatError — never another exception, never a hang (the whole suite runs
 * under the test timeout, and each decode is timed).
 */
import { describe, expect, it } from 'vitest';
import { deflateSync } from 'fflate';
import { decodeSvd, encodeSvd, crc32, SvdFormatError } from '../../core/codec/index.js';
import { truncatedSvd, type Matrix } from '../../core/index.js';
import { FULL_SUITE } from '../helpers/suite.js';

// `npm test` fuzzes 3,000 files (every error code is still reached); `npm run test:full` 12,000.
const CASES = FULL_SUITE ? 12_000 : 3_000;

/** Deterministic generator (mulberry32) so a failure reproduces. */
function generator(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
    const random = generator(20261125);
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
