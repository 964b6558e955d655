/**
 * The coarse start of a first look at a large matrix: the right singular vectors of the matrix
 * shrunk COARSE_FACTOR times each way (box means), stretched back to full length, as the start
 * block of one block-Lanczos step of COARSE_BLOCK columns (truncatedSvd's `coarseStart`). Higher
 * ranks extend that space in blocks of as many columns (lanczosPlan).
 *
 * A photo's leading right singular vectors are smooth at the scale of a few pixels, so those of
 * the shrunk photo are close to them, and one product with A and one with Aᵀ from there (2 × 32
 * column passes) is about as accurate at rank 32 as six steps of 16 from a Gaussian block (192). Numpy
 * prototype against LAPACK on the 12 MP sample's R, G and B, F = 4, worst over 3 seeds
 * (test/bench/lanczos-plan/coarse.py; it takes the shrunk matrix's vectors from LAPACK, where the
 * engine runs its usual randomized decomposition: test/core/engine-accuracy.test.ts checks the
 * engine's own against LAPACK):
 *
 * | start | column passes | 12 MP: residual above optimal (ranks ≤ 32) | σ error, i ≤ 32 | 1 MP crop: residual | σ error |
 * |---|---|---|---|---|---|
 * | Gaussian, 16 × 6 | 192 | 0.008–0.010 % | 0.12–0.15 % | 0.014–0.14 % | 0.29–2.6 % |
 * | coarse, 32 × 1 | 64 | 0.005–0.033 % | 0.03–0.51 % | 0.10–0.35 % | 0.66–2.7 % |
 */

/** How many times smaller each way the shrunk matrix is. */
export const COARSE_FACTOR = 4;
/** The columns of the coarse start block (the one step's block size). */
export const COARSE_BLOCK = 32;
/** The highest rank a coarse start serves: its one step's block. */
export const COARSE_MAX_RANK = COARSE_BLOCK;
/** The short side below which a matrix starts from a Gaussian block as usual (its shrunk copy would be under 128). */
export const COARSE_MIN_SIDE = 512;

/** Whether a fresh rank-`rank` run on a rows × cols matrix may start coarse. */
export function coarseStartApplies(rows: number, cols: number, rank: number): boolean {
  return rank <= COARSE_MAX_RANK && Math.min(rows, cols) >= COARSE_MIN_SIDE;
}

/**
 * The box means of `data` (rows × cols, row-major) over COARSE_FACTOR × COARSE_FACTOR squares:
 * floor(rows / F) × floor(cols / F), the last rows and columns that fill no square left out.
 */
export function shrink(data: ArrayLike<number>, rows: number, cols: number): { rows: number; cols: number; data: Float32Array } {
  const f = COARSE_FACTOR;
  const small = { rows: Math.floor(rows / f), cols: Math.floor(cols / f) };
  const out = new Float32Array(small.rows * small.cols);
  // 8-bit samples in whole 32-bit words (rows of a multiple of 4 bytes, aligned): four at a time.
  const inWords = data instanceof Uint8Array && data.byteOffset % 4 === 0 && cols % 4 === 0 && f === 4;
  const words = inWords ? new Uint32Array(data.buffer, data.byteOffset, (rows * cols) / 4) : null;
  const sums = words ? null : new Float64Array(small.cols);
  // One function call per shrunk row, so that V8 optimizes the row's loops after a few rows (run
  // once per matrix, loops in this function would mostly run unoptimized).
  for (let i = 0; i < small.rows; i++) {
    if (words) shrinkWordRow(out, i * small.cols, small.cols, words, i * f * (cols / 4), cols / 4);
    else shrinkRow(out, i, sums!, data, cols);
  }
  return { ...small, data: out };
}

/** Row i of the shrunk matrix (sums.length columns) into `out`, from `data`'s rows F·i … F·i + F − 1. */
function shrinkRow(out: Float32Array, i: number, sums: Float64Array, data: ArrayLike<number>, cols: number): void {
  const f = COARSE_FACTOR;
  sums.fill(0);
  for (let r = 0; r < f; r++) addRowSquares(sums, data, (i * f + r) * cols);
  writeMeans(out, i * sums.length, sums);
}

/**
 * out[at … at + width) ← the means of the squares whose first row starts at word `from`, for 8-bit
 * samples four to a word (F = 4, `wordsPerRow` words a row): word j of each of the square's four
 * rows holds square j's samples. Each word's bytes 0 + 1 and 2 + 3 are added in two 16-bit lanes,
 * the four rows' lanes summed (at most 4 · 2 · 255 each, no carry between lanes), then the two
 * lanes: one pass, integer sums.
 */
function shrinkWordRow(out: Float32Array, at: number, width: number, words: Uint32Array, from: number, wordsPerRow: number): void {
  const scale = 1 / (COARSE_FACTOR * COARSE_FACTOR);
  const r1 = from + wordsPerRow;
  const r2 = r1 + wordsPerRow;
  const r3 = r2 + wordsPerRow;
  for (let j = 0; j < width; j++) {
    const w0 = words[from + j];
    const w1 = words[r1 + j];
    const w2 = words[r2 + j];
    const w3 = words[r3 + j];
    const lanes =
      (w0 & 0x00ff00ff) +
      ((w0 >>> 8) & 0x00ff00ff) +
      (w1 & 0x00ff00ff) +
      ((w1 >>> 8) & 0x00ff00ff) +
      (w2 & 0x00ff00ff) +
      ((w2 >>> 8) & 0x00ff00ff) +
      (w3 & 0x00ff00ff) +
      ((w3 >>> 8) & 0x00ff00ff);
    out[at + j] = ((lanes & 0xffff) + (lanes >>> 16)) * scale;
  }
}

/** out[at + j] = the mean of square j, from its sum. */
function writeMeans(out: Float32Array, at: number, sums: Float64Array): void {
  const scale = 1 / (COARSE_FACTOR * COARSE_FACTOR);
  for (let j = 0; j < sums.length; j++) out[at + j] = sums[j] * scale;
}

/** sums[j] += the F samples of the row at `from` under square j (a function of its own, so V8 optimizes it whole). */
function addRowSquares(sums: Float64Array, data: ArrayLike<number>, from: number): void {
  const f = COARSE_FACTOR;
  for (let j = 0, at = from; j < sums.length; j++, at += f) {
    let sum = 0;
    for (let t = 0; t < f; t++) sum += data[at + t];
    sums[j] += sum;
  }
}

/**
 * The cols × COARSE_BLOCK start block (row-major) from the shrunk matrix's right singular
 * vectors `v` (smallCols × vCols, row-major): row x takes row min(⌊x / F⌋, smallCols − 1); the
 * columns `v` lacks (a shrunk matrix of lower rank) are left for `fill(row, column)`.
 */
export function stretch(
  v: Float32Array,
  smallCols: number,
  vCols: number,
  cols: number,
  fill: (row: number, column: number) => number,
): Float32Array {
  const b = COARSE_BLOCK;
  const start = new Float32Array(cols * b);
  const used = Math.min(vCols, b);
  for (let x = 0; x < cols; x++) {
    const from = Math.min(Math.floor(x / COARSE_FACTOR), smallCols - 1) * vCols;
    const row = x * b;
    for (let c = 0; c < used; c++) start[row + c] = v[from + c];
    for (let c = used; c < b; c++) start[row + c] = fill(x, c);
  }
  return start;
}
