import type { KernelBackend, KernelKind } from './kernels/index.js';

/** A dense matrix of float32 values, row-major: element (r, c) is data[r * cols + c]. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/**
 * A matrix of integer samples, row-major (a colour channel's values as decoded: 8 or 16 bits).
 * truncatedSvd takes it as it takes a Matrix, with the same results bit for bit — the products run
 * on the same float32 values (8-bit samples stay bytes in the kernels' workspace and are widened
 * as they are read; others are copied as floats) — so a caller with pixels need not make a float
 * plane first.
 */
export interface SampleMatrix {
  rows: number;
  cols: number;
  data: Uint8Array | Uint16Array;
}

/** What truncatedSvd decomposes: float values, or integer samples. */
export type SvdInput = Matrix | SampleMatrix;

/**
 * A truncated singular value decomposition A ≈ U diag(σ) Vᵀ.
 * No centring: A is the channel itself, so σ₁ carries the mean brightness.
 */
export interface TruncatedSvd {
  /** Number of components computed. */
  rank: number;
  /** Singular values, descending, length rank, every one > 0. */
  sigma: Float64Array;
  /** rows × rank, orthonormal columns (row-major). */
  u: Matrix;
  /** cols × rank, orthonormal columns (row-major). */
  v: Matrix;
  /** ‖A‖²_F of the input, so the error at any k ≤ rank is exact: ‖A − A_k‖²_F = ‖A‖²_F − Σ_{i≤k} σ_i². */
  frobeniusNormSquared: number;
  /** The Krylov space the result came from, when the caller asked for it (`keepKrylov`), to extend it later. */
  krylov?: KrylovState;
}

/**
 * The block Krylov space a block-Lanczos run built, enough to extend it by more steps and so to
 * reach a higher rank without repeating the products already done (the progressive stages).
 * P (rows × s) and Q (cols × (s + b)) are the orthonormal bases, M (s × (s + b), float64) the
 * projection PᵀA = M Qᵀ; s = steps · b. Row-major, compact (leading dimension = width).
 */
export interface KrylovState {
  rows: number;
  cols: number;
  /** The matrix's ‖A‖²_F and the sum of its entries, so an extension need not read it for them again. */
  frobeniusNormSquared: number;
  sum: number;
  blockSize: number;
  steps: number;
  p: Float32Array;
  q: Float32Array;
  m: Float64Array;
}

export interface SvdOptions {
  /** Number of components wanted (≥ 1). */
  rank: number;
  signal?: AbortSignal;
  /** Called with the fraction of the work done, 0…1, non-decreasing. */
  onProgress?: (fraction: number) => void;
  /** Seed of the random start block; the same seed gives the same result. Default 1. */
  seed?: number;
  /**
   * Kernel backend: 'relaxed' (WebAssembly relaxed SIMD), 'simd' (SIMD128), 'plain'
   * TypeScript, or a backend from createKernels() to reuse its WebAssembly memory across calls
   * (one call at a time per backend).
   */
  kernels?: KernelKind | 'auto' | KernelBackend;
  /**
   * Continue this Krylov space (from an earlier result's `krylov`, same matrix) instead of
   * starting from a random block: only the steps the rank needs beyond it are run. Ignored where
   * the matrix is small enough for the dense path.
   */
  krylov?: KrylovState;
  /** Return the Krylov space in the result's `krylov`, to continue it later. */
  keepKrylov?: boolean;
  /**
   * Makes the arrays U and V are written into (`length` zeroed floats): on a SharedArrayBuffer,
   * for instance, so that a host shares the factors with other threads without copying them.
   * Default: a new Float32Array.
   */
  allocate?: (length: number) => Float32Array;
  /**
   * Run only the first `krylovSteps` steps of the rank's plan (or those after `krylov`'s) and
   * return just the space: a result of rank 0 whose `krylov` the next piece extends. For one
   * decomposition split across workers (core's pool); the rank must take the Krylov path
   * (`usesKrylov`).
   */
  krylovSteps?: number;
  /**
   * A first look at a large matrix, at rank ≤ 32 (core/svd/coarse-start.ts): start from the right
   * singular vectors of the matrix shrunk 4 times each way and take one step of 32 columns, a third
   * of the usual products for about the same accuracy on photos. Its Krylov space (`keepKrylov`)
   * is made of blocks of 32, and a higher rank extends it in blocks of 32. Its σ are re-measured
   * in float64 only where its residual is under 6e-4 of ‖A‖² (core/svd/refine.ts): the residual
   * ‖A‖² − Σσ² is within about 1e-4 of the pixels' rather than 1e-6. Ignored where it does not
   * apply (a smaller matrix or a higher rank, `krylov` or `krylovSteps` given): the run is as
   * without it.
   */
  coarseStart?: boolean;
}

export class SvdInputError extends Error {
  override name = 'SvdInputError';
}

export class SvdAbortError extends Error {
  override name = 'AbortError';
  constructor(message = 'The decomposition was aborted') {
    super(message);
  }
}
