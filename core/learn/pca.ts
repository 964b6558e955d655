/**
 * PCA of a channel's rows: each of the m rows is a sample with n values. With the centred matrix
 * B = A − 𝟙μᵀ (μ the mean row), the principal axes are the eigenvectors of BᵀB (B's right
 * singular vectors), its eigenvalues σᵢ² (B's singular values squared), σᵢ²/‖B‖²_F the share of
 * the variance each explains, and B vᵢ = σᵢuᵢ the rows' coordinates on axis i. The eigenpairs
 * come from block Lanczos on products with BᵀB, which the Gram operator makes from its own copy of
 * A (gram-operator.ts: no centred copy) — or from the eigensolver of AᵀA's run, which finds them
 * in the same Krylov space (gramEigen's `centred`) — or, for a narrow channel, from BᵀB itself in
 * float64.
 * Without centring (the studio's SVD of A itself), σ₁ mostly measures the mean brightness instead
 * of any variation.
 */
import type { SvdInput } from '../types.js';
import type { KernelBackend } from '../kernels/index.js';
import { symmetricEigen } from '../linalg/symmetric-eigen.js';
import { WorkTracker } from '../svd/work.js';
import { GRAM_BLOCK, GramOperator } from './gram-operator.js';
import { lanczosEigen, type EigenPairs } from './gram-eigen.js';

export interface RowPca {
  /** The mean row (n values). */
  mean: Float64Array;
  /** ‖B‖²_F: the total variance times m. */
  total: number;
  /** σᵢ of B, descending. */
  sigma: Float64Array;
  /** σᵢ² / ‖B‖²_F. */
  ratios: Float64Array;
  /** The principal axes: sigma.length rows of n values, each signed so its largest-magnitude loading is positive. */
  axes: Float64Array;
  /** Each row's coordinates on PC1 and PC2: m pairs (row-major m × 2). */
  scores: Float32Array;
  /** 'lanczos' (its products with BᵀB, eight vectors each) or 'dense'. */
  method: 'lanczos' | 'dense';
}

export interface RowPcaOptions {
  kernels: KernelBackend;
  /** A Gram operator made for A on `kernels` (used while it holds the workspace; else one is made). */
  operator?: GramOperator;
  /** CᵀC's top eigenpairs already computed for this A (gramEigen's `centred`): only the scores are left to do. */
  pairs?: EigenPairs | null;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** Channels narrower than this (or than the components wanted + 16) take the dense path. */
const DENSE_PCA_LIMIT = 64;

export async function rowPca(a: SvdInput, rank: number, options: RowPcaOptions): Promise<RowPca> {
  const { rows, cols } = a;
  const wanted = Math.max(1, Math.min(rank, cols));
  const work = new WorkTracker(options.signal, options.onProgress);
  const { kernels } = options;
  const operator = GramOperator.reuse(options.operator, a, kernels);
  const mean = operator.meanRow;
  const total = operator.centredNormSquared;
  let values: Float64Array;
  let axes: Float64Array;
  let method: RowPca['method'];
  if (total === 0) {
    // Every row is the mean row: no variance, and any axes.
    values = new Float64Array(wanted);
    axes = new Float64Array(wanted * cols);
    for (let i = 0; i < wanted; i++) axes[i * cols + i] = 1;
    method = 'dense';
  } else if (options.pairs && options.pairs.values.length >= wanted) {
    values = options.pairs.values.slice(0, wanted);
    axes = options.pairs.vectors.slice(0, wanted * cols);
    method = 'lanczos';
  } else if (cols < Math.max(DENSE_PCA_LIMIT, wanted + 2 * GRAM_BLOCK)) {
    ({ values, axes } = await denseCentredEigen(a, mean, wanted, work));
    method = 'dense';
  } else {
    const eigen = await lanczosEigen(operator.centred(), wanted, options.seed ?? 5, work);
    values = eigen.values;
    axes = eigen.vectors;
    method = 'lanczos';
  }
  // One sign per axis (an eigenvector is defined up to sign): its largest loading positive.
  for (let i = 0; i < wanted; i++) {
    const axis = axes.subarray(i * cols, (i + 1) * cols);
    let largest = 0;
    for (const value of axis) if (Math.abs(value) > Math.abs(largest)) largest = value;
    if (largest < 0) for (let c = 0; c < cols; c++) axis[c] = -axis[c];
  }
  const sigma = values.map((value) => Math.sqrt(Math.max(0, value)));
  // Row r's coordinate on axis i: (B vᵢ)_r, on the operator's copy of A.
  const scored = Math.min(2, wanted);
  const projections = operator.centred().times(axes, scored);
  const scores = new Float32Array(rows * 2);
  for (let i = 0; i < scored; i++) for (let r = 0; r < rows; r++) scores[r * 2 + i] = projections[i * rows + r];
  work.finish();
  return { mean, total, sigma, ratios: values.map((value) => (total > 0 ? Math.max(0, value) / total : 0)), axes, scores, method };
}

/** The top eigenpairs of BᵀB formed in float64 from the samples (m n² multiply-adds: narrow channels only). */
async function denseCentredEigen(
  a: SvdInput,
  mean: Float64Array,
  count: number,
  work: WorkTracker,
): Promise<{ values: Float64Array; axes: Float64Array }> {
  const { rows, cols, data } = a;
  const gram = new Float64Array(cols * cols);
  const row = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) row[c] = data[r * cols + c] - mean[c];
    for (let i = 0; i < cols; i++) {
      const value = row[i];
      if (value === 0) continue;
      for (let j = i; j < cols; j++) gram[i * cols + j] += value * row[j];
    }
    if ((r & 255) === 255) await work.checkpoint();
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) gram[i * cols + j] = gram[j * cols + i];
  const eigen = await symmetricEigen(gram, cols, work.checkpoint);
  return { values: eigen.values.slice(0, count), axes: eigen.vectors.slice(0, count * cols) };
}
