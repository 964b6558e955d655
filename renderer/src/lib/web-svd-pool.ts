/**
 * The renderer's implementation of core's pool interface: Web Workers (renderer/src/workers/
 * svd.worker.ts) behind comlink. The page has no SharedArrayBuffer (any static server, no
 * COOP/COEP), so each worker gets its own copy of a channel, once: later stages of the same
 * channel name it by key.
 */
import * as Comlink from 'comlink';
import { SvdPool, type ChannelJob, type SvdWorker, type TruncatedSvd } from '../../../core/index.js';
import { MISSING_CHANNEL, type SvdWorkerApi } from '../workers/svd.worker.js';

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

class WebSvdWorker implements SvdWorker {
  readonly #worker = new Worker(new URL('../workers/svd.worker.ts', import.meta.url), { type: 'module', name: 'svd' });
  readonly #api = Comlink.wrap<SvdWorkerApi>(this.#worker);
  readonly #holds = new Set<string>();

  async run(job: ChannelJob, onProgress: (fraction: number) => void): Promise<TruncatedSvd> {
    const key = keyOf(job.channel.data);
    const progress = Comlink.proxy(onProgress);
    const message = { key, rank: job.rank, seed: job.seed, kernels: job.kernels };
    if (!this.#holds.has(key)) {
      this.#holds.add(key);
      return this.#api.run({ ...message, channel: job.channel }, progress);
    }
    try {
      return await this.#api.run(message, progress);
    } catch (error) {
      if (!(error instanceof Error) || error.message !== MISSING_CHANNEL) throw error;
      return this.#api.run({ ...message, channel: job.channel }, progress);
    }
  }

  terminate(): void {
    this.#api[Comlink.releaseProxy]();
    this.#worker.terminate();
  }
}

/** Two workers on a two-core machine; at most four (channels are at most three, plus a spare). */
export function createWebSvdPool(size = Math.max(2, Math.min(4, navigator.hardwareConcurrency || 2))): SvdPool {
  return new SvdPool(size, () => new WebSvdWorker());
}
