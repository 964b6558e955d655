/**
 * How orthonormal the computed singular vectors are: the Gram matrix QₖᵀQₖ of the first k columns
 * of U or V (float64 sums of the float32 vectors), which would be the identity in exact arithmetic.
 */
import type { Matrix } from '../types.js';

/** The heat maps stop here: 64 × 64 cells are still legible. */
export const MAX_ORTHOGONALITY_RANK = 64;

export interface Orthogonality {
  k: number;
  /** k × k, row-major: entry (i, j) = qᵢ · qⱼ. */
  gram: Float64Array;
  /** max |QₖᵀQₖ − I| over every entry (diagonal included). */
  maxDeviation: number;
  /** max |qᵢ · qⱼ| over i ≠ j. */
  maxOffDiagonal: number;
}

/** `q`: rows × rank, row-major (a TruncatedSvd's u or v); k at most the rank and MAX_ORTHOGONALITY_RANK. */
export function orthogonality(q: Matrix, k: number): Orthogonality {
  const kk = Math.max(0, Math.min(k, q.cols, MAX_ORTHOGONALITY_RANK));
  const gram = new Float64Array(kk * kk);
  const rank = q.cols;
  for (let r = 0; r < q.rows; r++) {
    const row = r * rank;
    for (let i = 0; i < kk; i++) {
      const x = q.data[row + i];
      for (let j = i; j < kk; j++) gram[i * kk + j] += x * q.data[row + j];
    }
  }
  let maxDeviation = 0;
  let maxOffDiagonal = 0;
  for (let i = 0; i < kk; i++) {
    for (let j = i; j < kk; j++) {
      const value = gram[i * kk + j];
      gram[j * kk + i] = value;
      if (i === j) maxDeviation = Math.max(maxDeviation, Math.abs(value - 1));
      else {
        maxDeviation = Math.max(maxDeviation, Math.abs(value));
        maxOffDiagonal = Math.max(maxOffDiagonal, Math.abs(value));
      }
    }
  }
  return { k: kk, gram, maxDeviation, maxOffDiagonal };
}
