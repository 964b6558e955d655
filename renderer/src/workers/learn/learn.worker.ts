/**
 * The learn worker: Learn mode's numbers for one channel of the open photo (core/learn), off the
 * main thread. It lives only while Learn mode is open; the engine worker sends it the image and
 * every decomposition's factors over the port given to connect() (it keeps the whole image's,
 * RGB: Learn mode's A is always a whole-image channel). Its own calls run one at a time (the
 * quick ones first; Eckart–Young, which needs the kernel workspace, last); the eigenpairs of AᵀA
 * and the rows' PCA go to a helper worker (helper.worker.ts), started with this one, which runs
 * them on the other core meanwhile. The expensive results (the eigenvalue views, the rows' PCA)
 * are kept per channel.
 */
import * as Comlink from 'comlink';
import {
  GramOperator,
  channelSamples,
  colorChannelCount,
  colorCovariance,
  createKernels,
  eckartYoung,
  orthogonality,
  peakValue,
  reconstruct,
  singularVectorRows,
  type ColorCovariance,
  type EckartYoung,
  type KernelBackend,
  type Orthogonality,
  type PixelImage,
  type SampleMatrix,
  type TruncatedSvd,
} from '../../../../core/index.js';
import { WHOLE_RGB, codingFor, codingKey } from '../../shared/coding.js';
import { workerStopped } from '../../shared/worker-stopped.js';
import type { LearnHelperApi } from './helper.worker.js';
import type { EigenView, PcaView, StripsView, VectorsView } from './protocol.js';

/** How long a call waits for the image or the factors it needs. */
const FACTOR_WAIT_MS = 120_000;
/** Eigenpairs compared (at most the decomposition's rank and n). */
const EIGEN_COUNT = 32;
/** Principal components of the rows' PCA. */
const PCA_RANK = 16;

let imageId = -1;
let image: PixelImage | null = null;
let factors: (TruncatedSvd | null)[] = [];
let waiters: (() => void)[] = [];
let kernels: Promise<KernelBackend> | null = null;
/** Calls waiting to run, cheapest first (see serial). */
const queue: { priority: number; order: number; run: () => void }[] = [];
let running = false;
let order = 0;
const eigenCache = new Map<string, EigenView>();
const pcaCache = new Map<string, PcaView>();
/** Each channel's samples (one plane, made once per image). */
const samplesCache = new Map<number, SampleMatrix>();

function backend(): Promise<KernelBackend> {
  kernels ??= createKernels('auto');
  return kernels;
}

// Compiled now, while the image is on its way.
void backend();

interface Helper {
  worker: Worker;
  remote: Comlink.Remote<LearnHelperApi>;
  /** Rejects when the helper dies. */
  failed: Promise<never>;
  /** The samples it holds ("image:channel"). */
  holds: string | null;
}
let helper: Helper | null = null;

/** The helper worker (a new one after a failure). */
function learnHelper(): Helper {
  if (helper) return helper;
  const worker = new Worker(new URL('./helper.worker.ts', import.meta.url), { type: 'module', name: 'learn-helper' });
  const failed = workerStopped(worker, "Learn mode's helper worker");
  failed.catch(() => {
    if (helper?.worker === worker) helper = null;
    worker.terminate();
  });
  helper = { worker, remote: Comlink.wrap<LearnHelperApi>(worker), failed, holds: null };
  return helper;
}
// Started with this worker: its code and WebAssembly compile while the image is on its way.
learnHelper();

/** Runs `call` on the helper with channel `channel` of image `id` (sent first when it holds other samples). */
async function onHelper<T>(
  id: number,
  channel: number,
  a: SampleMatrix,
  call: (remote: Comlink.Remote<LearnHelperApi>, key: string) => Promise<T>,
): Promise<T> {
  const current = learnHelper();
  const key = `${id}:${channel}`;
  if (current.holds !== key) {
    // A copy goes (this worker keeps its own for Eckart–Young). Messages keep their order:
    // calls posted after this one find the samples there.
    const samples = a.data.slice() as Uint8Array | Uint16Array;
    current.holds = key;
    void current.remote.setSamples(key, a.rows, a.cols, Comlink.transfer(samples, [samples.buffer])).catch(() => {});
  }
  return Promise.race([call(current.remote, key), current.failed]);
}

/** Eckart–Young's Gram operator (its random projection), kept for the next k while nothing else takes the workspace. */
let operator: GramOperator | null = null;

/**
 * Runs calls one at a time (they share the kernel workspace), the waiting ones by `priority`
 * (lower first; in arrival order within one): the views that take milliseconds do not wait
 * behind Eckart–Young, which takes a second on a 12 MP photo.
 */
function serial<T>(priority: number, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    queue.push({
      priority,
      order: order++,
      run: () => {
        work()
          .then(resolve, reject)
          .finally(() => {
            running = false;
            next();
          });
      },
    });
    next();
  });
}

function next(): void {
  if (running || queue.length === 0) return;
  running = true;
  // One turn of the event loop first: calls posted together are all queued before one is picked.
  setTimeout(() => {
    queue.sort((x, y) => x.priority - y.priority || x.order - y.order);
    queue.shift()!.run();
  }, 0);
}

/** serial()'s priorities. */
const QUICK = 0;
const MEDIUM = 1;
const SLOW = 2;

function wake(): void {
  const woken = waiters;
  waiters = [];
  for (const resolve of woken) resolve();
}

/** The image and channel `channel`'s whole-image factors with at least `rank` components, once they are here. */
async function channelOf(id: number, channel: number, rank = 1): Promise<{ image: PixelImage; a: SampleMatrix; svd: TruncatedSvd }> {
  const deadline = performance.now() + FACTOR_WAIT_MS;
  for (;;) {
    if (id < imageId) throw new Error('Learn mode has moved on to another image');
    const svd = factors[channel];
    if (id === imageId && image && svd && svd.rank >= Math.min(rank, svd.u.rows, svd.v.rows)) {
      let a = samplesCache.get(channel);
      if (!a) {
        a = { rows: image.height, cols: image.width, data: channelSamples(image, channel) };
        samplesCache.set(channel, a);
      }
      return { image, a, svd };
    }
    const left = deadline - performance.now();
    if (left <= 0) throw new Error('The decomposition of the whole image did not reach Learn mode');
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, left);
    });
  }
}

/** Grey RGBA from a plane: values mapped by `map` (to 0…255). */
function grayBitmap(plane: Float32Array, width: number, height: number, map: (value: number) => number): Promise<ImageBitmap> {
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const value = map(plane[i]);
    pixels[i * 4] = value;
    pixels[i * 4 + 1] = value;
    pixels[i * 4 + 2] = value;
    pixels[i * 4 + 3] = 255;
  }
  return createImageBitmap(new ImageData(pixels, width, height));
}

/** A component (A_k − A_{k−1}, signed) as grey around mid-grey, scaled by its largest magnitude. */
async function componentBitmap(
  upTo: Float32Array,
  before: Float32Array,
  width: number,
  height: number,
): Promise<{ bitmap: ImageBitmap; scale: number }> {
  const component = new Float32Array(upTo.length);
  let scale = 0;
  for (let i = 0; i < upTo.length; i++) {
    component[i] = upTo[i] - before[i];
    scale = Math.max(scale, Math.abs(component[i]));
  }
  const bitmap = await grayBitmap(component, width, height, (value) => 128 + (127 * value) / (scale || 1));
  return { bitmap, scale };
}

const api = {
  /** Serves this API on a second port too: the engine worker sends the image and factors there. */
  connect(port: MessagePort): void {
    Comlink.expose(api, port);
  },

  setImage(id: number, next: PixelImage): void {
    imageId = id;
    image = next;
    factors = new Array(colorChannelCount(next.channels)).fill(null);
    eigenCache.clear();
    pcaCache.clear();
    operator = null;
    samplesCache.clear();
    // The helper maps its workspace for this size while the factors come.
    void learnHelper()
      .remote.prepare(next.height, next.width)
      .catch(() => {});
    wake();
  },

  setFactors(id: number, coding: string, plane: number, svd: TruncatedSvd): void {
    if (id !== imageId || !image || coding !== codingKey(codingFor(image, WHOLE_RGB))) return;
    if (plane < 0 || plane >= factors.length) return;
    factors[plane] = svd;
    wake();
  },

  /**
   * The top eigenpairs of AᵀA against σᵢ² and vᵢ (core/learn: gramEigen, eigenAgreement, on the
   * helper, which computes the pairs — and the rows' PCA pairs with them — once per channel; each
   * later stage of the decomposition only redoes the agreement).
   */
  async eigen(id: number, channel: number, onProgress?: (fraction: number) => void): Promise<EigenView> {
    const { a, svd } = await channelOf(id, channel, EIGEN_COUNT);
    const key = `${id}:${channel}:${svd.rank}`;
    const cached = eigenCache.get(key);
    if (cached) return cached;
    const count = Math.min(EIGEN_COUNT, svd.rank, a.cols);
    const started = performance.now();
    const sigma = svd.sigma.slice(0, count);
    const vRows = singularVectorRows(svd.v, count);
    const progress = onProgress ? Comlink.proxy((fraction: number) => onProgress(fraction)) : undefined;
    const { eigen, agreement } = await onHelper(id, channel, a, (remote, samplesKey) =>
      remote.eigen(samplesKey, count, PCA_RANK, sigma, Comlink.transfer(vRows, [vRows.buffer]), progress),
    );
    const view: EigenView = {
      method: eigen.method,
      dimension: eigen.dimension,
      products: eigen.products,
      eigenvalues: Array.from(eigen.values.subarray(0, count)),
      sigmaSquared: Array.from(sigma, (s) => s * s),
      relativeDifference: Array.from(agreement.relativeDifference),
      angles: Array.from(agreement.angles),
      clusters: agreement.clusters,
      residuals: Array.from(agreement.residuals),
      eigenResiduals: Array.from(eigen.residuals.subarray(0, count)),
      milliseconds: performance.now() - started,
    };
    if (id === imageId) eigenCache.set(key, view);
    return view;
  },

  /** UₖᵀUₖ and VₖᵀVₖ (k ≤ 64). */
  orthogonality(id: number, channel: number, k: number): Promise<{ u: Orthogonality; v: Orthogonality }> {
    return serial(QUICK, async () => {
      const { svd } = await channelOf(id, channel, k);
      return { u: orthogonality(svd.u, k), v: orthogonality(svd.v, k) };
    });
  },

  /** ‖A − A_k‖ from the pixels, from the spectrum, and for k random directions. */
  eckartYoung(id: number, channel: number, k: number): Promise<EckartYoung> {
    return serial(SLOW, async () => {
      const { a, svd } = await channelOf(id, channel, k);
      const kernelBackend = await backend();
      return eckartYoung(a, svd, k, kernelBackend, { gram: () => (operator = GramOperator.reuse(operator, a, kernelBackend)) });
    });
  },

  /** PCA of the channel's rows (core/learn: rowPca, on the helper), with the uncentred SVD's shares beside it. */
  async pca(id: number, channel: number, onProgress?: (fraction: number) => void): Promise<PcaView> {
    const { a, svd } = await channelOf(id, channel, PCA_RANK);
    const key = `${id}:${channel}`;
    let view = pcaCache.get(key);
    if (!view) {
      const started = performance.now();
      const progress = onProgress ? Comlink.proxy((fraction: number) => onProgress(fraction)) : undefined;
      const pca = await onHelper(id, channel, a, (remote, samplesKey) => remote.pca(samplesKey, PCA_RANK, progress));
      view = {
        ratios: Array.from(pca.ratios),
        uncentred: Array.from(svd.sigma.subarray(0, pca.ratios.length), (s) => (s * s) / svd.frobeniusNormSquared),
        total: pca.total,
        rows: a.rows,
        scores: pca.scores,
        milliseconds: performance.now() - started,
      };
      if (id === imageId) pcaCache.set(key, view);
    }
    // A copy goes out (the cache keeps its own scores).
    return { ...view, scores: view.scores.slice() };
  },

  /** The covariance of the pixels' colours; null for a gray photo. */
  color(id: number): Promise<ColorCovariance | null> {
    return serial(QUICK, async () => {
      const { image: current } = await channelOf(id, 0);
      return colorChannelCount(current.channels) === 3 ? colorCovariance(current) : null;
    });
  },

  /** uᵢ and vᵢ (1-based i) as signals, and σᵢ. */
  vectors(id: number, channel: number, index: number): Promise<VectorsView> {
    return serial(QUICK, async () => {
      const { svd } = await channelOf(id, channel, index);
      const i = Math.max(1, Math.min(index, svd.rank)) - 1;
      const u = new Float32Array(svd.u.rows);
      const v = new Float32Array(svd.v.rows);
      for (let r = 0; r < u.length; r++) u[r] = svd.u.data[r * svd.rank + i];
      for (let c = 0; c < v.length; c++) v[c] = svd.v.data[c * svd.rank + i];
      return Comlink.transfer({ index: i + 1, sigma: svd.sigma[i], u, v }, [u.buffer, v.buffer]);
    });
  },

  /**
   * The first `count` components σᵢuᵢvᵢᵀ and partial sums A₁ … A_count of the channel at
   * thumbnail size, and component `selected` at `large` width, as bitmaps.
   */
  strips(id: number, channel: number, count: number, width: number, selected: number, large: number): Promise<StripsView> {
    return serial(MEDIUM, async () => {
      const { image: current, svd } = await channelOf(id, channel, count);
      const n = Math.min(count, svd.rank);
      const height = Math.max(1, Math.round((width * current.height) / current.width));
      const peak = peakValue(current.bitDepth);
      const components: ImageBitmap[] = [];
      const partialSums: ImageBitmap[] = [];
      // One reconstruction per k: component k is A_k minus the sum before it.
      let before: Float32Array = new Float32Array(width * height);
      for (let k = 1; k <= n; k++) {
        const sum = reconstruct(svd, k, { targetWidth: width, targetHeight: height });
        components.push((await componentBitmap(sum, before, width, height)).bitmap);
        partialSums.push(await grayBitmap(sum, width, height, (value) => (255 * value) / peak));
        before = sum;
      }
      const largeWidth = Math.min(large, current.width);
      const largeHeight = Math.max(1, Math.round((largeWidth * current.height) / current.width));
      const index = Math.max(1, Math.min(selected, svd.rank));
      const largeView = { targetWidth: largeWidth, targetHeight: largeHeight };
      const { bitmap, scale } = await componentBitmap(
        reconstruct(svd, index, largeView),
        reconstruct(svd, index - 1, largeView),
        largeWidth,
        largeHeight,
      );
      const view: StripsView = { components, partialSums, component: { index, bitmap, scale, sigma: svd.sigma[index - 1] } };
      return Comlink.transfer(view, [...components, ...partialSums, bitmap]);
    });
  },
};

export type LearnWorkerApi = typeof api;
Comlink.expose(api);
