/**
 * The exact error of the rank-k reconstruction from the spectrum alone:
 * ‖A − A_k‖²_F = ‖A‖²_F − Σ_{i≤k} σ_i², for every k ≤ rank, in float64.
 */
import type { TruncatedSvd } from '../types.js';
import { psnrFromMse } from '../metrics/metrics.js';

/** Squared Frobenius error of the rank-k reconstruction (k clamped to 0…rank). */
export function squaredErrorAtRank(svd: TruncatedSvd, k: number): number {
  const kk = Math.max(0, Math.min(svd.rank, Math.floor(k)));
  let kept = 0;
  for (let i = 0; i < kk; i++) kept += svd.sigma[i] * svd.sigma[i];
  return Math.max(0, svd.frobeniusNormSquared - kept);
}

/** errors[k] = ‖A − A_k‖²_F for k = 0…rank. */
export function squaredErrorCurve(svd: TruncatedSvd): Float64Array {
  const errors = new Float64Array(svd.rank + 1);
  let kept = 0;
  errors[0] = svd.frobeniusNormSquared;
  for (let k = 1; k <= svd.rank; k++) {
    kept += svd.sigma[k - 1] * svd.sigma[k - 1];
    errors[k] = Math.max(0, svd.frobeniusNormSquared - kept);
  }
  return errors;
}

/** Fraction of ‖A‖²_F kept by the first k components (1 for an all-zero matrix). */
export function energyKept(svd: TruncatedSvd, k: number): number {
  if (svd.frobeniusNormSquared === 0) return 1;
  return 1 - squaredErrorAtRank(svd, k) / svd.frobeniusNormSquared;
}

/** Mean squared error per value at rank k (before rounding to integers). */
export function meanSquaredErrorAtRank(svd: TruncatedSvd, k: number): number {
  return squaredErrorAtRank(svd, k) / (svd.u.rows * svd.v.rows);
}

/** PSNR in dB for a mean squared error and a peak value (255 or 65535); Infinity when mse is 0. */
export function psnr(meanSquaredError: number, peak: number): number {
  return psnrFromMse(meanSquaredError, peak) ?? Infinity;
}
