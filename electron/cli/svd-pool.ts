/**
 * The Node implementation of core's pool interface: one worker_threads Worker per core (two on
 * a two-core machine), each running core's truncated SVD on one (channel, stage) job at a time.
 * Channels go to the workers in SharedArrayBuffers, copied once per channel and shared by every
 * job and worker, so a 12 MP photo is not copied per stage. Used by the command line (and the
 * benchmarks); the desktop app decomposes in the renderer's Web Workers instead.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { SvdPool, type ChannelJob, type Matrix, type SvdWorker, type TruncatedSvd } from '../../core/index.js';

export type WorkerReply =
  { type: 'progress'; fraction: number } | { type: 'done'; result: TruncatedSvd } | { type: 'error'; name: string; message: string };

export interface NodeSvdPoolOptions {
  /** Number of workers (default: available cores, at most 4). */
  size?: number;
  /** The bundled worker script (default: svd-worker.mjs beside this module once built). */
  workerUrl?: URL;
}

/** A float32 array on a SharedArrayBuffer: give it to splitChannels and the pool copies nothing. */
export function sharedFloat32Array(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * length));
}

/** Shared copies of the channels, by the caller's array (a channel is copied once, not per job). */
const sharedChannels = new WeakMap<Float32Array, Float32Array>();

const channelKeys = new WeakMap<Float32Array, number>();
let nextChannelKey = 1;

/** A number per shared channel: the worker sees a new array object over the same memory each time. */
function channelKeyOf(data: Float32Array): number {
  let key = channelKeys.get(data);
  if (key === undefined) {
    key = nextChannelKey++;
    channelKeys.set(data, key);
  }
  return key;
}

/** A job as the worker receives it: the channel in shared memory, and which channel that is. */
export interface WorkerJob extends ChannelJob {
  channelKey: number;
}

function shared(channel: Matrix): Matrix {
  if (channel.data.buffer instanceof SharedArrayBuffer) return channel;
  let data = sharedChannels.get(channel.data);
  if (!data) {
    data = new Float32Array(new SharedArrayBuffer(channel.data.byteLength));
    data.set(channel.data);
    sharedChannels.set(channel.data, data);
  }
  return { rows: channel.rows, cols: channel.cols, data };
}

class NodeSvdWorker implements SvdWorker {
  readonly #worker: Worker;
  #pending: { onProgress(fraction: number): void; resolve(result: TruncatedSvd): void; reject(error: Error): void } | null = null;
  #stopped: Error | null = null;

  constructor(url: URL) {
    this.#worker = new Worker(url);
    this.#worker.unref();
    this.#worker.on('message', (reply: WorkerReply) => this.#onReply(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`The SVD worker stopped (exit code ${code})`)));
  }

  run(job: ChannelJob, onProgress: (fraction: number) => void): Promise<TruncatedSvd> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (this.#pending) return Promise.reject(new Error('This SVD worker is busy'));
    return new Promise<TruncatedSvd>((resolve, reject) => {
      this.#pending = { onProgress, resolve, reject };
      this.#worker.ref();
      // The Krylov space moves to the worker (the pool keeps no copy of it).
      const krylov = job.krylov ? [job.krylov.p.buffer, job.krylov.q.buffer, job.krylov.m.buffer] : [];
      const channel = shared(job.channel);
      this.#worker.postMessage({ ...job, channel, channelKey: channelKeyOf(channel.data) } satisfies WorkerJob, krylov as ArrayBuffer[]);
    });
  }

  terminate(): void {
    this.#pending = null;
    void this.#worker.terminate();
  }

  #onReply(reply: WorkerReply): void {
    const pending = this.#pending;
    if (!pending) return;
    switch (reply.type) {
      case 'progress':
        pending.onProgress(reply.fraction);
        break;
      case 'done':
        this.#settle();
        pending.resolve(reply.result);
        break;
      case 'error': {
        this.#settle();
        const error = new Error(reply.message);
        error.name = reply.name;
        pending.reject(error);
        break;
      }
    }
  }

  #settle(): void {
    this.#pending = null;
    this.#worker.unref();
  }

  #fail(error: Error): void {
    this.#stopped ??= error;
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(error);
  }
}

export function createNodeSvdPool(options: NodeSvdPoolOptions = {}): SvdPool {
  const size = options.size ?? Math.max(1, Math.min(4, availableParallelism()));
  const url = options.workerUrl ?? new URL('./svd-worker.mjs', import.meta.url);
  return new SvdPool(size, () => new NodeSvdWorker(url));
}
