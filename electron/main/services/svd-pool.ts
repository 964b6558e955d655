/**
 * The Node implementation of core's pool interface: one worker_threads Worker per core (two on
 * a two-core machine), each running core's progressive SVD on whole channels. Used by the
 * command line and the Electron main process.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { SvdPool, type ChannelJob, type ChannelJobEvents, type SvdWorker, type TruncatedSvd } from '../../../core/index.js';

export type WorkerReply =
  | { type: 'progress'; fraction: number }
  | { type: 'stage'; stage: number; result: TruncatedSvd }
  | { type: 'done'; stage: number; result: TruncatedSvd }
  | { type: 'error'; name: string; message: string };

export interface NodeSvdPoolOptions {
  /** Number of workers (default: available cores, at most 4). */
  size?: number;
  /** The bundled worker script (default: svd-worker.mjs beside this module once built). */
  workerUrl?: URL;
}

class NodeSvdWorker implements SvdWorker {
  readonly #worker: Worker;
  #pending: { events: ChannelJobEvents; resolve(result: TruncatedSvd): void; reject(error: Error): void } | null = null;

  constructor(url: URL) {
    this.#worker = new Worker(url);
    this.#worker.unref();
    this.#worker.on('message', (reply: WorkerReply) => this.#onReply(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`The SVD worker stopped (exit code ${code})`)));
  }

  run(job: ChannelJob, events: ChannelJobEvents): Promise<TruncatedSvd> {
    if (this.#pending) return Promise.reject(new Error('This SVD worker is busy'));
    return new Promise<TruncatedSvd>((resolve, reject) => {
      this.#pending = { events, resolve, reject };
      this.#worker.ref();
      this.#worker.postMessage(job, [job.channel.data.buffer as ArrayBuffer]);
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
        pending.events.onProgress(reply.fraction);
        break;
      case 'stage':
        pending.events.onStage(reply.result, reply.stage);
        break;
      case 'done':
        pending.events.onStage(reply.result, reply.stage);
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
