/**
 * The engine's runs on one photo: the calling thread (relaxed SIMD, SIMD128 and plain kernels), the worker pool
 * with 1 and 2 workers (runs interleaved), the progressive stages, and first ("cold") calls,
 * each with the sklearn run it is compared with.
 */
import {
  createKernels,
  truncatedSvd,
  type KernelBackend,
  type KernelKind,
  type Matrix,
  type SvdPool,
  type TruncatedSvd,
} from '../../../core/index.js';
import { createNodeSvdPool } from '../../../electron/cli/svd-pool.js';
import { engineAccuracy, type Accuracy } from './accuracy.js';
import { ENGINE_KERNELS, PREVIEW_RANK, PROGRESSIVE_STAGES, RANKS, WARM_UP_ROUNDS, WORKER_URL } from './config.js';
import { collectGarbage, measure, measureInterleaved, summarize, timeOnce, type Measured, type Timing } from './measure.js';
import type { Photo } from './photos.js';
import { runSklearn, type SklearnRun } from './sklearn.js';

export interface EngineRow {
  configuration: string;
  rank: number;
  channels: 1 | 3;
  measured: Measured<unknown>;
  accuracy: Accuracy;
  /** The sklearn run to compare with (same channel count). */
  sklearn: SklearnRun;
}

export interface ProgressiveRow {
  /** The first stage started coarse (core's coarseStart), as the studio starts it; else from a Gaussian block. */
  coarseStart: boolean;
  /** When the last of the channels' rank-32 previews arrived, and the first. */
  allPreviews: Timing;
  firstPreview: Timing;
  total: Measured<unknown>;
  accuracy: Accuracy;
}

/** A single first run, before any warm-up: worker start, JIT and WebAssembly tier-up included. */
export interface ColdRow {
  configuration: string;
  rank: number;
  seconds: number;
}

export interface PhotoResults {
  photo: Photo;
  rows: EngineRow[];
  cold: ColdRow[];
  progressive: ProgressiveRow[];
  sklearnOne: SklearnRun;
  sklearnThree: SklearnRun;
}

export function findRow(results: PhotoResults, configuration: string, rank: number): EngineRow | undefined {
  return results.rows.find((row) => row.configuration === configuration && row.rank === rank);
}

export const CALLING_THREAD = (kind: KernelKind) => `1 ch, calling thread, ${kind}`;
export const POOL = (workers: number) => `3 ch, pool, ${workers} worker${workers === 1 ? '' : 's'}`;

/**
 * One kernel backend per kind, reused by every calling-thread run, as a host's SVD worker keeps
 * its own: a fresh backend's WebAssembly memory is new pages, whose first touch (page faults)
 * costs ~0.2 s for a 12 MP workspace on this kind of VM — the "(cold)" rows include it.
 */
const backends = new Map<KernelKind, Promise<KernelBackend>>();
function backendFor(kind: KernelKind): Promise<KernelBackend> {
  let backend = backends.get(kind);
  if (!backend) {
    backend = createKernels(kind);
    backends.set(kind, backend);
  }
  return backend;
}

/** `warmUp`: a small matrix (a crop channel) for the untimed runs after the forced collection. */
async function callingThreadRow(
  photo: Photo,
  kind: KernelKind,
  rank: number,
  runs: number,
  sklearn: SklearnRun,
  warmUp: Matrix,
): Promise<EngineRow> {
  const a = photo.channels[photo.checkChannel];
  const kernels = await backendFor(kind);
  const rewarm = async () => {
    for (let round = 0; round < WARM_UP_ROUNDS; round++) await truncatedSvd(warmUp, { rank: RANKS[0], kernels });
  };
  // The first run also sizes the workspace for this photo: untimed, as a host's worker has it after its first job.
  await truncatedSvd(a, { rank, kernels });
  const measured = await measure(runs, () => truncatedSvd(a, { rank, kernels }), rewarm);
  const accuracy = engineAccuracy(a, measured.result, photo.reference);
  return { configuration: CALLING_THREAD(kind), rank, channels: 1, measured, accuracy, sklearn };
}

/** The same rank through each pool, runs interleaved. */
async function poolRows(photo: Photo, pools: readonly SvdPool[], rank: number, sklearn: SklearnRun): Promise<EngineRow[]> {
  const tasks = pools.map((pool) => () => pool.decompose(photo.channels, { stages: [rank], kernels: ENGINE_KERNELS }));
  const measured = await measureInterleaved(photo.repeats, tasks);
  return pools.map((pool, i) => {
    const accuracy = engineAccuracy(photo.channels[photo.checkChannel], measured[i].result[photo.checkChannel], photo.reference);
    return { configuration: POOL(pool.size), rank, channels: 3, measured: measured[i], accuracy, sklearn };
  });
}

/**
 * The default progressive stages of all channels through one pool, timing when each channel's
 * first stage (the rank-32 preview) arrives through `onStage`: from a Gaussian start block, and
 * with the first stage started coarse as the studio starts it (`coarseStart`), runs alternating.
 * The pool queues (channel, stage) jobs stage by stage, so all previews come before any rank-128
 * stage; a run in which a channel's preview is missing or has another rank fails rather than
 * skews the milestone.
 */
async function progressiveRows(photo: Photo, pool: SvdPool): Promise<ProgressiveRow[]> {
  const starts = [false, true];
  const allPreviews: number[][] = starts.map(() => []);
  const firstPreview: number[][] = starts.map(() => []);
  const tasks = starts.map((coarseStart, variant) => async () => {
    const start = performance.now();
    const arrivals = new Array<number | undefined>(photo.channels.length).fill(undefined);
    const previewRanks: number[] = [];
    const results = await pool.decompose(photo.channels, {
      stages: PROGRESSIVE_STAGES,
      kernels: ENGINE_KERNELS,
      coarseStart,
      // Only records: an exception here would escape the pool's promise chain.
      onStage: (channel: number, stage: number, result: TruncatedSvd) => {
        if (stage !== 0) return;
        arrivals[channel] = (performance.now() - start) / 1000;
        previewRanks[channel] = result.rank;
      },
    });
    if (previewRanks.some((rank) => rank !== PREVIEW_RANK))
      throw new Error(`First stages have ranks ${previewRanks.join(', ')}, not ${PREVIEW_RANK}`);
    const seen = arrivals.filter((t): t is number => t !== undefined);
    if (seen.length !== photo.channels.length)
      throw new Error(`Only ${seen.length} of ${photo.channels.length} rank-${PREVIEW_RANK} previews arrived`);
    allPreviews[variant].push(Math.max(...seen));
    firstPreview[variant].push(Math.min(...seen));
    return results;
  });
  const measured = await measureInterleaved(photo.repeats, tasks);
  return starts.map((coarseStart, variant) => ({
    coarseStart,
    allPreviews: summarize(allPreviews[variant]),
    firstPreview: summarize(firstPreview[variant]),
    total: measured[variant],
    accuracy: engineAccuracy(photo.channels[photo.checkChannel], measured[variant].result[photo.checkChannel], photo.reference),
  }));
}

/**
 * Warm-up on the 1 MP crop before anything is timed: V8 first runs the WebAssembly kernels
 * with its baseline compiler and tiers hot functions up in the background, and the TypeScript
 * parts need the JIT too, so the first few decompositions are several times slower (see the
 * "cold" rows). Each worker is a separate isolate and warms up on its own.
 */
export async function warmCallingThread(channel: Matrix): Promise<void> {
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    for (const kind of [ENGINE_KERNELS, 'simd'] as const) {
      for (const rank of RANKS) await truncatedSvd(channel, { rank, kernels: await backendFor(kind) });
    }
  }
}

async function warmPool(pool: SvdPool, channels: readonly Matrix[]): Promise<void> {
  const jobs = Array.from({ length: pool.size }, (_, i) => channels[i % channels.length]);
  // Both starts of the first stage (progressiveRows times both): each runs code the other does not.
  for (let round = 0; round < WARM_UP_ROUNDS; round++) {
    for (const coarseStart of [false, true])
      await pool.decompose(jobs, { stages: PROGRESSIVE_STAGES, kernels: ENGINE_KERNELS, coarseStart });
  }
}

/** `warmUp`: the crop's channels. */
export async function benchPhoto(photo: Photo, warmUp: readonly Matrix[]): Promise<PhotoResults> {
  console.error(`… ${photo.label}: sklearn (float32 and float64), then the engine (${photo.repeats} runs each)`);
  const sklearnOne = await runSklearn(photo, [photo.checkChannel], 1, true);
  const sklearnThree = await runSklearn(photo, [0, 1, 2], 2, false);

  // Again for each photo: the plain-kernel runs of the photo before leave the shared code paths
  // deoptimized for the SIMD backend.
  await warmCallingThread(warmUp[photo.checkChannel]);
  const rows: EngineRow[] = [];
  const warmUpChannel = warmUp[photo.checkChannel];
  for (const kind of [ENGINE_KERNELS, 'simd'] as const) {
    for (const rank of RANKS) rows.push(await callingThreadRow(photo, kind, rank, photo.repeats, sklearnOne, warmUpChannel));
  }
  for (const rank of photo.plain.ranks) {
    rows.push(await callingThreadRow(photo, 'plain', rank, photo.plain.repeats, sklearnOne, warmUpChannel));
  }

  // The first job of a fresh pool, on this photo: worker start, compilation, cold JIT.
  const cold: ColdRow[] = [];
  const pools = [createNodeSvdPool({ size: 1, workerUrl: WORKER_URL }), createNodeSvdPool({ size: 2, workerUrl: WORKER_URL })];
  let progressive: ProgressiveRow[];
  try {
    collectGarbage();
    const coldSeconds = await timeOnce(() => pools[1].decompose(photo.channels, { stages: [RANKS[0]], kernels: ENGINE_KERNELS }));
    cold.push({ configuration: `${POOL(2)}, fresh (cold)`, rank: RANKS[0], seconds: coldSeconds });
    for (const pool of pools) await warmPool(pool, warmUp);
    for (const rank of RANKS) rows.push(...(await poolRows(photo, pools, rank, sklearnThree)));
    pools[0].close();
    progressive = await progressiveRows(photo, pools[1]);
  } finally {
    for (const pool of pools) pool.close();
  }
  return { photo, rows, cold, progressive, sklearnOne, sklearnThree };
}
