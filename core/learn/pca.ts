/**
 * PCA of a channel's rows: each of the m rows is a sample with n values. Subtract the mean row,
 * take the truncated SVD of the centred matrix C = A − 𝟙μᵀ (the engine's, on float values); the
 * right singular vectors are the principal axes, σᵢ²/‖C‖²_F the share of the variance each explains,
 * and U Σ the rows' coordinates on them. Without centring (the studio's SVD of A itself), σ₁
 * mostly measures the mean brightness instead of any variation.
 */
import type { SvdInput, SvdOptions, TruncatedSvd } from '../types.js';
import { truncatedSvd } from '../svd/truncated-svd.js';

export interface RowPca {
  /** The mean row (n values). */
  mean: Float64Array;
  /** ‖C‖²_F: the total variance times (m − 1). */
  total: number;
  /** σᵢ of C, descending. */
  sigma: Float64Array;
  /** σᵢ² / ‖C‖²_F. */
  ratios: Float64Array;
  /** Each row's coordinates on PC1 and PC2: m pairs (row-major m × 2). */
  scores: Float32Array;
  /** The centred SVD itself (each axis signed so its largest-magnitude loading is positive). */
  svd: TruncatedSvd;
}

export async function rowPca(a: SvdInput, rank: number, options: Omit<SvdOptions, 'rank'> = {}): Promise<RowPca> {
  const { rows, cols, data } = a;
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c];
  for (let c = 0; c < cols; c++) mean[c] /= rows;
  const centred = new Float32Array(rows * cols);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const value = data[r * cols + c] - mean[c];
      centred[r * cols + c] = value;
      total += value * value;
    }
  }
  const svd = await truncatedSvd({ rows, cols, data: centred }, { ...options, rank });
  // One sign per axis (an SVD's vectors are defined up to sign): its largest loading positive.
  for (let i = 0; i < svd.rank; i++) {
    let largest = 0;
    for (let c = 0; c < cols; c++) {
      const value = svd.v.data[c * svd.rank + i];
      if (Math.abs(value) > Math.abs(largest)) largest = value;
    }
    if (largest >= 0) continue;
    for (let c = 0; c < cols; c++) svd.v.data[c * svd.rank + i] *= -1;
    for (let r = 0; r < rows; r++) svd.u.data[r * svd.rank + i] *= -1;
  }
  const scores = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < Math.min(2, svd.rank); i++) scores[r * 2 + i] = svd.u.data[r * svd.rank + i] * svd.sigma[i];
  }
  return { mean, total, sigma: svd.sigma, ratios: svd.sigma.map((s) => (total > 0 ? (s * s) / total : 0)), scores, svd };
}
