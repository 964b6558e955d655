/**
 * Exact SVD for small matrices, or ranks close to min(rows, cols), where a Krylov space would
 * cover the whole range anyway: the float64 Gram matrix of the short side (AᵀA when cols ≤ rows,
 * else AAᵀ), its symmetric eigen-decomposition, and the other factor as A·V·Σ⁻¹ (or Aᵀ·U·Σ⁻¹).
 * Squaring the spectrum costs accuracy only for σ below ~1e-7·σ₁, far under the engine's
 * numerical-rank cutoff. O(rows·cols·d + d³) with d = min(rows, cols), in float64 TypeScript.
 */
import type { Matrix, TruncatedSvd } from '../types.js';
import { symmetricEigen } from '../linalg/symmetric-eigen.js';
import type { WorkTracker } from './work.js';
import { rayleighQuotientOf, refineComponents } from './refine.js';
import type { DenseKernels, KernelBackend } from '../kernels/index.js';

export function denseWork(rows: number, cols: number): number {
  const d = Math.min(rows, cols);
  return rows * cols * d * 1.5 + 4 * d * d * d;
}

/** Rows per kernel call in the tall path, so the tracker sees progress (and aborts) every few ms. */
const TALL_CHUNK_ROWS = 4096;

export async function denseSvd(
  a: Matrix,
  rank: number,
  frobeniusNormSquared: number,
  relativeRankTolerance: number,
  tracker: WorkTracker,
  allocate: (length: number) => Float32Array,
  dense: DenseKernels,
  kernels?: KernelBackend,
): Promise<TruncatedSvd> {
  const { rows, cols, data } = a;
  const shortIsCols = cols <= rows;
  // Tall matrices with an even number of columns (the patch model's block matrices, square
  // planes): the Gram matrix and A·V on the kernels.
  if (kernels && shortIsCols && cols % 2 === 0)
    return tallDenseSvd(a, rank, frobeniusNormSquared, relativeRankTolerance, tracker, allocate, dense, kernels);
  const d = shortIsCols ? cols : rows;
  const long = shortIsCols ? rows : cols;
  // element (i along the long side, j along the short side)
  const at = shortIsCols ? (i: number, j: number) => data[i * cols + j] : (i: number, j: number) => data[j * cols + i];

  // Gram of the short side, accumulated one long-side line at a time (upper triangle).
  const gram = new Float64Array(d * d);
  const line = new Float64Array(d);
  for (let i = 0; i < long; i++) {
    for (let j = 0; j < d; j++) line[j] = at(i, j);
    for (let j = 0; j < d; j++) {
      const value = line[j];
      if (value === 0) continue;
      const row = j * d;
      for (let k = j; k < d; k++) gram[row + k] += value * line[k];
    }
    if ((i & 7) === 7) {
      tracker.advance(8 * d * d * 0.5);
      await tracker.checkpoint();
    }
  }
  for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) gram[j * d + k] = gram[k * d + j];

  // Short-side factor: the eigenvectors. Long-side factor: A·(vector)/σ, one line at a time.
  const { eigen, sigmaAll, kept, shortFactor } = await gramSpectrum(gram, d, rank, relativeRankTolerance, tracker, allocate, dense);
  const longFactor = allocate(long * kept);
  for (let i = 0; i < long; i++) {
    for (let j = 0; j < d; j++) line[j] = at(i, j);
    for (let c = 0; c < kept; c++) {
      const vector = eigen.vectors.subarray(c * d, c * d + d);
      let sum = 0;
      for (let j = 0; j < d; j++) sum += line[j] * vector[j];
      longFactor[i * kept + c] = sum / sigmaAll[c];
    }
    if ((i & 63) === 63) {
      tracker.advance(64 * d * kept);
      await tracker.checkpoint();
    }
  }
  const longMatrix = { rows: long, cols: kept, data: longFactor };
  const shortMatrix = { rows: d, cols: kept, data: shortFactor };
  return refineComponents(
    {
      rank: kept,
      sigma: Float64Array.from(sigmaAll.slice(0, kept)),
      u: shortIsCols ? longMatrix : shortMatrix,
      v: shortIsCols ? shortMatrix : longMatrix,
      frobeniusNormSquared,
    },
    rayleighQuotientOf(a),
  );
}

/**
 * The dense path for rows ≥ cols on the kernel backend: AᵀA accumulates in float64 (gram64) over
 * chunks of rows; after the float64 eigen-decomposition, U = A·V·Σ⁻¹ comes from gemmNN chunk by
 * chunk. Each chunk of A is copied into the kernels' workspace when it is used (twice in all), so
 * the workspace holds one chunk, not a second copy of A (the patch model's 12 MP luma: 49 MB).
 * Same results as the scalar path up to float32 rounding of the products' sums (then refined as
 * there).
 */
async function tallDenseSvd(
  a: Matrix,
  rank: number,
  frobeniusNormSquared: number,
  relativeRankTolerance: number,
  tracker: WorkTracker,
  allocate: (length: number) => Float32Array,
  dense: DenseKernels,
  kernels: KernelBackend,
): Promise<TruncatedSvd> {
  const { rows, cols, data } = a;
  const d = cols;
  const d8 = Math.ceil(d / 8) * 8;
  const chunk = Math.min(rows, TALL_CHUNK_ROWS);
  // Workspace (floats): a chunk of A (chunk × d) | chunk Gram (d × d doubles) | V padded (d × d8) | chunk of U (chunk × d8).
  const offA = 0;
  const offGram = chunk * d + ((chunk * d) & 1);
  const offV = offGram + 2 * d * d;
  const offU = offV + d * d8;
  const ws = kernels.allocate(offU + chunk * d8, d8);
  const chunkOfA = (r0: number, count: number) => ws.set(data.subarray(r0 * d, (r0 + count) * d), offA);
  const gram = new Float64Array(d * d);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const count = Math.min(chunk, rows - r0);
    chunkOfA(r0, count);
    kernels.gram64(offA, d, count, d, offGram);
    const part = kernels.doubles(offGram, d * d);
    for (let i = 0; i < d * d; i++) gram[i] += part[i];
    tracker.advance(count * d * d * 0.5);
    await tracker.checkpoint();
  }

  const { eigen, sigmaAll, kept, shortFactor } = await gramSpectrum(gram, d, rank, relativeRankTolerance, tracker, allocate, dense);
  // V, d × d8 (zero padded: the workspace is zeroed when allocated).
  for (let j = 0; j < d; j++) for (let c = 0; c < kept; c++) ws[offV + j * d8 + c] = eigen.vectors[c * d + j];
  const longFactor = allocate(rows * kept);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const count = Math.min(chunk, rows - r0);
    chunkOfA(r0, count);
    kernels.gemmNN(offA, d, count, d, offV, d8, d8, offU, d8, 1, false);
    for (let r = 0; r < count; r++) {
      const from = offU + r * d8;
      const to = (r0 + r) * kept;
      for (let c = 0; c < kept; c++) longFactor[to + c] = ws[from + c] / sigmaAll[c];
    }
    tracker.advance(count * d * kept);
    await tracker.checkpoint();
  }
  return refineComponents(
    {
      rank: kept,
      sigma: Float64Array.from(sigmaAll.slice(0, kept)),
      u: { rows, cols: kept, data: longFactor },
      v: { rows: d, cols: kept, data: shortFactor },
      frobeniusNormSquared,
    },
    rayleighQuotientOf(a),
  );
}

/**
 * The eigen-decomposition of the d × d Gram matrix: σ (square roots of its eigenvalues), how many
 * are kept (up to `rank`, above the numerical-rank cutoff) and the short-side factor (the kept
 * eigenvectors, d × kept, in an array from `allocate`).
 */
async function gramSpectrum(
  gram: Float64Array,
  d: number,
  rank: number,
  relativeRankTolerance: number,
  tracker: WorkTracker,
  allocate: (length: number) => Float32Array,
  dense: DenseKernels,
): Promise<{ eigen: Awaited<ReturnType<typeof symmetricEigen>>; sigmaAll: number[]; kept: number; shortFactor: Float32Array }> {
  const eigen = await symmetricEigen(gram, d, tracker.checkpoint, dense);
  tracker.advance(4 * d * d * d);
  const sigmaAll = Array.from(eigen.values, (value) => Math.sqrt(Math.max(0, value)));
  const cutoff = sigmaAll[0] * relativeRankTolerance;
  let kept = 0;
  while (kept < Math.min(rank, d) && sigmaAll[kept] > cutoff && Number.isFinite(sigmaAll[kept])) kept++;
  const shortFactor = allocate(d * kept);
  for (let c = 0; c < kept; c++) for (let j = 0; j < d; j++) shortFactor[j * kept + c] = eigen.vectors[c * d + j];
  return { eigen, sigmaAll, kept, shortFactor };
}
