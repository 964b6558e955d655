/**
 * Randomized block Golub–Kahan–Lanczos bidiagonalization with full reorthogonalization, then a
 * one-sided Rayleigh–Ritz projection: the engine's path for ranks well below min(rows, cols).
 *
 * Starting from a random (seeded) orthonormal block Q₁ (cols × b), or one given (the coarse
 * start, coarse-start.ts), each step j computes
 *   A·Q_j   → orthogonalized against P₁…P_{j−1} (twice) → P_j R_j   (CholeskyQR, rows × b)
 *   Aᵀ·P_j  → orthogonalized against Q₁…Q_j (twice)     → Q_{j+1} S_j (CholeskyQR, cols × b)
 * so after k steps P = [P₁…P_k] (rows × s, s = k·b) spans the block Krylov space
 * span{AQ₁, (AAᵀ)AQ₁, …} (Musco & Musco 2015), and every row of PᵀA lies in the span of
 * Q = [Q₁…Q_{k+1}]: PᵀA = M·Qᵀ with M (s × (s+b)) assembled from the coefficients of the Aᵀ
 * steps, so the projection PᵀA — the best rank-s approximation within span(P), as in Halko,
 * Martinsson & Tropp's Algorithm 5.1 — costs no extra pass over A. The SVD of the small M comes
 * from the symmetric eigenproblem of MMᵀ in float64: U = P·U_M, V = Q·Mᵀ·U_M·Σ⁻¹.
 *
 * The space can be extended: a run given an earlier run's P, Q and M (`resume`, a KrylovState)
 * continues from its last step, so the progressive stages 32 → 128 → 256 cost one rank-256 run
 * plus the small problems of the stages before it.
 *
 * Cost: 2k products of A with b-column blocks (2s column-passes over A), against (2q+1)·ℓ + ℓ for
 * subspace iteration. Tall blocks are float32 (the SIMD kernels' type); coefficients, M and
 * the eigenproblem are float64.
 *
 * Workspace layout (float32, row-major, offsets in elements):
 *   A rows×cols (or rows·cols bytes, for 8-bit samples) | P rows×s | Q cols×(s+b) | W, T max(rows,cols)×b | C (s+b)×b | R⁻¹ b×b
 *   | U_M s×r8 | V_M (s+b)×r8 | U rows×r8 | V cols×r8 | float64: Gram b×b, two Rayleigh vectors
 */
import type { KrylovState, SvdInput, TruncatedSvd } from '../types.js';
import type { KernelBackend } from '../kernels/index.js';
import { SeededRandom } from '../linalg/random.js';
import { symmetricEigenInPlace } from '../linalg/symmetric-eigen.js';
import type { WorkTracker } from './work.js';
import { refineComponents, remeasureNeeded } from './refine.js';

export interface LanczosPlan {
  /** Columns per block, a multiple of 8. */
  blockSize: number;
  /** Number of steps; the Krylov space has blockSize · steps columns. */
  steps: number;
}

/** Where a run's time goes, for the benchmark's profile (phases charged exclusively, nested ones not double-counted). */
export type LanczosPhase =
  | 'setup'
  | 'products'
  | 'shift and norms'
  | 'reorthogonalization'
  | 'CholeskyQR'
  | 'copies'
  | 'small problem'
  | 'back-transform'
  | 'refinement'
  | 'yields';

export const LANCZOS_PHASES: readonly LanczosPhase[] = [
  'setup',
  'products',
  'shift and norms',
  'reorthogonalization',
  'CholeskyQR',
  'copies',
  'small problem',
  'back-transform',
  'refinement',
  'yields',
];

/** A profile to fill: `clock()` in milliseconds (the caller's, e.g. performance.now; core has no timer of its own). */
export interface LanczosProfile {
  clock(): number;
  /** Milliseconds per phase, added to. */
  milliseconds: Record<LanczosPhase, number>;
}

export interface LanczosInput {
  a: SvdInput;
  rank: number;
  plan: LanczosPlan;
  seed: number;
  frobeniusNormSquared: number;
  /** Mean of the entries of a. */
  mean: number;
  /** σ at or below this fraction of σ₁ count as numerically zero. */
  relativeRankTolerance: number;
  profile?: LanczosProfile;
  /** A Krylov space of this matrix with the plan's block size and at most its steps, to extend. */
  resume?: KrylovState;
  /** The start block (cols × blockSize, row-major) instead of Gaussian columns: the coarse start (coarse-start.ts). */
  start?: Float32Array;
  /** Return the Krylov space after the last step in the result's `krylov`. */
  keepState?: boolean;
  /** Run the steps only and return the space (a result of rank 0 with `krylov`): one piece of a decomposition split across workers. */
  stepsOnly?: boolean;
  /** Makes the arrays of U and V (SvdOptions.allocate). */
  allocate: (length: number) => Float32Array;
  /**
   * When to re-measure the leading σ in float64 (refine.ts): 'always' (the default); 'where
   * needed' for a first look at rank ≤ 32, only where its residual is small (remeasureNeeded);
   * 'never' for a coarse start's own run (coarse-start.ts: only its V is used). Where they are
   * not re-measured the columns are only scaled to unit length.
   */
  remeasure?: 'always' | 'where needed' | 'never';
}

/** Multiply-adds of the big products, for progress; `fromSteps`: the steps an extended space already has. */
export function lanczosWork(rows: number, cols: number, plan: LanczosPlan, fromSteps = 0): number {
  return 2 * Math.max(0, plan.steps - fromSteps) * plan.blockSize * rows * cols;
}

/** Flop budget of one uninterrupted product chunk: a few tens of milliseconds on either backend. */
function chunkMultiplyAdds(backend: KernelBackend): number {
  return backend.kind === 'plain' ? 2e7 : 1.5e8;
}

/**
 * The workspace layout above for a rank-`rank` run of `plan` on a rows × cols matrix (`bytes`:
 * 8-bit samples, kept as bytes): each area's offset in floats, the floats in all and A's share,
 * and the sizes they follow from (s, s + b, the rank the space allows and it rounded up to 8).
 */
export function lanczosWorkspace(rows: number, cols: number, requestedRank: number, plan: LanczosPlan, bytes: boolean) {
  const b = plan.blockSize;
  const s = b * plan.steps;
  const sb = s + b;
  const rank = Math.min(requestedRank, s);
  const r8 = Math.max(8, Math.ceil(rank / 8) * 8);
  const tall = Math.max(rows, cols);
  let next = 0;
  const take = (floats: number) => {
    const at = next;
    next += floats;
    return at;
  };
  const floatsA = bytes ? Math.ceil((rows * cols) / 4) : rows * cols;
  const offA = take(floatsA);
  const offP = take(rows * s);
  const offQ = take(cols * sb);
  const offW = take(tall * b);
  const offT = take(tall * b);
  const offC = take(sb * b);
  const offRinv = take(b * b);
  const offUm = take(s * r8);
  const offVm = take(sb * r8);
  const offU = take(rows * r8);
  const offV = take(cols * r8);
  next += next & 1; // float64 areas start on an even float offset
  const offGram64 = take(2 * b * b);
  const offRayleighX = take(2 * 4 * cols);
  const offRayleighY = take(2 * 4 * rows);
  return {
    s,
    sb,
    rank,
    r8,
    floats: next,
    floatsA,
    /** The widest thin block the products take (the backend's allocate(): maxThinColumns). */
    thinColumns: Math.max(b, r8),
    offsets: { offA, offP, offQ, offW, offT, offC, offRinv, offUm, offVm, offU, offV, offGram64, offRayleighX, offRayleighY },
  };
}

// CholeskyQR's loops (orthonormalize, inside blockLanczosSvd) are functions of their own. V8
// optimizes each small function quickly; as loops inside the closure, they made it hot enough on
// a photo's first job for an optimizing compile of the whole closure that took about 180 ms of a
// background thread in every SVD worker, while the first preview was being computed.

/** Columns of X (n × b at x, ld ldx) divided by their norms; dead ones (alive[c] = 0) set to zero. */
function scaleColumns(ws: Float32Array, x: number, ldx: number, n: number, b: number, alive: Uint8Array, norms: Float64Array): void {
  for (let r = 0; r < n; r++) {
    const row = x + r * ldx;
    for (let c = 0; c < b; c++) ws[row + c] = alive[c] ? ws[row + c] / norms[c] : 0;
  }
}

/** max |G − I| over the live columns of a b × b Gram matrix. */
function gramDeviation(gram: Float64Array, alive: Uint8Array, b: number): number {
  let deviation = 0;
  for (let i = 0; i < b; i++) {
    if (!alive[i]) continue;
    for (let j = 0; j < b; j++) {
      if (!alive[j]) continue;
      deviation = Math.max(deviation, Math.abs(gram[i * b + j] - (i === j ? 1 : 0)));
    }
  }
  return deviation;
}

/**
 * The upper Cholesky factor R of a b × b Gram matrix of unit columns (RᵀR = G) over the live
 * columns; a column whose pivot falls below (2⁻²⁰)² is marked dead in `alive` and left zero.
 */
function choleskyFactor(gram: Float64Array, alive: Uint8Array, b: number): Float64Array {
  const factor = new Float64Array(b * b);
  for (let j = 0; j < b; j++) {
    if (!alive[j]) continue;
    let pivot = gram[j * b + j];
    for (let i = 0; i < j; i++) pivot -= factor[i * b + j] * factor[i * b + j];
    // Unit columns: a pivot below (2⁻²⁰)² means the column is the block's earlier columns to
    // within 1e-6, no more than the rounding of its float32 values.
    if (!(pivot > 2 ** -40)) {
      alive[j] = 0;
      continue;
    }
    const diagonal = Math.sqrt(pivot);
    factor[j * b + j] = diagonal;
    for (let l = j + 1; l < b; l++) {
      if (!alive[l]) continue;
      let value = gram[j * b + l];
      for (let i = 0; i < j; i++) value -= factor[i * b + j] * factor[i * b + l];
      factor[j * b + l] = value / diagonal;
    }
  }
  return factor;
}

/** R⁻¹ of an upper triangular b × b R by back substitution, over the live columns (dead ones map to zero). */
function upperInverse(factor: Float64Array, alive: Uint8Array, b: number): Float64Array {
  const inverse = new Float64Array(b * b);
  for (let j = 0; j < b; j++) {
    if (!alive[j]) continue;
    inverse[j * b + j] = 1 / factor[j * b + j];
    for (let i = j - 1; i >= 0; i--) {
      if (!alive[i]) continue;
      let sum = 0;
      for (let l = i + 1; l <= j; l++) sum += factor[i * b + l] * inverse[l * b + j];
      inverse[i * b + j] = -sum / factor[i * b + i];
    }
  }
  return inverse;
}

/** Within ws: the n rows of b values at `to` (ld ldTo) ← those at `from` (ld ldFrom). */
function copyRows(ws: Float32Array, to: number, ldTo: number, from: number, ldFrom: number, n: number, b: number): void {
  for (let r = 0; r < n; r++) ws.copyWithin(to + r * ldTo, from + r * ldFrom, from + r * ldFrom + b);
}

/** factor · total for an upper triangular b × b factor (skipping its zeros). */
function upperProduct(factor: Float64Array, total: Float64Array, b: number): Float64Array {
  const product = new Float64Array(b * b);
  for (let i = 0; i < b; i++) {
    for (let l = i; l < b; l++) {
      const f = factor[i * b + l];
      if (f === 0) continue;
      for (let j = 0; j < b; j++) product[i * b + j] += f * total[l * b + j];
    }
  }
  return product;
}

// So are blockLanczosSvd's loops over the rows of the blocks: the start block, the copies.

/** The n rows of b values at `at` (ld ld) filled with standard normal values from `random`, row after row. */
function fillGaussian(ws: Float32Array, at: number, ld: number, n: number, b: number, random: SeededRandom): void {
  for (let r = 0; r < n; r++) {
    const row = at + r * ld;
    for (let c = 0; c < b; c++) ws[row + c] = random.nextNormal();
  }
}

/** `to` (n rows, ld ldTo) ← `from`'s n packed rows of `width` values. */
function copyRowsIn(
  to: Float32Array | Float64Array,
  at: number,
  ldTo: number,
  from: Float32Array | Float64Array,
  width: number,
  n: number,
): void {
  for (let r = 0; r < n; r++) to.set(from.subarray(r * width, (r + 1) * width), at + r * ldTo);
}

/** `to` ← the first `width` values of the n rows of ws at `from` (ld ld), packed. */
function copyRowsOut(to: Float32Array, ws: Float32Array, from: number, ld: number, n: number, width: number): void {
  for (let r = 0; r < n; r++) to.set(ws.subarray(from + r * ld, from + r * ld + width), r * width);
}

/**
 * ws[at + i] = data[i] − shift for every sample: a function of its own, so that V8 optimizes its
 * loop (inline in blockLanczosSvd, run once per matrix, it would stay unoptimized: 8–28 ms for the
 * coarse start's 0.76-megapixel float matrix, against 2–4 ms for the whole setup).
 */
function storeShifted(ws: Float32Array, at: number, data: ArrayLike<number>, shift: number): void {
  if (data instanceof Float32Array) {
    ws.set(data, at);
    subtractShift(ws, at, data.length, shift);
  } else for (let i = 0; i < data.length; i++) ws[at + i] = data[i] - shift;
}

/** ws[at … at + length) −= shift. */
function subtractShift(ws: Float32Array, at: number, length: number, shift: number): void {
  if (shift === 0) return;
  for (let i = at; i < at + length; i++) ws[i] -= shift;
}

export async function blockLanczosSvd(input: LanczosInput, backend: KernelBackend, tracker: WorkTracker): Promise<TruncatedSvd> {
  const { a, plan } = input;
  const rows = a.rows;
  const cols = a.cols;
  const b = plan.blockSize;
  const steps = plan.steps;
  // 8-bit samples stay bytes in the workspace (a quarter of the memory); the kernels' Bytes
  // variants shift them as they read them. Other samples are stored as floats, shifted.
  const bytes = a.data instanceof Uint8Array;
  const workspace = lanczosWorkspace(rows, cols, input.rank, plan, bytes);
  const { s, sb, rank, r8 } = workspace;
  // Profile: `enter(phase)` charges the time since the last switch to the phase running until
  // now and returns it, so `enter(previous)` resumes it.
  const profile = input.profile;
  let phase: LanczosPhase = 'setup';
  let since = profile ? profile.clock() : 0;
  const enter = (next: LanczosPhase): LanczosPhase => {
    const previous = phase;
    if (profile) {
      const now = profile.clock();
      profile.milliseconds[previous] += now - since;
      since = now;
    }
    phase = next;
    return previous;
  };

  const { offA, offP, offQ, offW, offT, offC, offRinv, offUm, offVm, offU, offV, offGram64, offRayleighX, offRayleighY } =
    workspace.offsets;
  // A is written below in full: only what follows it is cleared.
  const ws = backend.allocate(workspace.floats, workspace.thinColumns, offA + workspace.floatsA);
  // An extension on the backend that ran the stage before finds C (below) still in place: the
  // workspace keeps its first values when it grows (allocate resets the label where it may not),
  // and nothing else ran on it in between.
  const inPlace = !!input.resume && backend.holds === a.data;
  // The products run on C = A − μ·𝟙𝟙ᵀ with μ the mean rounded to an integer, plus the rank-one
  // term μ·𝟙(𝟙ᵀX) in float64. For a photo σ₁ is mostly the mean brightness, so ‖C‖ is several
  // times smaller than ‖A‖, and with it the float32 rounding of every product; and since pixel
  // values are integers, C is exact in float32 and C + μ𝟙𝟙ᵀ is A exactly. 8-bit samples are
  // copied as they are and shifted by the kernels as they read them.
  const shift = Math.round(input.mean);
  if (!inPlace && bytes) new Uint8Array(ws.buffer, ws.byteOffset + 4 * offA, rows * cols).set(a.data);
  else if (!inPlace) storeShifted(ws, offA, a.data, shift);
  backend.holds = a.data;
  const columnSums = (x: number, ldx: number, n: number): Float64Array => {
    const sums = new Float64Array(b);
    for (let r = 0; r < n; r++) {
      const row = x + r * ldx;
      for (let c = 0; c < b; c++) sums[c] += ws[row + c];
    }
    return sums;
  };
  const noiseScale = (productNorms: Float64Array, sums: Float64Array, n: number) =>
    productNorms.map((norm, c) => Math.max(norm * 2 ** -16, Math.abs(shift * sums[c]) * Math.sqrt(n) * 2 ** -19));
  const addShift = (sums: Float64Array, out: number, ldo: number, n: number) => {
    if (shift === 0) return;
    for (let r = 0; r < n; r++) {
      const row = out + r * ldo;
      for (let c = 0; c < b; c++) ws[row + c] += shift * sums[c];
    }
  };

  // Float64 arena for the small problem: M (s × (s+b)), M·Mᵀ (s × s, then its eigenvectors),
  // two s-vectors for the eigensolver, and V_Mᵀ (rank × (s+b)).
  const dense = backend.dense;
  const offM = 0;
  const offGram = offM + s * sb;
  const offDiagonal = offGram + s * s;
  const offOffDiagonal = offDiagonal + s;
  const offVmT = offOffDiagonal + s;
  const arena = dense.allocate(offVmT + rank * sb);

  const checkpoint = async () => {
    const previous = enter('yields');
    await tracker.checkpoint();
    enter(previous);
  };
  const chunk = chunkMultiplyAdds(backend);

  // out (rows × b, ld ldo) = A · X (X: cols × b, ld ldx), chunked over rows of A.
  // Both return, per column, the scale of the rounding noise the product carries: 2⁻¹⁶ of the
  // norm of the C product (float32 sums) and 2⁻¹⁹ of the norm of the mean term added back to it
  // (one float32 rounding of a possibly much larger value). Orthogonalization that leaves less
  // than this has found no new direction. Comparing with ‖A·X‖ as a whole would let the mean
  // term hide real directions; ignoring it would keep its rounding noise as directions.
  const multiplyA = async (x: number, ldx: number, out: number, ldo: number) => {
    const previous = enter('shift and norms');
    const sums = columnSums(x, ldx, cols);
    const step = Math.max(4, Math.floor(chunk / (cols * b)));
    for (let r0 = 0; r0 < rows; r0 += step) {
      const count = Math.min(step, rows - r0);
      enter('products');
      if (bytes) backend.gemmNNBytes(4 * offA + r0 * cols, cols, count, cols, x, ldx, b, out + r0 * ldo, ldo, 1, false, shift);
      else backend.gemmNN(offA + r0 * cols, cols, count, cols, x, ldx, b, out + r0 * ldo, ldo, 1, false);
      tracker.advance(count * cols * b);
      await checkpoint();
    }
    enter('shift and norms');
    const noise = noiseScale(columnNorms(out, ldo, rows), sums, rows);
    addShift(sums, out, ldo, rows);
    enter(previous);
    return noise;
  };
  // out (cols × b, ld ldo) = Aᵀ · Y (Y: rows × b, ld ldy), chunked over rows of A (the sum).
  const multiplyAt = async (y: number, ldy: number, out: number, ldo: number) => {
    const previous = enter('shift and norms');
    const sums = columnSums(y, ldy, rows);
    const step = Math.max(256, Math.floor(chunk / (cols * b) / 256) * 256);
    for (let r0 = 0; r0 < rows; r0 += step) {
      const count = Math.min(step, rows - r0);
      enter('products');
      if (bytes) backend.gemmTNBytes(4 * offA + r0 * cols, cols, count, cols, y + r0 * ldy, ldy, b, out, ldo, r0 > 0, shift);
      else backend.gemmTN(offA + r0 * cols, cols, count, cols, y + r0 * ldy, ldy, b, out, ldo, r0 > 0);
      tracker.advance(count * cols * b);
      await checkpoint();
    }
    enter('shift and norms');
    const noise = noiseScale(columnNorms(out, ldo, cols), sums, cols);
    addShift(sums, out, ldo, cols);
    enter(previous);
    return noise;
  };

  const columnNorms = (x: number, ldx: number, n: number): Float64Array => {
    const squares = new Float64Array(b);
    for (let r = 0; r < n; r++) {
      const row = x + r * ldx;
      for (let c = 0; c < b; c++) squares[c] += ws[row + c] * ws[row + c];
    }
    return squares.map(Math.sqrt);
  };

  /**
   * X (n × b at x, ld ldx) -= basis[:, 0:count] · (basisᵀ X), twice ("twice is enough") unless
   * the first pass cancelled little; returns the summed coefficients (count × b, float64) when asked.
   */
  const orthogonalize = async (basis: number, ldBasis: number, count: number, x: number, ldx: number, n: number, keep: boolean) => {
    const coefficients = keep ? new Float64Array(count * b) : null;
    if (count === 0) return coefficients;
    const previous = enter('reorthogonalization');
    const before = columnNorms(x, ldx, n);
    for (let pass = 0; pass < 2; pass++) {
      backend.gemmTN(basis, ldBasis, n, count, x, ldx, b, offC, b, false);
      backend.gemmNN(basis, ldBasis, n, count, offC, b, b, x, ldx, -1, true);
      if (coefficients) for (let i = 0; i < count * b; i++) coefficients[i] += ws[offC + i];
      await checkpoint();
      if (pass === 0) {
        // A second pass repairs the orthogonality that one classical pass loses in proportion to
        // the cancellation before/after. With every column keeping ≥ 1/4 of its norm, that loss
        // is at most 4× float32 rounding, below what the float32 blocks resolve anyway: skip it
        // (measured: same residuals and σ on the samples, orthonormality 2e-6, ~5 % faster).
        const after = columnNorms(x, ldx, n);
        if (after.every((norm, c) => norm >= 0.25 * before[c])) break;
      }
    }
    enter(previous);
    return coefficients;
  };

  /**
   * Makes the b columns of X (n × b at x, ld ldx) orthonormal in place by CholeskyQR2 (Gram in float64) with
   * column scaling and deflation: X_before = X_after · R. A column whose norm fell below
   * `dropBelow[c]` (it lay in the span already orthogonalized away), or that is dependent on
   * the earlier columns of its block, becomes zero, with a zero row in R.
   */
  const orthonormalize = async (x: number, ldx: number, n: number, dropBelow: Float64Array): Promise<Float64Array> => {
    const previous = enter('CholeskyQR');
    const norms = columnNorms(x, ldx, n);
    const alive = new Uint8Array(b);
    let total: Float64Array = new Float64Array(b * b); // R, accumulated over the passes (upper triangular)
    for (let c = 0; c < b; c++) {
      alive[c] = norms[c] > dropBelow[c] && norms[c] > 0 ? 1 : 0;
      total[c * b + c] = alive[c] ? norms[c] : 0;
    }
    // Scale to unit columns (dead ones to zero) so the Gram matrix is well scaled.
    scaleColumns(ws, x, ldx, n, b, alive, norms);
    for (let pass = 0; pass < 3; pass++) {
      // The Gram matrix in float64: a block whose columns share one dominant direction (a
      // photo's mean brightness) is far too ill-conditioned for a float32 Gram.
      backend.gram64(x, ldx, n, b, offGram64);
      const gram = backend.doubles(offGram64, b * b);
      if (pass > 0 && gramDeviation(gram, alive, b) < 1e-6) break;
      const factor = choleskyFactor(gram, alive, b);
      // R⁻¹ (dead columns map to zero columns).
      ws.set(upperInverse(factor, alive, b), offRinv);
      backend.gemmNN(x, ldx, n, b, offRinv, b, b, offT, b, 1, false);
      copyRows(ws, x, ldx, offT, b, n, b);
      total = upperProduct(factor, total, b);
      await checkpoint();
    }
    enter(previous);
    return total;
  };

  // A column that orthogonalization leaves below its product's rounding-noise scale (see
  // multiplyA) is dropped; so is anything below 2⁻⁴⁰‖A‖.
  const absoluteFloor = Math.sqrt(input.frobeniusNormSquared) * 2 ** -40;
  const thresholds = (noise: Float64Array) => noise.map((scale) => Math.max(scale, absoluteFloor));

  let firstStep = 0;
  const resume = input.resume;
  if (resume) {
    // An earlier run's space: its P, Q and M into this run's wider layout, and on from its last step.
    if (resume.blockSize !== b || resume.rows !== rows || resume.cols !== cols || resume.steps > steps) {
      throw new Error(`blockLanczosSvd: a ${resume.steps} × ${resume.blockSize} Krylov space cannot be extended to ${steps} × ${b}`);
    }
    enter('copies');
    const s0 = resume.steps * b;
    const sb0 = s0 + b;
    copyRowsIn(ws, offP, s, resume.p, s0, rows);
    copyRowsIn(ws, offQ, sb, resume.q, sb0, cols);
    copyRowsIn(arena, offM, sb, resume.m, sb0, s0);
    firstStep = resume.steps;
    enter('setup');
  } else {
    // Start block: the one given, or Gaussian columns.
    if (input.start) copyRowsIn(ws, offQ, sb, input.start, b, cols);
    else fillGaussian(ws, offQ, sb, cols, b, new SeededRandom(input.seed));
    // Only an exactly zero start column is dropped: the floor above scales with ‖A‖, the start
    // block does not.
    await orthonormalize(offQ, sb, cols, new Float64Array(b));
  }

  for (let j = firstStep; j < steps; j++) {
    const pj = offP + j * b;
    let before = await multiplyA(offQ + j * b, sb, offW, b);
    await orthogonalize(offP, s, j * b, offW, b, rows, false);
    await orthonormalize(offW, b, rows, thresholds(before));
    enter('copies');
    copyRows(ws, pj, s, offW, b, rows, b);
    enter('setup');

    before = await multiplyAt(pj, s, offW, b);
    const known = (j + 1) * b;
    const coefficients = (await orthogonalize(offQ, sb, known, offW, b, cols, true))!;
    const residual = await orthonormalize(offW, b, cols, thresholds(before));
    enter('copies');
    copyRows(ws, offQ + known, sb, offW, b, cols, b);
    enter('small problem');
    // Aᵀ P_j = Q[:, 0:known] · coefficients + Q_{j+1} · residual, so row (j·b + i) of M holds
    // column i of both, transposed.
    for (let i = 0; i < b; i++) {
      const row = offM + (j * b + i) * sb;
      for (let c = 0; c < known; c++) arena[row + c] = coefficients[c * b + i];
      for (let c = 0; c < b; c++) arena[row + known + c] = residual[c * b + i];
    }
  }

  let krylov: KrylovState | undefined;
  if (input.keepState || input.stepsOnly) {
    enter('copies');
    krylov = {
      rows,
      cols,
      frobeniusNormSquared: input.frobeniusNormSquared,
      sum: input.mean * rows * cols,
      blockSize: b,
      steps,
      p: new Float32Array(rows * s),
      q: new Float32Array(cols * sb),
      m: new Float64Array(s * sb),
    };
    krylov.p.set(ws.subarray(offP, offP + rows * s));
    krylov.q.set(ws.subarray(offQ, offQ + cols * sb));
    krylov.m.set(arena.subarray(offM, offM + s * sb));
    if (input.stepsOnly) {
      enter('setup');
      return {
        rank: 0,
        sigma: new Float64Array(0),
        u: { rows, cols: 0, data: input.allocate(0) },
        v: { rows: cols, cols: 0, data: input.allocate(0) },
        frobeniusNormSquared: input.frobeniusNormSquared,
        krylov,
      };
    }
  }

  // SVD of M through the eigenproblem of M Mᵀ (s × s); row block j of M ends at column (j + 2)·b.
  enter('small problem');
  const rowLength = (i: number) => (Math.floor(i / b) + 2) * b;
  for (let i = 0; i < s; i++) {
    for (let k = 0; k <= i; k++) {
      const sum = dense.dot(offM + i * sb, offM + k * sb, Math.min(rowLength(i), rowLength(k)));
      arena[offGram + i * s + k] = sum;
      arena[offGram + k * s + i] = sum;
    }
    if ((i & 31) === 0) await checkpoint();
  }
  const order = await symmetricEigenInPlace(
    dense,
    { arena, matrix: offGram, diagonal: offDiagonal, offDiagonal: offOffDiagonal },
    s,
    checkpoint,
  );
  const sigmaAll = order.map((index) => Math.sqrt(Math.max(0, arena[offDiagonal + index])));
  const cutoff = sigmaAll[0] * input.relativeRankTolerance;
  let kept = 0;
  while (kept < rank && sigmaAll[kept] > cutoff && Number.isFinite(sigmaAll[kept])) kept++;

  // U_M (s × r8) and V_M = Mᵀ U_M Σ⁻¹ ((s+b) × r8) into the workspace, padded with zeros.
  ws.fill(0, offUm, offUm + s * r8);
  ws.fill(0, offVm, offVm + sb * r8);
  for (let i = 0; i < kept; i++) {
    const vector = offGram + order[i] * s;
    const target = offVmT + i * sb;
    for (let r = 0; r < s; r++) {
      const value = arena[vector + r];
      ws[offUm + r * r8 + i] = value;
      if (value !== 0) dense.axpy(value / sigmaAll[i], offM + r * sb, target, rowLength(r));
    }
    for (let c = 0; c < sb; c++) ws[offVm + c * r8 + i] = arena[target + c];
    if ((i & 31) === 0) await checkpoint();
  }
  await checkpoint();
  enter('back-transform');
  backend.gemmNN(offP, s, rows, s, offUm, r8, r8, offU, r8, 1, false);
  await checkpoint();
  backend.gemmNN(offQ, sb, cols, sb, offVm, r8, r8, offV, r8, 1, false);

  const u = input.allocate(rows * kept);
  const v = input.allocate(cols * kept);
  copyRowsOut(u, ws, offU, r8, rows, kept);
  copyRowsOut(v, ws, offV, r8, cols, kept);
  await checkpoint();
  // uᵀAv = uᵀCv + μ(𝟙ᵀu)(𝟙ᵀv), with Cv in float64 over C's exact float32 values (as the products see them):
  // the (at most four) v's side by side, C·[v₁ … v₄] in one pass over C.
  const rayleigh = (pairs: readonly { u: Float64Array; v: Float64Array }[]) => {
    const x = backend.doubles(offRayleighX, 4 * cols);
    x.fill(0);
    pairs.forEach(({ v }, j) => {
      for (let c = 0; c < cols; c++) x[4 * c + j] = v[c];
    });
    if (bytes) backend.gemv64x4Bytes(4 * offA, cols, rows, cols, offRayleighX, offRayleighY, shift);
    else backend.gemv64x4(offA, cols, rows, cols, offRayleighX, offRayleighY);
    const product = backend.doubles(offRayleighY, 4 * rows);
    return pairs.map(({ u, v }, j) => {
      let total = 0;
      let sumU = 0;
      let sumV = 0;
      for (let r = 0; r < rows; r++) {
        total += u[r] * product[4 * r + j];
        sumU += u[r];
      }
      for (let c = 0; c < cols; c++) sumV += v[c];
      return total + shift * sumU * sumV;
    });
  };
  enter('refinement');
  const refined = refineComponents(
    {
      rank: kept,
      sigma: Float64Array.from(sigmaAll.slice(0, kept)),
      u: { rows, cols: kept, data: u },
      v: { rows: cols, cols: kept, data: v },
      frobeniusNormSquared: input.frobeniusNormSquared,
    },
    input.remeasure === 'never' || (input.remeasure === 'where needed' && !remeasureNeeded(sigmaAll, kept, input.frobeniusNormSquared))
      ? null
      : rayleigh,
  );
  enter('setup');
  return krylov ? { ...refined, krylov } : refined;
}
