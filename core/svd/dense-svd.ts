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
import type { DenseKernels } from '../kernels/index.js';

export function denseWork(rows: number, cols: number): number {
  const d = Math.min(rows, cols);
  return rows * cols * d * 1.5 + 4 * d * d * d;
}

export async function denseSvd(
  a: Matrix,
  rank: number,
  frobeniusNormSquared: number,
  relativeRankTolerance: number,
  tracker: WorkTracker,
  dense: DenseKernels,
): Promise<TruncatedSvd> {
  const { rows, cols, data } = a;
  const shortIsCols = cols <= rows;
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

  const eigen = await symmetricEigen(gram, d, tracker.checkpoint, dense);
  tracker.advance(4 * d * d * d);
  const sigmaAll = Array.from(eigen.values, (value) => Math.sqrt(Math.max(0, value)));
  const cutoff = sigmaAll[0] * relativeRankTolerance;
  let kept = 0;
  while (kept < Math.min(rank, d) && sigmaAll[kept] > cutoff && Number.isFinite(sigmaAll[kept])) kept++;

  // Short-side factor: the eigenvectors. Long-side factor: A·(vector)/σ, one line at a time.
  const shortFactor = new Float32Array(d * kept);
  for (let c = 0; c < kept; c++) for (let j = 0; j < d; j++) shortFactor[j * kept + c] = eigen.vectors[c * d + j];
  const longFactor = new Float32Array(long * kept);
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
