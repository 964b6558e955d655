import { SvdInputError, type Matrix, type SvdOptions, type TruncatedSvd } from '../types.js';
import { createKernels, type KernelBackend } from '../kernels/backend.js';
import { blockLanczosSvd, lanczosWork, type LanczosPlan } from './block-lanczos.js';
import { denseSvd, denseWork } from './dense-svd.js';
import { refineComponents } from './refine.js';
import { WorkTracker } from './work.js';

/**
 * σ at or below this fraction of σ₁ count as numerically zero: the big products run in float32
 * (unit roundoff 6e-8, sums of thousands of terms), so smaller singular values are noise.
 */
export const RELATIVE_RANK_TOLERANCE = 2 ** -17;

/**
 * The Krylov space for a requested rank r: block size b ≈ r/8 and s ≈ 1.75·r + 24 columns
 * (2s column-passes over A). Measured with LAPACK on the 12 MP sample's three channels
 * (scripts/prototype/plan-sweep.py): at r = 32, 128, 256 this keeps the residual within 0.07 %
 * of optimal at every k ≤ r and every σ within 1.5 % (σ_i for i ≤ r/2 within 0.01 %); smaller
 * blocks converge better per column than larger ones (a block of 128 needs 1,280 columns for
 * what a block of 32 reaches in 960).
 */
export function lanczosPlan(rank: number): LanczosPlan {
  const blockSize = Math.min(64, Math.max(8, Math.ceil(rank / 64) * 8));
  const steps = Math.max(2, Math.ceil((1.75 * rank + 24) / blockSize));
  return { blockSize, steps };
}

export function validateMatrix(a: Matrix): void {
  if (!a || typeof a !== 'object' || !(a.data instanceof Float32Array)) {
    throw new SvdInputError('truncatedSvd: the matrix must be {rows, cols, data: Float32Array}');
  }
  const { rows, cols, data } = a;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new SvdInputError(`truncatedSvd: the matrix must be at least 1 × 1, got ${rows} × ${cols}`);
  }
  if (data.length !== rows * cols) {
    throw new SvdInputError(`truncatedSvd: ${rows} × ${cols} needs ${rows * cols} values, got ${data.length}`);
  }
}

export function validateRank(rank: number): void {
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1) {
    throw new SvdInputError(`truncatedSvd: the rank must be a whole number ≥ 1, got ${String(rank)}`);
  }
}

/** ‖A‖²_F in float64; throws a clear error on NaN or ±Infinity. */
export function frobeniusNormSquared(a: Matrix): number {
  const { data, cols } = a;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (!Number.isFinite(value)) {
      const row = Math.floor(i / cols);
      throw new SvdInputError(`truncatedSvd: the matrix holds ${value} at row ${row}, column ${i - row * cols}; only finite values can be decomposed`);
    }
    sum += value * value;
  }
  return sum;
}

/**
 * Truncated SVD of a (see core/index.ts). Runs on the calling thread, yielding to the event
 * loop every few tens of milliseconds so `signal` is honoured; does not modify `a`.
 */
export async function truncatedSvd(a: Matrix, options: SvdOptions): Promise<TruncatedSvd> {
  validateMatrix(a);
  validateRank(options?.rank);
  const backend = await createKernels(options.kernels ?? 'auto');
  return runTruncatedSvd(a, options, backend);
}

export async function runTruncatedSvd(
  a: Matrix,
  options: SvdOptions & { startVectors?: Matrix; plan?: LanczosPlan },
  backend: KernelBackend,
): Promise<TruncatedSvd> {
  const tracker = new WorkTracker(options.signal, options.onProgress);
  tracker.throwIfAborted();
  const energy = frobeniusNormSquared(a);
  const { rows, cols } = a;
  const shortSide = Math.min(rows, cols);
  const rank = Math.min(options.rank, shortSide);
  const seed = options.seed ?? 1;

  let result: TruncatedSvd;
  if (energy === 0) {
    result = emptySvd(rows, cols);
  } else {
    const plan = options.plan ?? lanczosPlan(rank);
    const krylovColumns = plan.blockSize * plan.steps;
    // A Krylov space covering most of the short side costs more than the exact decomposition.
    if (krylovColumns >= 0.6 * shortSide || shortSide <= 32) {
      tracker.plan(denseWork(rows, cols));
      result = await denseSvd(a, rank, energy, RELATIVE_RANK_TOLERANCE, tracker);
    } else {
      tracker.plan(lanczosWork(rows, cols, plan));
      result = await blockLanczosSvd(
        { a, rank, plan, seed, startVectors: options.startVectors, frobeniusNormSquared: energy, relativeRankTolerance: RELATIVE_RANK_TOLERANCE },
        backend,
        tracker,
      );
    }
  }
  await tracker.checkpoint();
  result = refineComponents(a, result);
  tracker.finish();
  return result;
}

function emptySvd(rows: number, cols: number): TruncatedSvd {
  return {
    rank: 0,
    sigma: new Float64Array(0),
    u: { rows, cols: 0, data: new Float32Array(0) },
    v: { rows: cols, cols: 0, data: new Float32Array(0) },
    frobeniusNormSquared: 0,
  };
}
