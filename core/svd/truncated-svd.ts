import { SvdInputError, type Matrix, type SvdInput, type SvdOptions, type TruncatedSvd } from '../types.js';
import { createKernels, type KernelBackend } from '../kernels/index.js';
import {
  blockLanczosSvd,
  lanczosWork,
  lanczosWorkspace,
  type LanczosInput,
  type LanczosPlan,
  type LanczosProfile,
} from './block-lanczos.js';
import { denseSvd, denseWork } from './dense-svd.js';
import { COARSE_BLOCK, coarseStartApplies, shrink, stretch } from './coarse-start.js';
import { SeededRandom } from '../linalg/random.js';
import { WorkTracker } from './work.js';

/**
 * σ at or below this fraction of σ₁ count as numerically zero: the big products run in float32
 * (unit roundoff 6e-8, sums of thousands of terms), so smaller singular values are noise.
 */
export const RELATIVE_RANK_TOLERANCE = 2 ** -17;

/**
 * The Krylov space for a requested rank r: blocks of b = 16 columns (of 32 when it extends a
 * coarse start's space) and s ≈ 1.625·r + 32 columns
 * (2s column-passes over A). From a sweep against LAPACK on the three channels of the 12 MP
 * sample, worst case over 20 seeds (test/bench/lanczos-plan/README.md has the table): the
 * cheapest plans that keep the residual within 0.5 % of optimal and σ_i within 2.5 % were
 * b = 8 × 10 steps at r = 32, 16 × 15 at r = 128 and 32 × 14 at r = 256; smaller blocks converge
 * better per column. One block size for every rank of a space lets a higher rank extend the space a
 * lower one built (the progressive stages): 16 × 28 at r = 256 has the same 448 columns as 32 × 14, a
 * residual 0.002 % above optimal on the 12 MP green channel against 0.077 %, in 1.03× the time.
 */
export function lanczosPlan(rank: number, blockSize = LANCZOS_BLOCK_SIZE): LanczosPlan {
  // 16 columns: with 8, each product streams A from memory for too little arithmetic (14
  // GFLOP/s against 22 at 16 on the 12 MP sample), and 16 × 6 is as accurate at rank 32 as 8 × 10.
  // Blocks of 32 extend a space that started coarse (coarsePlan): 32 × 8 at r = 128, 32 × 14 at
  // r = 256, 0.01–0.12 % above optimal on the 12 MP channels, 0.23–0.53 % on the 1 MP crop at
  // r = 128 (test/bench/lanczos-plan/coarse.py).
  const steps = Math.max(2, Math.ceil((1.625 * rank + 32) / blockSize));
  return { blockSize, steps };
}

/** The block size of every plan but those that extend a coarse start's space, so that any stage can extend the one before it. */
export const LANCZOS_BLOCK_SIZE = 16;

/**
 * The plan of a run with `coarseStart` (SvdOptions) on a rows × cols matrix at `rank`, when it
 * starts coarse (a fresh space, not split in steps): one step of COARSE_BLOCK columns; null when
 * it starts from a Gaussian block as usual. Higher ranks extend its space in blocks of as many.
 */
export function coarsePlan(rows: number, cols: number, rank: number): LanczosPlan | null {
  const plan = coarsePlanOf();
  return coarseStartApplies(rows, cols, rank) && usesKrylov(rows, cols, rank, plan.blockSize) ? plan : null;
}

/** The coarse start's one step. */
function coarsePlanOf(): LanczosPlan {
  return { blockSize: COARSE_BLOCK, steps: 1 };
}

/**
 * Whether a rank-`rank` decomposition of a rows × cols matrix takes the block-Krylov path (else
 * the dense one: a Krylov space covering most of the short side costs more than the exact
 * decomposition). `columns`: the Krylov space's, when already known.
 */
export function usesKrylov(rows: number, cols: number, rank: number, columns?: number): boolean {
  const shortSide = Math.min(rows, cols);
  const plan = lanczosPlan(Math.min(rank, shortSide));
  return (columns ?? plan.blockSize * plan.steps) < 0.6 * shortSide && shortSide > 32;
}

/**
 * The kernel workspace (KernelBackend.reserve's arguments) a rank-`rank` decomposition of a rows
 * × cols matrix takes, so a host can map it ahead (`eightBit`: 8-bit samples, kept as bytes);
 * null for a matrix small enough to take the dense path (nothing worth mapping ahead).
 */
export function svdWorkspace(rows: number, cols: number, rank: number, eightBit: boolean): { floats: number; thinColumns: number } | null {
  const clamped = Math.min(rank, rows, cols);
  if (!usesKrylov(rows, cols, clamped)) return null;
  // Blocks of 16, or of 32 where the first stage may start coarse and the later ones extend it:
  // the larger of the two.
  const plans = [lanczosPlan(clamped)];
  if (coarseStartApplies(rows, cols, Math.min(clamped, COARSE_BLOCK)))
    plans.push(clamped <= COARSE_BLOCK ? coarsePlanOf() : lanczosPlan(clamped, COARSE_BLOCK));
  const sizes = plans.map((plan) => lanczosWorkspace(rows, cols, clamped, plan, eightBit));
  return { floats: Math.max(...sizes.map((size) => size.floats)), thinColumns: Math.max(...sizes.map((size) => size.thinColumns)) };
}

export function validateMatrix(a: SvdInput): void {
  if (!a || typeof a !== 'object' || !(a.data instanceof Float32Array || a.data instanceof Uint8Array || a.data instanceof Uint16Array)) {
    throw new SvdInputError('truncatedSvd: the matrix must be {rows, cols, data: Float32Array, Uint8Array or Uint16Array}');
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

/**
 * ‖A‖²_F and the sum of the entries, in one pass: exact for integer samples (8-bit ones on the
 * WebAssembly kernels of `backend` when given, else in words, summed in int32 a chunk at a time,
 * the totals in float64); throws a clear error on NaN or ±Infinity.
 */
export function inputStatistics(a: SvdInput, backend?: KernelBackend): { frobeniusNormSquared: number; sum: number } {
  const { data, cols } = a;
  if (data instanceof Uint8Array && backend && backend.kind !== 'plain') return byteStatistics(data, backend);
  // Row by row (or chunk by chunk), a function call each: V8 optimizes the loop after a few calls
  // (one loop over the whole matrix, run once per matrix, would mostly run unoptimized). 8-bit
  // samples in whole aligned words are read four at a time.
  const totals = new Float64Array(2);
  if (data instanceof Uint8Array && data.byteOffset % 4 === 0 && data.length % 4 === 0) {
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length / 4);
    for (let from = 0; from < words.length; from += BYTE_CHUNK / 4)
      addWordSquaresAndSum(totals, words, from, Math.min(from + BYTE_CHUNK / 4, words.length));
  } else for (let from = 0; from < data.length; from += cols) addSquaresAndSum(totals, data, from, from + cols);
  const [squares, sum] = totals;
  // NaN or ±Infinity anywhere makes the sum of squares non-finite; only then look for where.
  if (!Number.isFinite(squares)) {
    let at = 0;
    while (at < data.length && Number.isFinite(data[at])) at++;
    if (at < data.length) {
      const row = Math.floor(at / cols);
      throw new SvdInputError(
        `truncatedSvd: the matrix holds ${data[at]} at row ${row}, column ${at - row * cols}; only finite values can be decomposed`,
      );
    }
    throw new SvdInputError('truncatedSvd: the matrix is too large in magnitude for its squares to be summed in float64');
  }
  return { frobeniusNormSquared: squares, sum };
}

/** 8-bit samples byteStatistics copies into the kernels' workspace at a time (which the kernel then reads from cache). */
const KERNEL_CHUNK = 1 << 18;

/**
 * inputStatistics of 8-bit samples on WebAssembly kernels: copied into the workspace a chunk at a
 * time, each summed by squaresAndSumBytes, 16 at a time (12 MP: 1.3 ms against 6.3 ms for the
 * words in JavaScript, copies included). Takes the workspace: a run's allocate() comes after.
 */
function byteStatistics(data: Uint8Array, backend: KernelBackend): { frobeniusNormSquared: number; sum: number } {
  const chunk = Math.max(1, Math.min(KERNEL_CHUNK, data.length));
  // The two float64 totals (zeroed by allocate), then the chunk's bytes.
  const workspace = backend.allocate(4 + Math.ceil(chunk / 4), 1);
  const bytes = new Uint8Array(workspace.buffer, workspace.byteOffset + 16, chunk);
  for (let from = 0; from < data.length; from += chunk) {
    const count = Math.min(chunk, data.length - from);
    bytes.set(data.subarray(from, from + count));
    backend.squaresAndSumBytes(0, 16, count);
  }
  const [squares, sum] = backend.doubles(0, 2);
  return { frobeniusNormSquared: squares, sum };
}

/** totals[0] += Σ data[i]², totals[1] += Σ data[i], over from ≤ i < to. */
function addSquaresAndSum(totals: Float64Array, data: SvdInput['data'], from: number, to: number): void {
  let squares = 0;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const value = data[i];
    squares += value * value;
    sum += value;
  }
  totals[0] += squares;
  totals[1] += sum;
}

/** 8-bit samples per call of addWordSquaresAndSum: their squares sum to at most 16384 · 255² < 2³¹. */
const BYTE_CHUNK = 16384;

/**
 * addSquaresAndSum for 8-bit samples four to a word (at most BYTE_CHUNK / 4 words): the sums in
 * 32-bit integers, one load per four samples (12 MP: about 6 ms, against 13 ms in float64 a sample at a time).
 */
function addWordSquaresAndSum(totals: Float64Array, words: Uint32Array, from: number, to: number): void {
  let squares = 0;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const w = words[i];
    const b0 = w & 255;
    const b1 = (w >>> 8) & 255;
    const b2 = (w >>> 16) & 255;
    const b3 = w >>> 24;
    squares = (squares + b0 * b0 + b1 * b1 + b2 * b2 + b3 * b3) | 0;
    sum = (sum + b0 + b1 + b2 + b3) | 0;
  }
  totals[0] += squares;
  totals[1] += sum;
}

/**
 * Truncated SVD of a (see core/index.ts). Runs on the calling thread, yielding to the event
 * loop every few tens of milliseconds so `signal` is honoured; does not modify `a`.
 */
export async function truncatedSvd(a: SvdInput, options: SvdOptions): Promise<TruncatedSvd> {
  validateMatrix(a);
  validateRank(options?.rank);
  const kernels = options.kernels ?? 'auto';
  const backend = typeof kernels === 'object' ? kernels : await createKernels(kernels);
  return runTruncatedSvd(a, options, backend);
}

/**
 * truncatedSvd after validation, on a given backend; for benchmarks, `plan` overrides
 * lanczosPlan and `profile` collects where a block-Lanczos run spends its time; `remeasure`:
 * LanczosInput's (a run that starts coarse re-measures only where needed).
 */
export async function runTruncatedSvd(
  a: SvdInput,
  options: SvdOptions & { plan?: LanczosPlan; profile?: LanczosProfile; remeasure?: LanczosInput['remeasure'] },
  backend: KernelBackend,
): Promise<TruncatedSvd> {
  const tracker = new WorkTracker(options.signal, options.onProgress);
  tracker.throwIfAborted();
  // An extension reuses the statistics of the run it extends (the same matrix).
  const extended = options.krylov?.rows === a.rows && options.krylov.cols === a.cols ? options.krylov : null;
  const { frobeniusNormSquared: energy, sum } = extended ?? inputStatistics(a, backend);
  const { rows, cols } = a;
  const shortSide = Math.min(rows, cols);
  const rank = Math.min(options.rank, shortSide);
  const seed = options.seed ?? 1;
  const allocate = options.allocate ?? ((length: number) => new Float32Array(length));

  const coarse =
    options.coarseStart && !options.krylov && options.krylovSteps === undefined && !options.plan ? coarsePlan(rows, cols, rank) : null;
  let result: TruncatedSvd;
  if (energy === 0) {
    result = emptySvd(rows, cols, allocate);
  } else if (coarse) {
    // The shrinking and the shrunk matrix's own run (about a tenth of this stage's products) are not counted.
    tracker.plan(lanczosWork(rows, cols, coarse));
    const start = await coarseStart(a, seed, options.signal, backend);
    result = await blockLanczosSvd(
      {
        a,
        rank,
        plan: coarse,
        seed,
        frobeniusNormSquared: energy,
        mean: sum / (rows * cols),
        relativeRankTolerance: RELATIVE_RANK_TOLERANCE,
        profile: options.profile,
        start,
        keepState: options.keepKrylov,
        allocate,
        remeasure: 'where needed',
      },
      backend,
      tracker,
    );
  } else {
    const resume = options.krylov;
    let plan = options.plan ?? lanczosPlan(rank, resume?.blockSize);
    if (resume) {
      if (resume.rows !== rows || resume.cols !== cols || resume.blockSize !== plan.blockSize) {
        throw new SvdInputError(
          `truncatedSvd: the Krylov space to extend (${resume.rows} × ${resume.cols}, blocks of ${resume.blockSize}) does not belong to this ${rows} × ${cols} matrix and plan`,
        );
      }
      // A lower rank than the space was built for: no new steps, the space as it is.
      plan = { blockSize: plan.blockSize, steps: Math.max(plan.steps, resume.steps) };
    }
    const krylovColumns = plan.blockSize * plan.steps;
    const stepsOnly = options.krylovSteps !== undefined;
    if (stepsOnly) {
      if (!usesKrylov(rows, cols, rank, krylovColumns))
        throw new SvdInputError(
          `truncatedSvd: a ${rows} × ${cols} matrix at rank ${rank} takes the dense path; it cannot be split in steps`,
        );
      plan = { blockSize: plan.blockSize, steps: Math.max(resume?.steps ?? 0, Math.min(plan.steps, options.krylovSteps!)) };
    }
    // A Krylov space covering most of the short side costs more than the exact decomposition.
    if (!stepsOnly && !usesKrylov(rows, cols, rank, krylovColumns)) {
      tracker.plan(denseWork(rows, cols));
      result = await denseSvd(floatMatrix(a), rank, energy, RELATIVE_RANK_TOLERANCE, tracker, allocate, backend.dense, backend);
    } else {
      tracker.plan(lanczosWork(rows, cols, plan, resume?.steps ?? 0));
      result = await blockLanczosSvd(
        {
          a,
          rank,
          plan,
          seed,
          frobeniusNormSquared: energy,
          mean: sum / (rows * cols),
          relativeRankTolerance: RELATIVE_RANK_TOLERANCE,
          profile: options.profile,
          resume,
          keepState: options.keepKrylov,
          stepsOnly,
          allocate,
          remeasure: options.remeasure,
        },
        backend,
        tracker,
      );
    }
  }
  tracker.finish();
  return result;
}

/**
 * The coarse start block for `a` (coarse-start.ts): the shrunk matrix's rank-COARSE_BLOCK
 * decomposition (a usual run, on the same backend, before a's own), its right singular vectors
 * stretched to a's columns; columns it lacks are Gaussian.
 */
async function coarseStart(a: SvdInput, seed: number, signal: AbortSignal | undefined, backend: KernelBackend): Promise<Float32Array> {
  const small = shrink(a.data, a.rows, a.cols);
  // Only its V is used, as a start: its σ need no re-measuring.
  const svd = await runTruncatedSvd(small, { rank: COARSE_BLOCK, seed, signal, remeasure: 'never' }, backend);
  const random = new SeededRandom(seed);
  return stretch(svd.v.data, small.cols, svd.v.cols, a.cols, () => random.nextNormal());
}

/** `a` with float values (integer samples converted: the dense path works on floats; small matrices only). */
function floatMatrix(a: SvdInput): Matrix {
  return a.data instanceof Float32Array ? (a as Matrix) : { rows: a.rows, cols: a.cols, data: Float32Array.from(a.data) };
}

function emptySvd(rows: number, cols: number, allocate: (length: number) => Float32Array): TruncatedSvd {
  return {
    rank: 0,
    sigma: new Float64Array(0),
    u: { rows, cols: 0, data: allocate(0) },
    v: { rows: cols, cols: 0, data: allocate(0) },
    frobeniusNormSquared: 0,
  };
}
