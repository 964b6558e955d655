/**
 * The renderer's implementation of core's pool interface: Web Workers (renderer/src/workers/
 * svd.worker.ts) behind comlink. The page has no SharedArrayBuffer (any static server, no
 * COOP/COEP), so each worker gets its own copy of a channel, once: later stages of the same
 * channel name it by key.
 */
import * as Comlink from 'comlink';
import { SvdPool, type ChannelJob, type SvdWorker, type TruncatedSvd } from '../../../core/index.js';
import type { SvdWorkerApi } from '../workers/svd.worker.js';
import { MISSING_CHANNEL, type SvdJobMessage } from '../workers/svd-protocol.js';

const channelKeys = new WeakMap<Float32Array, string>();
let nextKey = 1;

function keyOf(data: Float32Array): string {
  let key = channelKeys.get(data);
  if (!key) {
    key = `channel-${nextKey++}`;
    channelKeys.set(data, key);
  }
  return key;
}

/**
 * The job with a copy of its channel, transferred: a memcpy on the main thread (~10 ms for a
 * 12 MP channel) instead of structured-clone serialization (several times longer, and a long task).
 */
function withChannel(message: Omit<SvdJobMessage, 'channel'>, job: ChannelJob): SvdJobMessage {
  const data = job.channel.data.slice();
  return Comlink.transfer({ ...message, channel: { rows: job.channel.rows, cols: job.channel.cols, data } }, [data.buffer]);
}

class WebSvdWorker implements SvdWorker {
  readonly #worker = new Worker(new URL('../workers/svd.worker.ts', import.meta.url), { type: 'module', name: 'svd' });
  readonly #api = Comlink.wrap<SvdWorkerApi>(this.#worker);
  /** The channel this worker holds (it keeps one). */
  #holds: string | null = null;

  async run(job: ChannelJob, onProgress: (fraction: number) => void): Promise<TruncatedSvd> {
    const key = keyOf(job.channel.data);
    const progress = Comlink.proxy(onProgress);
    const message = { key, rank: job.rank, seed: job.seed, kernels: job.kernels };
    if (this.#holds !== key) {
      this.#holds = key;
      return this.#api.run(withChannel(message, job), progress);
    }
    try {
      return await this.#api.run(message, progress);
    } catch (error) {
      if (!(error instanceof Error) || error.message !== MISSING_CHANNEL) throw error;
      return this.#api.run(withChannel(message, job), progress);
    }
  }

  terminate(): void {
    this.#api[Comlink.releaseProxy]();
    this.#worker.terminate();
  }
}

/**
 * Three workers at least: an RGB photo's three rank-32 previews then run at once (on two cores,
 * the third would otherwise wait for a whole job, delaying the first preview by a third); at
 * most four. Each worker holds one channel at a time.
 */
export function createWebSvdPool(size = Math.max(3, Math.min(4, navigator.hardwareConcurrency || 2))): SvdPool {
  return new SvdPool(size, () => new WebSvdWorker());
}
