/**
 * Decomposing the channels of an image in parallel. Channels are independent problems; the
 * progressive stages of one channel are not: each extends the Krylov space of the stage before
 * (core/svd/progressive.ts), which travels with the jobs from worker to worker. The pool queues
 * (channel, stage) jobs stage by stage — every channel's rank-32 preview before any channel's
 * rank 128 — and hands each free worker the first job whose previous stage is done. core/ starts no threads: a host supplies `spawn`, which makes one worker
 * (worker_threads in Node — electron/cli/svd-pool.ts —, a Web Worker in the renderer),
 * and this class does the scheduling, progress, abort and restart that both hosts share.
 */
import type { KrylovState, Matrix, TruncatedSvd } from './types.js';
import type { KernelKind } from './kernels/index.js';
import { abortError } from './svd/work.js';
import { normalizeStages, stageWork } from './svd/progressive.js';
import { coarsePlan, lanczosPlan, usesKrylov } from './svd/truncated-svd.js';

/** One decomposition, as sent to a worker. Workers must not modify `channel`. */
export interface ChannelJob {
  channel: Matrix;
  rank: number;
  seed: number;
  kernels?: KernelKind | 'auto';
  /** The Krylov space to extend (the channel's previous stage); the host may transfer its buffers. */
  krylov?: KrylovState;
  /** Return the Krylov space in the result's `krylov` (the host transfers it back). */
  keepKrylov?: boolean;
  /** A piece of a split decomposition: run the plan's steps up to this many and return only the space (core's SvdOptions.krylovSteps). */
  krylovSteps?: number;
  /** Start coarse where it applies (core's SvdOptions.coarseStart). */
  coarseStart?: boolean;
}

/** A host's worker: runs one job at a time. */
export interface SvdWorker {
  run(job: ChannelJob, onProgress: (fraction: number) => void): Promise<TruncatedSvd>;
  /** Stops the worker at once, even in the middle of a job (whose promise then never settles). */
  terminate(): void;
  /**
   * Maps now the workspace a rank-`rank` job on a rows × cols plane of 8-bit samples (`eightBit`)
   * or others takes (core's svdWorkspace), so that job does not fault its pages in; settles when
   * done (never rejects). `makesPlane`: the job will bring what the worker makes its plane from (a
   * host's own buffer for it may be mapped too), not the plane itself. Optional.
   */
  reserve?(rows: number, cols: number, rank: number, eightBit: boolean, makesPlane: boolean): Promise<void>;
}

export interface DecomposeOptions {
  /** Ranks of the progressive stages, increasing; the last is the working rank. */
  stages: readonly number[];
  /** Channel c, stage s runs with seed + 1000·c + s (as progressiveTruncatedSvd with seed + 1000·c). */
  seed?: number;
  kernels?: KernelKind | 'auto';
  signal?: AbortSignal;
  /** Overall fraction done, 0…1 (by estimated work), and each channel's own fraction. */
  onProgress?: (fraction: number, perChannel: readonly number[]) => void;
  /** A stage of a channel is complete. Stages of one channel arrive in order. */
  onStage?: (channel: number, stage: number, result: TruncatedSvd) => void;
  /** Per channel, a Krylov space an earlier call kept, to extend (its first stage continues it). */
  krylov?: readonly (KrylovState | undefined)[];
  /** Keep each channel's Krylov space after its last stage and hand it to onKrylov (for higher ranks later). */
  keepKrylov?: boolean;
  onKrylov?: (channel: number, state: KrylovState) => void;
  /**
   * Jobs of the second and later stages start only once this settles (fulfilled or rejected): a
   * host that shows the first stage lets it be shown before later stages take the processor.
   */
  laterStagesAfter?: Promise<unknown>;
  /**
   * The first stage of a channel with no earlier space starts coarse where it applies (core's
   * SvdOptions.coarseStart): a third of the products for the first look; the later stages extend
   * its space in blocks of 32.
   */
  coarseStart?: boolean;
}

/**
 * A stage is split only when it adds this many Krylov columns (8 steps of 16): each piece pays
 * the per-job costs (the matrix copied into the worker's workspace, its statistics), ~70 ms for a
 * 12 MP channel, which a rank-32 stage (6 steps of 16, ~270 ms) does not earn back.
 */
const MIN_SPLIT_COLUMNS = 128;

interface QueuedJob {
  channel: number;
  /** The stage it delivers; −1 for the first piece of a split stage (it only extends the space). */
  stage: number;
  /** Its place among the channel's jobs: it starts once the channel's earlier jobs are done. */
  order: number;
  /** The stage it belongs to (also for a first piece). */
  tier: number;
  rank: number;
  work: number;
  /** The channel's last job. */
  last: boolean;
  krylovSteps?: number;
  coarseStart?: boolean;
}

export class SvdPool {
  readonly size: number;
  readonly #spawn: () => SvdWorker;
  #idle: SvdWorker[] = [];
  #closed = false;

  constructor(size: number, spawn: () => SvdWorker) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`A pool needs at least one worker, got ${size}`);
    this.size = size;
    this.#spawn = spawn;
  }

  /**
   * Decomposes every channel (the matrices are not modified). Resolves with each channel's
   * last stage, in channel order. On abort, the workers running this call are terminated
   * (later calls respawn them) and the promise rejects at once.
   */
  decompose(channels: readonly Matrix[], options: DecomposeOptions): Promise<TruncatedSvd[]> {
    if (this.#closed) return Promise.reject(new Error('The SVD pool is closed'));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    let queue: QueuedJob[];
    try {
      // More channels than workers, unevenly (3 on 2): each stage in two pieces, so the work spreads evenly.
      const split = channels.length > this.size && channels.length % this.size !== 0;
      queue = planJobs(channels, options.stages, options.krylov, split, options.coarseStart ?? false);
    } catch (error) {
      return Promise.reject(error);
    }
    const stageCounts = channels.map((_, c) => queue.filter((job) => job.channel === c && job.stage >= 0).length);
    const channelWork = channels.map((_, c) => queue.filter((job) => job.channel === c).reduce((sum, job) => sum + job.work, 0));
    const totalWork = channelWork.reduce((sum, work) => sum + work, 0);
    const doneWork = new Array<number>(channels.length).fill(0);
    const runningWork = new Array<number>(channels.length).fill(0);
    const results: TruncatedSvd[] = new Array(channels.length);
    // Jobs finished per channel (a job waits for the one before: it extends its Krylov space, so a
    // channel's stages also finish, and are delivered, in order), and that space.
    const completed = new Array<number>(channels.length).fill(0);
    const spaces: (KrylovState | undefined)[] = channels.map((_, c) => options.krylov?.[c]);
    const busy = new Set<SvdWorker>();
    const lastChannel = new Map<SvdWorker, number>();
    // Workers with nothing startable yet: every queued job waits for a running stage.
    const parked: SvdWorker[] = [];
    let settled = false;
    let laterStagesOpen = !options.laterStagesAfter;

    return new Promise<TruncatedSvd[]>((resolve, reject) => {
      const finish = (error: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        for (const worker of parked.splice(0)) release(worker);
        if (error !== null) {
          for (const worker of busy) worker.terminate();
          busy.clear();
          reject(error);
        } else {
          resolve(results);
        }
      };
      const onAbort = () => finish(abortError(signal!.reason));
      signal?.addEventListener('abort', onAbort, { once: true });

      const report = () => {
        if (!options.onProgress) return;
        const perChannel = channels.map((_, c) =>
          channelWork[c] === 0 ? 1 : Math.min(1, (doneWork[c] + runningWork[c]) / channelWork[c]),
        );
        const done = doneWork.reduce((sum, work, c) => sum + work + runningWork[c], 0);
        options.onProgress(totalWork === 0 ? 1 : Math.min(1, done / totalWork), perChannel);
      };

      const release = (worker: SvdWorker) => {
        // Keep at most `size` idle workers (concurrent calls may have spawned more), none after close().
        if (this.#closed || this.#idle.length >= this.size) worker.terminate();
        else this.#idle.push(worker);
      };

      const startNext = (worker: SvdWorker) => {
        if (settled) return;
        if (queue.length === 0) {
          release(worker);
          for (const waiting of parked.splice(0)) release(waiting);
          if (busy.size === 0) finish(null);
          return;
        }
        const ready = (queued: QueuedJob) => completed[queued.channel] >= queued.order && (laterStagesOpen || queued.tier === 0);
        let at = queue.findIndex(ready);
        if (at < 0) {
          parked.push(worker);
          return;
        }
        // Among the jobs of the same stage and kind (first pieces, or results), the channel this
        // worker ran last: its workspace still holds that matrix, so the extension skips copying
        // it in. (Not a second piece before another channel's first: that would idle a worker.)
        const first = queue[at];
        const mine = queue.findIndex(
          (queued) =>
            queued.tier === first.tier &&
            queued.stage < 0 === first.stage < 0 &&
            queued.channel === lastChannel.get(worker) &&
            ready(queued),
        );
        if (mine >= 0) at = mine;
        const [job] = queue.splice(at, 1);
        busy.add(worker);
        const { channel, stage, tier, order, rank, work, last, krylovSteps, coarseStart } = job;
        lastChannel.set(worker, channel);
        const krylov = spaces[channel];
        spaces[channel] = undefined;
        worker
          .run(
            {
              channel: channels[channel],
              rank,
              // A split stage's first piece takes its stage's seed (only the job that starts a space uses it).
              seed: (options.seed ?? 1) + 1000 * channel + tier,
              kernels: options.kernels,
              krylov,
              keepKrylov: !last || options.keepKrylov,
              krylovSteps,
              coarseStart,
            },
            (fraction) => {
              if (settled) return;
              runningWork[channel] = fraction * work;
              report();
            },
          )
          .then(
            (result) => {
              if (settled) return;
              busy.delete(worker);
              runningWork[channel] = 0;
              doneWork[channel] += work;
              if (result.krylov) {
                if (!last) spaces[channel] = result.krylov;
                else if (options.keepKrylov) options.onKrylov?.(channel, result.krylov);
                delete result.krylov;
              }
              completed[channel] = order + 1;
              if (stage >= 0) {
                if (stage === stageCounts[channel] - 1) results[channel] = result;
                options.onStage?.(channel, stage, result);
              }
              report();
              startNext(worker);
              for (const waiting of parked.splice(0)) startNext(waiting);
            },
            (error: unknown) => {
              busy.delete(worker);
              worker.terminate();
              finish(error);
            },
          );
      };

      if (queue.length === 0) {
        finish(null);
        return;
      }
      const openLaterStages = () => {
        laterStagesOpen = true;
        for (const waiting of parked.splice(0)) startNext(waiting);
      };
      options.laterStagesAfter?.then(openLaterStages, openLaterStages);
      // No more workers than jobs can run at once, one per channel (a channel's jobs run in turn):
      // a spare worker, parked at first, could take a later stage and make its plane move.
      const workers = Math.min(this.size, queue.length, channels.length);
      for (let i = 0; i < workers; i++) startNext(this.#idle.pop() ?? this.#spawn());
    });
  }

  /**
   * Has `count` idle workers (spawned now if there are fewer) map the workspace of a rank-`rank`
   * job on a rows × cols plane (SvdWorker.reserve): the workers the next decompose() takes first.
   * For an idle moment before the work is known in full (a photo still decoding), so its page
   * faults are taken then instead of inside the first jobs. One worker after another, so that
   * whatever else runs meanwhile (the decoder) competes with one of them only; settles when the
   * last is done. Call it while no decomposition runs: workers busy in one are not counted, and
   * more would be spawned. `makesPlane`: as SvdWorker.reserve's.
   */
  async reserve(rows: number, cols: number, rank: number, eightBit: boolean, count: number, makesPlane = true): Promise<void> {
    if (this.#closed) return;
    const wanted = Math.min(count, this.size);
    while (this.#idle.length < wanted) this.#idle.unshift(this.#spawn());
    // decompose() pops its first workers from the end. One that a decomposition has taken
    // meanwhile is not asked: growing its workspace would move the memory under its job.
    for (const worker of this.#idle.slice(-wanted).reverse()) {
      if (this.#closed || !this.#idle.includes(worker)) continue;
      await worker.reserve?.(rows, cols, rank, eightBit, makesPlane);
    }
  }

  /** Terminates every idle worker; the pool refuses further work. */
  close(): void {
    this.#closed = true;
    for (const worker of this.#idle) worker.terminate();
    this.#idle = [];
  }
}

/**
 * Jobs stage-major: all channels' first stage, then all channels' second stage, … (work: what
 * each adds to the Krylov space). With `split`, a stage that adds at least MIN_SPLIT_COLUMNS Krylov columns runs as
 * two pieces — the first half of its steps (the space only), then the rest and the result — all
 * channels' first pieces before their second.
 */
function planJobs(
  channels: readonly Matrix[],
  stages: readonly number[],
  krylov: readonly (KrylovState | undefined)[] | undefined,
  split: boolean,
  coarseStart: boolean,
): QueuedJob[] {
  const perChannel = channels.map((channel) => normalizeStages(stages, channel.rows, channel.cols));
  const longest = Math.max(0, ...perChannel.map((list) => list.length));
  // Whether each channel's first stage starts coarse (then the later stages extend its blocks of 32).
  const coarse = perChannel.map((list, c) =>
    coarseStart && !krylov?.[c] ? coarsePlan(channels[c].rows, channels[c].cols, list[0]) : null,
  );
  const work = perChannel.map((list, c) => stageWork(channels[c].rows, channels[c].cols, list, krylov?.[c], coarse[c] !== null));
  const steps = channels.map((_, c) => krylov?.[c]?.steps ?? 0);
  const blockSizes = channels.map((_, c) => krylov?.[c]?.blockSize ?? coarse[c]?.blockSize);
  const orders = channels.map(() => 0);
  const queue: QueuedJob[] = [];
  for (let stage = 0; stage < longest; stage++) {
    const seconds: QueuedJob[] = [];
    perChannel.forEach((list, channel) => {
      if (stage >= list.length) return;
      const { rows, cols } = channels[channel];
      const rank = list[stage];
      const last = stage === list.length - 1;
      const start = stage === 0 ? coarse[channel] : null;
      if (start) {
        queue.push({ channel, stage, tier: stage, order: orders[channel]++, rank, work: work[channel][stage], last, coarseStart: true });
        steps[channel] = start.steps;
        return;
      }
      const plan = lanczosPlan(rank, blockSizes[channel]);
      const target = Math.max(steps[channel], plan.steps);
      const added = target - steps[channel];
      if (split && added * plan.blockSize >= MIN_SPLIT_COLUMNS && usesKrylov(rows, cols, rank, plan.blockSize * target)) {
        const middle = steps[channel] + Math.floor(added / 2);
        const share = (middle - steps[channel]) / added;
        queue.push({
          channel,
          stage: -1,
          tier: stage,
          order: orders[channel]++,
          rank,
          work: work[channel][stage] * share,
          last: false,
          krylovSteps: middle,
        });
        seconds.push({ channel, stage, tier: stage, order: orders[channel]++, rank, work: work[channel][stage] * (1 - share), last });
      } else {
        queue.push({ channel, stage, tier: stage, order: orders[channel]++, rank, work: work[channel][stage], last });
      }
      steps[channel] = target;
    });
    queue.push(...seconds);
  }
  return queue;
}
