/**
 * The coarse start's helpers (core/svd/coarse-start.ts): shrink's box means against a direct sum,
 * its four-samples-a-word path for 8-bit rows against the general one, and stretch's rows and
 * fill columns.
 */
import { describe, expect, it } from 'vitest';
import { COARSE_BLOCK, COARSE_FACTOR, shrink, stretch } from '../../core/svd/coarse-start.js';

/** The box means by definition, in float64. */
function directMeans(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const f = COARSE_FACTOR;
  const small = { rows: Math.floor(rows / f), cols: Math.floor(cols / f) };
  const out = new Float64Array(small.rows * small.cols);
  for (let i = 0; i < small.rows; i++)
    for (let j = 0; j < small.cols; j++) {
      let sum = 0;
      for (let r = 0; r < f; r++) for (let c = 0; c < f; c++) sum += data[(i * f + r) * cols + j * f + c];
      out[i * small.cols + j] = sum / (f * f);
    }
  return out;
}

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  // Every byte value, the extremes included (the word path's lanes must not overflow or sign).
  for (let i = 0; i < length; i++) out[i] = i % 97 === 0 ? 255 : (i * 2654435761 + seed) >>> 24;
  return out;
}

describe('shrink', () => {
  it('is the box means of 4 × 4 squares, the rows and columns that fill no square left out', () => {
    const cases: [number, number][] = [
      [512, 516], // 8-bit rows of whole words: four samples at a time
      [514, 516], // the same, with two rows left over
      [515, 517], // neither side a multiple of 4: the general path, the leftovers dropped
      [8, 4],
    ];
    for (const [rows, cols] of cases) {
      const data = bytes(rows * cols, rows);
      const small = shrink(data, rows, cols);
      expect([small.rows, small.cols]).toEqual([Math.floor(rows / 4), Math.floor(cols / 4)]);
      // Means of 16 integers are exact in float32 (multiples of 1/16 below 256).
      expect(Array.from(small.data)).toEqual(Array.from(directMeans(data, rows, cols)));
    }
    // All 255: every lane of the word path at its largest sum (8 · 255).
    expect(shrink(new Uint8Array(16 * 16).fill(255), 16, 16).data.every((mean) => mean === 255)).toBe(true);
  });

  it('gives the same means for 8-bit samples in words, in an unaligned view, as floats and as 16-bit', () => {
    const rows = 64;
    const cols = 132;
    const buffer = bytes(rows * cols + 1, 7);
    const aligned = buffer.subarray(0, rows * cols);
    const unaligned = buffer.subarray(1, rows * cols + 1);
    const expected = directMeans(unaligned, rows, cols);
    for (const data of [unaligned, Float32Array.from(unaligned), Uint16Array.from(unaligned)]) {
      expect(Array.from(shrink(data, rows, cols).data)).toEqual(Array.from(expected));
    }
    expect(Array.from(shrink(aligned, rows, cols).data)).toEqual(Array.from(directMeans(aligned, rows, cols)));
  });
});

describe('stretch', () => {
  it('repeats row ⌊x / 4⌋ of the shrunk vectors (the last one past their end) and fills the columns they lack', () => {
    const smallCols = 3;
    const vCols = 2;
    const cols = 14; // 3 · 4 + 2: the last two rows take the last shrunk row
    const v = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const fills: [number, number][] = [];
    const start = stretch(v, smallCols, vCols, cols, (row, column) => {
      fills.push([row, column]);
      return -1;
    });
    expect(start.length).toBe(cols * COARSE_BLOCK);
    for (let x = 0; x < cols; x++) {
      const from = Math.min(Math.floor(x / 4), smallCols - 1);
      expect(Array.from(start.subarray(x * COARSE_BLOCK, x * COARSE_BLOCK + vCols))).toEqual([v[from * vCols], v[from * vCols + 1]]);
      expect(start.subarray(x * COARSE_BLOCK + vCols, (x + 1) * COARSE_BLOCK).every((value) => value === -1)).toBe(true);
    }
    // Row after row, column after column: a seeded fill is the same whatever the order of calls elsewhere.
    expect(fills.length).toBe(cols * (COARSE_BLOCK - vCols));
    expect(fills.slice(0, 2)).toEqual([
      [0, 2],
      [0, 3],
    ]);
  });
});
