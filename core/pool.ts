/**
 * Decomposing the channels of an image in parallel. Each channel is an independent problem,
 * so the pool hands whole channels to workers, as many at once as it has workers. core/ starts
 * no threads: a host supplies `spawn`, which makes one worker (worker_threads in Node — see
 * electron/main/services/svd-pool.ts —, a Web Worker in the renderer), and this class does the
 * scheduling, progress, abort and restart that both hosts share.
 */
import type { Matrix, TruncatedSvd } from './types.js';
import { abortError } from './svd/work.js';

/** One channel's decomposition, as sent to a worker. */
export interface ChannelJob {
  channel: Matrix;
  /** Ranks of the progressive stages, increasing; the last is the working rank. */
  stages: number[];
  seed: number;
  kernels?: 'simd' | 'plain' | 'auto';
}

export interface ChannelJobEvents {
  onProgress(fraction: number): void;
  onStage(result: TruncatedSvd, stage: number): void;
}

/** A host's worker: runs one job at a time. */
export interface SvdWorker {
  run(job: ChannelJob, events: ChannelJobEvents): Promise<TruncatedSvd>;
  /** Stops the worker at once, even in the middle of a job (whose promise then never settles). */
  terminate(): void;
}

export interface DecomposeOptions {
  stages: number[];
  seed?: number;
  kernels?: 'simd' | 'plain' | 'auto';
  signal?: AbortSignal;
  /** Overall fraction done, 0…1, and each channel's own fraction. */
  onProgress?: (fraction: number, perChannel: readonly number[]) => void;
  onStage?: (channel: number, stage: number, result: TruncatedSvd) => void;
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
   * Decomposes every channel (the matrices are not modified; workers get copies). Resolves
   * with one result per channel, in order. On abort, the workers running this call are
   * terminated (they are respawned lazily by later calls) and the promise rejects at once.
   */
  decompose(channels: readonly Matrix[], options: DecomposeOptions): Promise<TruncatedSvd[]> {
    if (this.#closed) return Promise.reject(new Error('The SVD pool is closed'));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    const results: TruncatedSvd[] = new Array(channels.length);
    const progress = new Array<number>(channels.length).fill(0);
    const busy = new Set<SvdWorker>();
    let nextChannel = 0;
    let settled = false;

    return new Promise<TruncatedSvd[]>((resolve, reject) => {
      const finish = (error: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
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
        const total = progress.reduce((sum, value) => sum + value, 0) / Math.max(1, channels.length);
        options.onProgress?.(total, progress);
      };

      const startNext = (worker: SvdWorker) => {
        if (settled) return;
        if (nextChannel >= channels.length) {
          this.#idle.push(worker);
          if (busy.size === 0) finish(null);
          return;
        }
        const index = nextChannel++;
        busy.add(worker);
        const source = channels[index];
        const job: ChannelJob = {
          channel: { rows: source.rows, cols: source.cols, data: Float32Array.from(source.data) },
          stages: options.stages,
          seed: (options.seed ?? 1) + 1000 * index,
          kernels: options.kernels,
        };
        worker
          .run(job, {
            onProgress: (fraction) => {
              if (settled) return;
              progress[index] = fraction;
              report();
            },
            onStage: (result, stage) => {
              if (!settled) options.onStage?.(index, stage, result);
            },
          })
          .then(
            (result) => {
              if (settled) return;
              busy.delete(worker);
              results[index] = result;
              progress[index] = 1;
              report();
              startNext(worker);
            },
            (error: unknown) => {
              busy.delete(worker);
              worker.terminate();
              finish(error);
            },
          );
      };

      if (channels.length === 0) {
        finish(null);
        return;
      }
      const workers = Math.min(this.size, channels.length);
      for (let i = 0; i < workers; i++) startNext(this.#idle.pop() ?? this.#spawn());
    });
  }

  /** Terminates every idle worker; the pool refuses further work. */
  close(): void {
    this.#closed = true;
    for (const worker of this.#idle) worker.terminate();
    this.#idle = [];
  }
}
