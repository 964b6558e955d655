/**
 * The renderer's implementation of core's pool interface: Web Workers (renderer/src/workers/
 * svd/svd.worker.ts) behind comlink, started by the engine worker. Each worker is sent what it
 * works on only when it lacks it: a copy of it, or on a cross-origin isolated page the shared
 * pixels themselves, for any plane (../../shared/shared-memory.ts).
 *
 * imagePlanes() gives the pool handles for an image's planes under a layout (its colour channels,
 * Y/Cb/Cr planes or patch matrices): matrices whose data the workers make themselves (in
 * parallel) from the shared pixels, or else from the one channel a colour plane is or from the
 * interleaved pixels for Y/Cb/Cr; a colour plane the decoder made with the pixels is moved to its
 * worker as it is.
 * Their `data` is empty: they are for this pool only (core's SvdPool reads only rows and cols).
 */
import * as Comlink from 'comlink';
import {
  SvdPool,
  channelSamples,
  planeChannel,
  type ChannelJob,
  type ImageLayout,
  type Matrix,
  type PixelImage,
  type SvdWorker,
  type TruncatedSvd,
} from '../../../../core/index.js';
import type { SvdWorkerApi } from '../svd/svd.worker.js';
import { MISSING_CHANNEL, type SvdJobMessage } from '../svd/protocol.js';
import { workerStopped } from '../../shared/worker-stopped.js';
import { imageForMessage, isShared, movable } from '../../shared/shared-memory.js';
import type { MappedBuffers } from '../../shared/mapped-buffers.js';

const channelKeys = new WeakMap<Float32Array, string>();
/** What a plane handle's matrix is made from; `planes`: the colour planes made with the pixels, each sent once (then null). */
interface PixelSource {
  index: number;
  layout: ImageLayout;
  image: PixelImage;
  mapped: MappedBuffers | null;
  planes: (Uint8Array | null)[] | null;
}
const pixelSources = new WeakMap<Float32Array, PixelSource>();
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
 * Handles for the planes of `image` under `layout` (each plane's matrix: rows × cols), made by the
 * workers. A colour channel of unshared 8-bit samples sent to a worker is written into a buffer of
 * `mapped` when one fits (the engine drops them once the first decomposition's jobs are out:
 * later messages make their own). `planes`: the colour channels' samples (the engine's own array:
 * a plane is moved once, to the worker that keeps it, and nulled here, so that neither the engine
 * nor these handles hold its memory afterwards).
 */
export function imagePlanes(
  image: PixelImage,
  layout: ImageLayout,
  mapped: MappedBuffers | null = null,
  planes: (Uint8Array | null)[] | null = null,
): Matrix[] {
  return layout.planes.map((plane, index) => {
    const data = new Float32Array(0);
    pixelSources.set(data, { index, layout, image, mapped, planes });
    return { rows: plane.rows, cols: plane.cols, data };
  });
}

/** The live workers, so the engine can make them let go of an image's data (releaseAll). */
const live = new Set<WebSvdWorker>();

/** Every SVD worker drops the plane it holds (what it is made from is sent again when needed). */
export function releaseAll(): void {
  for (const worker of live) worker.release();
}

class WebSvdWorker implements SvdWorker {
  readonly #worker = new Worker(new URL('../svd/svd.worker.ts', import.meta.url), { type: 'module', name: 'svd' });
  readonly #api = Comlink.wrap<SvdWorkerApi>(this.#worker);
  #holdsChannel: string | null = null;
  /** Rejects once the worker has stopped (an uncaught error): a job on it fails rather than wait forever. */
  readonly #stopped: Promise<never>;
  /** Resolves once terminate() is called: a reserve() on it settles rather than wait forever. */
  readonly #terminated: Promise<void>;
  #terminate = () => {};

  constructor() {
    live.add(this);
    // Handled here: the engine worker fails the decomposition, it does not stop too.
    this.#stopped = workerStopped(this.#worker, 'An SVD worker');
    this.#terminated = new Promise((resolve) => (this.#terminate = resolve));
  }

  release(): void {
    this.#holdsChannel = null;
    void this.#api.release().catch(() => {});
  }

  reserve(rows: number, cols: number, rank: number, eightBit: boolean, makesPlane: boolean): Promise<void> {
    return Promise.race([this.#api.reserve(rows, cols, rank, eightBit, makesPlane), this.#stopped, this.#terminated]).catch(() => {});
  }

  async run(job: ChannelJob, onProgress: (fraction: number) => void): Promise<TruncatedSvd> {
    const key = keyOf(job.channel.data);
    const progress = Comlink.proxy(onProgress);
    const base = {
      key,
      rank: job.rank,
      seed: job.seed,
      kernels: job.kernels,
      krylov: job.krylov,
      keepKrylov: job.keepKrylov,
      krylovSteps: job.krylovSteps,
      coarseStart: job.coarseStart,
    };
    // The worker holds the plane: the job alone (it answers MISSING_CHANNEL if it let it go).
    if (this.#holdsChannel === key) {
      try {
        return await this.#send(base, progress);
      } catch (error) {
        if (!(error instanceof Error) || error.message !== MISSING_CHANNEL) throw error;
      }
    }
    return this.#send(this.#withPlane(base, job), progress);
  }

  /**
   * The message with what the plane is made from: a colour plane the decoder made (moved, once);
   * shared pixels as they are, for any plane (the worker takes its colour channel
   * from them itself, so the three workers of an RGB photo start together rather than one channel
   * copy after another here); unshared, a colour channel's plane gets only that channel (a third
   * of an RGB image's bytes), a Y/Cb/Cr plane the whole image; a matrix itself. Unshared channel
   * and image are fresh copies, transferred (one copy, where a structured clone makes two), and
   * the worker keeps neither once it has made the plane.
   */
  #withPlane(base: SvdJobMessage, job: ChannelJob): SvdJobMessage {
    const source = pixelSources.get(job.channel.data);
    if (!source) return { ...base, channel: job.channel };
    const { index, layout, image, mapped, planes } = source;
    const channel = planeChannel(layout, index);
    const made = channel !== null ? planes?.[channel] : null;
    if (made) {
      planes![channel!] = null;
      return { ...base, source: { index, layout, channel: made } };
    }
    if (isShared(image.pixels)) return { ...base, source: { index, layout, image } };
    if (channel !== null) {
      const into = image.bitDepth === 8 ? mapped?.take(image.width * image.height) : undefined;
      return { ...base, source: { index, layout, channel: channelSamples(image, channel, into) } };
    }
    return { ...base, source: { index, layout, image: imageForMessage(image) } };
  }

  async #send(message: SvdJobMessage, progress: (fraction: number) => void): Promise<TruncatedSvd> {
    this.#holdsChannel = message.key;
    const data = message.source?.channel ?? message.source?.image?.pixels;
    return Promise.race([this.#api.run(data ? Comlink.transfer(message, movable(data)) : message, progress), this.#stopped]);
  }

  terminate(): void {
    this.#terminate();
    live.delete(this);
    this.#api[Comlink.releaseProxy]();
    this.#worker.terminate();
  }
}

/**
 * Three workers, one per plane of every coding (a decomposition uses no more workers than it has
 * planes, and the window runs one at a time): an RGB photo's three rank-32 previews run at once,
 * and each later stage runs whole, one plane per worker. With two workers on two cores the first
 * preview came 0.14 s sooner (fewer fresh workers compiling the engine's JavaScript and faulting
 * in workspaces) but the photo was ready 1.6 s later (each later stage split in two pieces that
 * pay the per-job costs twice): 12 MP, medians of 3, 1.98 vs 2.13 s after decoding and 10.2 vs
 * 8.6 s to rank 256, on a 2-core machine. Each worker holds one plane.
 */
export function createWebSvdPool(size = 3): SvdPool {
  return new SvdPool(size, () => new WebSvdWorker());
}
