/**
 * Integer vectors of the payload (SPEC.md): a coding byte — bits 0–1 the byte width (0: all
 * zero, 1, 2 or 4 bytes), bit 2 "differences to the previous value" — then the values as
 * two's-complement byte planes, lowest bytes first.
 */
export interface VectorCoding {
  code: number;
  width: 0 | 1 | 2 | 4;
  delta: boolean;
  /** Bytes the values take in the payload. */
  bytes: number;
}

const WIDTH_CODES = { 0: 0, 1: 1, 2: 2, 4: 3 } as const;
export const WIDTH_OF_CODE = [0, 1, 2, 4] as const;
export const DELTA_BIT = 4;

function widthFor(maximum: number): 0 | 1 | 2 | 4 {
  if (maximum === 0) return 0;
  if (maximum <= 127) return 1;
  if (maximum <= 32767) return 2;
  return 4;
}

/** Plain or differences, whichever has the smaller sum of magnitudes (a proxy for its entropy). */
export function vectorCoding(values: Int32Array): VectorCoding {
  let plainSum = 0;
  let plainMax = 0;
  let deltaSum = 0;
  let deltaMax = 0;
  let previous = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const magnitude = Math.abs(value);
    plainSum += magnitude;
    if (magnitude > plainMax) plainMax = magnitude;
    const difference = Math.abs(value - previous);
    deltaSum += difference;
    if (difference > deltaMax) deltaMax = difference;
    previous = value;
  }
  // Magnitudes include −(2^(8W−1)), which widthFor treats conservatively (one byte more).
  const delta = deltaSum < plainSum;
  const width = widthFor(delta ? deltaMax : plainMax);
  return {
    code: WIDTH_CODES[width] | (delta && width > 0 ? DELTA_BIT : 0),
    width,
    delta: delta && width > 0,
    bytes: width * values.length,
  };
}

/** Writes the values at `at` and returns the offset after them. */
export function encodeVector(values: Int32Array, coding: VectorCoding, out: Uint8Array, at: number): number {
  const { width, delta } = coding;
  const n = values.length;
  if (width === 0) return at;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const value = delta ? values[i] - previous : values[i];
    previous = values[i];
    for (let plane = 0; plane < width; plane++) out[at + plane * n + i] = (value >> (8 * plane)) & 0xff;
  }
  return at + width * n;
}

/** Reads n values written by encodeVector; the caller has checked that the bytes are there. */
export function decodeVector(bytes: Uint8Array, at: number, n: number, width: 0 | 1 | 2 | 4, delta: boolean, out: Int32Array): number {
  if (width === 0) {
    out.fill(0, 0, n);
    return at;
  }
  const shift = 32 - 8 * width;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    let raw = 0;
    for (let plane = 0; plane < width; plane++) raw |= bytes[at + plane * n + i] << (8 * plane);
    const value = (raw << shift) >> shift; // sign-extend
    previous = delta ? (previous + value) | 0 : value;
    out[i] = previous;
  }
  return at + width * n;
}

/** Alpha plane: differences to the left neighbour mod 2^bits, as one byte plane or two. */
export function writeAlphaPlane(
  plane: Uint8Array | Uint16Array,
  width: number,
  height: number,
  bitDepth: 8 | 16,
  out: Uint8Array,
  at: number,
): number {
  const count = width * height;
  const mask = bitDepth === 16 ? 0xffff : 0xff;
  for (let r = 0; r < height; r++) {
    let previous = 0;
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      const difference = (plane[i] - previous) & mask;
      previous = plane[i];
      out[at + i] = difference & 0xff;
      if (bitDepth === 16) out[at + count + i] = difference >> 8;
    }
  }
  return at + count * (bitDepth === 16 ? 2 : 1);
}

export function readAlphaPlane(bytes: Uint8Array, at: number, width: number, height: number, bitDepth: 8 | 16): Uint8Array | Uint16Array {
  const count = width * height;
  const plane = bitDepth === 16 ? new Uint16Array(count) : new Uint8Array(count);
  const mask = bitDepth === 16 ? 0xffff : 0xff;
  for (let r = 0; r < height; r++) {
    let previous = 0;
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      const difference = bitDepth === 16 ? bytes[at + i] | (bytes[at + count + i] << 8) : bytes[at + i];
      previous = (previous + difference) & mask;
      plane[i] = previous;
    }
  }
  return plane;
}
