/**
 * The progressive form for the studio: a sequence of increasing ranks (say 32 → 128 → 256),
 * each stage a complete TruncatedSvd, so a low-rank preview is on screen long before the
 * working rank is done. Each stage extends the block Krylov space of the stage before it (same
 * block size, more steps), so the products already done are not repeated: reaching rank 256
 * through 32 and 128 costs one rank-256 run plus the earlier stages' small problems. (Warm
 * starts from the previous stage's singular vectors, tried before, never paid.)
 */
import { SvdInputError, type KrylovState, type Matrix, type SvdOptions, type TruncatedSvd } from '../types.js';
import { createKernels } from '../kernels/index.js';
import { lanczosWork } from './block-lanczos.js';
import { coarsePlan, lanczosPlan, truncatedSvd, validateMatrix, validateRank } from './truncated-svd.js';

export const DEFAULT_WORKING_RANK = 256;
export const DEFAULT_STAGES: readonly number[] = [32, 128, 256];

export interface ProgressiveOptions extends Omit<SvdOptions, 'rank'> {
  /** Ranks of the stages, increasing. Default [32, 128, 256]. */
  stages?: readonly number[];
  /** Called when a stage is complete, with its result and index. */
  onStage?: (result: TruncatedSvd, stage: number) => void;
}

/** The stages actually run for a matrix: clipped to min(rows, cols), increasing, no repeats. */
export function normalizeStages(stages: readonly number[], rows: number, cols: number): number[] {
  const limit = Math.min(rows, cols);
  const result: number[] = [];
  for (const stage of stages) {
    validateRank(stage);
    const clipped = Math.min(stage, limit);
    if (result.length > 0 && clipped <= result[result.length - 1]) continue;
    result.push(clipped);
  }
  if (result.length === 0) throw new SvdInputError('progressiveTruncatedSvd: at least one stage is needed');
  return result;
}

/** Stages for a working rank: the default preview ranks below it, then the rank itself. */
export function stagesForRank(workingRank: number): number[] {
  return [...DEFAULT_STAGES.filter((stage) => stage < workingRank), workingRank];
}

/**
 * Runs the stages in order, each extending the Krylov space of the one before (in blocks of 32
 * after a first stage that started coarse); resolves with the last stage's result.
 */
export async function progressiveTruncatedSvd(a: Matrix, options: ProgressiveOptions = {}): Promise<TruncatedSvd> {
  validateMatrix(a);
  const stages = normalizeStages(options.stages ?? DEFAULT_STAGES, a.rows, a.cols);
  const kernels = options.kernels ?? 'auto';
  const backend = typeof kernels === 'object' ? kernels : await createKernels(kernels);
  const coarseStart = !!options.coarseStart && !options.krylov;
  const weights = stageWork(a.rows, a.cols, stages, options.krylov, coarseStart);
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  let doneWeight = 0;
  let previous: TruncatedSvd | null = null;
  let krylov: KrylovState | undefined = options.krylov;
  for (let index = 0; index < stages.length; index++) {
    const stageWeight = weights[index];
    const last = index === stages.length - 1;
    const result: TruncatedSvd = await truncatedSvd(a, {
      rank: stages[index],
      signal: options.signal,
      seed: (options.seed ?? 1) + index,
      kernels: backend,
      krylov,
      keepKrylov: !last || options.keepKrylov,
      // Only the first stage starts coarse; the others extend its space.
      coarseStart: index === 0 && coarseStart,
      allocate: options.allocate,
      onProgress: options.onProgress && ((fraction) => options.onProgress!((doneWeight + fraction * stageWeight) / totalWeight)),
    });
    krylov = result.krylov;
    if (!last) delete result.krylov;
    doneWeight += stageWeight;
    options.onStage?.(result, index);
    previous = result;
  }
  return previous!;
}

/**
 * The multiply-adds each stage adds when it extends the space of the stage before (for progress),
 * `from` a space an earlier run built (its steps and block size). `coarseStart`: a fresh first
 * stage that starts coarse (coarsePlan) does its one step, and the others extend it in its blocks.
 */
export function stageWork(
  rows: number,
  cols: number,
  stages: readonly number[],
  from?: Pick<KrylovState, 'steps' | 'blockSize'>,
  coarseStart = false,
): number[] {
  let steps = from?.steps ?? 0;
  let blockSize = from?.blockSize;
  return stages.map((rank, index) => {
    const coarse = index === 0 && coarseStart && !from ? coarsePlan(rows, cols, rank) : null;
    const plan = coarse ?? lanczosPlan(rank, blockSize);
    const work = lanczosWork(rows, cols, plan, steps);
    steps = Math.max(steps, plan.steps);
    blockSize = plan.blockSize;
    return work;
  });
}
