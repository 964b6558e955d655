/**
 * The analysis worker: what needs the full-resolution image and is too slow for the slider.
 * The real `.svd` (version 2) file for a coding and a target — ranks, a PSNR or a byte budget —
 * with its size, and its decoded pixels' error (MSE, PSNR, SSIM); JPEG and WebP at the same bytes
 * (equal-bytes.ts: a coarse answer first, then refined); the full-resolution pixels of exports.
 * The image codecs run in workers of each call's own (codec-workers.ts), ended when it is done.
 * Each call may be cut short by terminating the worker, and the worker is ended when idle (its
 * kernels' memory goes with it); the studio starts a fresh one for the next call, and the engine
 * worker hands it the image and factors again (over the port given to connect()).
 * Image and factors arrive on that port, the requests on the main one: a request that comes
 * first waits (briefly) for the factors it needs.
 *
 * A document opened from a .svd file keeps its bytes here (they come with the image): lower ranks and targets
 * are cut from them (svdFileSubset, svdFilePrefix), never re-quantized, so a re-saved file is
 * never larger than the one opened. A version 1 file is re-encoded as version 2 from its factors.
 */
import * as Comlink from 'comlink';
import {
  alphaPlaneOf,
  computeMetrics,
  createKernels,
  decodeSvd,
  readSvdHeader,
  decodedSvdPixels,
  encodeSvdFile,
  meanSquaredError,
  peakValue,
  psnrFromMse,
  reconstructPixels,
  svdFilePrefix,
  svdFileSubset,
  type KernelBackend,
  type PixelImage,
  type SvdTarget,
  type TruncatedSvd,
} from '../../../../core/index.js';
import { codingKey, codingLayout, parseCodingKey, type Coding, type StoredFile } from '../../shared/coding.js';
import type { ImageFormat } from '../image-codec/image-codecs.js';
import type { PreviewPictures } from '../preview/preview.worker.js';
import { EqualBytes, type CodecPoint, type EqualBytesResult, type LossyFormat } from './equal-bytes.js';
import { CodecWorkers } from './codec-workers.js';
import { movable } from '../../shared/shared-memory.js';

/** A `.svd` file for a coding and target, as the window shows it. */
export interface SvdEncoding {
  coding: Coding;
  /** Components kept per plane. */
  ranks: number[];
  fileBytes: number;
  /** PSNR of the decoded file over the colour channels (null when identical). */
  psnr: number | null;
  /** Whether the target was met (a PSNR beyond what the decompositions hold is not). */
  reached: boolean;
}

export interface QualityMeasurement extends SvdEncoding {
  /** Of the decoded file (quantized, rounded to the source bit depth) against the original, colour channels. */
  mse: number;
  ssim: number;
}

let imageId = -1;
let image: PixelImage | null = null;
let alphaPlane: Uint8Array | Uint16Array | undefined;
let codings = new Map<string, (TruncatedSvd | null)[]>();
let stored: StoredFile | null = null;
/** The files made most recently (the size panel, the export list and Save ask for the same ones), newest last. */
let encoded: { key: string; bytes: Uint8Array; encoding: SvdEncoding }[] = [];
const ENCODED_KEPT = 6;
let lastQuality: { key: string; quality: QualityMeasurement } | null = null;
let kernels: Promise<KernelBackend> | null = null;
let equalBytes: EqualBytes | null = null;

/** Calls waiting for the image or factors to arrive from the engine worker. */
let waiters: (() => void)[] = [];
const FACTOR_WAIT_MS = 10_000;

function wakeWaiters(): void {
  const woken = waiters;
  waiters = [];
  for (const wake of woken) wake();
}

function backend(): Promise<KernelBackend> {
  kernels ??= createKernels('auto');
  return kernels;
}

/** The image `id` and the factors of `coding` (every plane, at least `ranks`), once the engine has sent them. */
async function current(id: number, coding?: Coding, ranks: readonly number[] = []): Promise<{ image: PixelImage; svds: TruncatedSvd[] }> {
  const deadline = performance.now() + FACTOR_WAIT_MS;
  for (;;) {
    if (id < imageId) throw new Error('The analysis worker has moved on to another image');
    if (id === imageId && image !== null) {
      if (!coding) return { image, svds: [] };
      const factors = codings.get(codingKey(coding));
      const ready =
        factors && factors.every((svd, p) => svd !== null && svd.rank >= Math.min(ranks[p] ?? ranks[0] ?? 1, svd.u.rows, svd.v.rows));
      if (ready) return { image, svds: factors as TruncatedSvd[] };
    }
    const left = deadline - performance.now();
    if (left <= 0) throw new Error('The decomposition did not reach the analysis worker');
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, left);
    });
  }
}

function clampRanks(svds: readonly TruncatedSvd[], ranks: readonly number[]): number[] {
  return svds.map((svd, p) => Math.max(0, Math.min(svd.rank, Math.floor(ranks[p] ?? ranks[0] ?? 0))));
}

function targetKey(target: SvdTarget): string {
  if ('psnr' in target) return `psnr:${target.psnr}`;
  if ('maxBytes' in target) return `bytes:${target.maxBytes}`;
  return `ranks:${typeof target.ranks === 'number' ? target.ranks : target.ranks.join(',')}`;
}

/** The decoded file's PSNR over the colour channels, as the encoder measures it. */
async function decodedPsnr(bytes: Uint8Array, source: PixelImage): Promise<{ pixels: PixelImage; psnr: number | null; mse: number }> {
  const pixels = await decodedSvdPixels(decodeSvd(bytes, { maxPixels: Infinity }), undefined, await backend());
  const mse = meanSquaredError(source, pixels);
  return { pixels, psnr: psnrFromMse(mse, peakValue(source.bitDepth)), mse };
}

/**
 * A stored v2 file cut to a target: ranks → the first k_p components of each plane; a byte
 * budget → the longest prefix of the segments within it; a PSNR → the shortest prefix reaching it
 * (bisection over prefixes, each decoded and measured).
 */
async function cutStored(
  file: StoredFile,
  source: PixelImage,
  target: SvdTarget,
): Promise<{ bytes: Uint8Array; psnr: number | null; reached: boolean }> {
  const header = readSvdHeader(file.bytes, { maxPixels: Infinity });
  const total = header.lowRank.reduce((sum, entry) => sum + entry.rank, 0) + (header.alpha === 'lossless' ? 1 : 0);
  if ('ranks' in target) {
    const ranks = header.lowRank.map((_, p) => (typeof target.ranks === 'number' ? target.ranks : (target.ranks[p] ?? 0)));
    const bytes = svdFileSubset(file.bytes, ranks);
    return { bytes, psnr: (await decodedPsnr(bytes, source)).psnr, reached: true };
  }
  if ('maxBytes' in target) {
    let lo = 0;
    let hi = total;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (svdFilePrefix(file.bytes, mid).length <= target.maxBytes) lo = mid;
      else hi = mid - 1;
    }
    const bytes = svdFilePrefix(file.bytes, lo);
    return { bytes, psnr: (await decodedPsnr(bytes, source)).psnr, reached: bytes.length <= target.maxBytes };
  }
  const meets = (psnr: number | null) => psnr === null || psnr >= target.psnr;
  const whole = await decodedPsnr(file.bytes, source);
  if (!meets(whole.psnr)) return { bytes: file.bytes, psnr: whole.psnr, reached: false };
  let lo = 0;
  let hi = total;
  let best = { bytes: file.bytes, psnr: whole.psnr };
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const bytes = svdFilePrefix(file.bytes, mid);
    const { psnr } = await decodedPsnr(bytes, source);
    if (meets(psnr)) {
      hi = mid;
      best = { bytes, psnr };
    } else lo = mid + 1;
  }
  return { ...best, reached: true };
}

/** The `.svd` file for a coding and target (cached: the last one asked for). */
/**
 * The `.svd` file for a coding and target (cached: the last few). `held`: the ranks the studio
 * holds for that coding's planes — a PSNR or byte target waits until factors of those ranks are
 * here (an earlier stage's may still be, the latest on its way).
 */
async function encodeFor(
  id: number,
  coding: Coding,
  target: SvdTarget,
  held: readonly number[] = [],
): Promise<{ bytes: Uint8Array; encoding: SvdEncoding }> {
  const key = `${id}:${codingKey(coding)}:${targetKey(target)}`;
  const cached = encoded.find((entry) => entry.key === key);
  if (cached) return cached;
  const wanted = 'ranks' in target ? (typeof target.ranks === 'number' ? [target.ranks] : target.ranks) : held;
  const { image: source, svds } = await current(id, coding, wanted);
  let bytes: Uint8Array;
  let psnr: number | null;
  let reached: boolean;
  const file = stored;
  if (file && file.version === 2 && codingKey(file.coding) === codingKey(coding)) {
    ({ bytes, psnr, reached } = await cutStored(file, source, target));
  } else {
    const layout = codingLayout(source, coding);
    const ranks = 'ranks' in target ? clampRanks(svds, wanted) : null;
    const encoded = await encodeSvdFile({ image: source, layout, svds, target: ranks ? { ranks } : target, kernels: await backend() });
    ({ bytes, psnr, reached } = encoded);
    // A version 1 file re-saved at its own ranks: never larger than it was.
    if (file && file.version === 1 && ranks && file.bytes.length < bytes.length) {
      const header = readSvdHeader(file.bytes, { maxPixels: Infinity });
      if (header.lowRank.every((entry, p) => entry.rank === ranks[p])) bytes = file.bytes;
    }
  }
  // The file's ranks from its header (no factors decoded): a cut, a new encoding or the v1 file kept.
  const ranks = readSvdHeader(bytes, { maxPixels: Infinity }).lowRank.map((entry) => entry.rank);
  const result = { key, bytes, encoding: { coding, ranks, fileBytes: bytes.length, psnr, reached } };
  encoded = [...encoded.filter((entry) => entry.key !== key), result].slice(-ENCODED_KEPT);
  return result;
}

/** Pixels moved to the receiver, or shared where decodeImage made them shared (shared-memory.ts). */
function transferImage(result: PixelImage): PixelImage {
  return Comlink.transfer(result, movable(result.pixels));
}

/** A coding's reconstruction at these ranks at full resolution (unquantized), rounded to the source bit depth, alpha as the original's. */
async function reconstructed(id: number, coding: Coding, ranks: readonly number[]): Promise<PixelImage> {
  const { image: source, svds } = await current(id, coding, ranks);
  // Taken before any await: a new image may arrive while this one is being reconstructed.
  const alpha = alphaPlane;
  const clamped = clampRanks(svds, ranks);
  const layout = codingLayout(source, coding);
  if (layout.model === 'whole' && layout.colorSpace === 'rgb') return reconstructPixels(source, svds, clamped, alpha, await backend());
  return decodedSvdPixels({ layout, channels: svds, alphaPlane: alpha, deblock: false }, clamped, await backend());
}

/** The searches' state for this image (made when first asked). */
function equalBytesOf(source: PixelImage): EqualBytes {
  if (!equalBytes || equalBytes.source !== source) equalBytes = new EqualBytes(source);
  return equalBytes;
}

/** Runs `work` with codec workers of its own (codec-workers.ts), ended when it settles. */
async function withCodecs<T>(work: (codecs: CodecWorkers) => Promise<T>): Promise<T> {
  const codecs = new CodecWorkers();
  try {
    return await work(codecs);
  } finally {
    codecs.end();
  }
}

/** Calls the preview worker over a port from its linkAnalysis(), then closes the port. */
async function toPreview(port: MessagePort, send: (preview: Comlink.Remote<PreviewPictures>) => Promise<void>): Promise<void> {
  const preview = Comlink.wrap<PreviewPictures>(port);
  try {
    await send(preview);
  } finally {
    preview[Comlink.releaseProxy]();
    port.close();
  }
}

const api = {
  /** Serves this API on a second port too: the engine worker sends the image and factors there. */
  connect(port: MessagePort): void {
    Comlink.expose(api, port);
  },

  /** A new document: its pixels, and the .svd file it was opened from (null: a photo). */
  setImage(id: number, next: PixelImage, file: StoredFile | null = null): void {
    imageId = id;
    image = next;
    stored = file;
    codings = new Map();
    encoded = [];
    lastQuality = null;
    equalBytes = null;
    alphaPlane = alphaPlaneOf(next);
    wakeWaiters();
  },

  setFactors(id: number, coding: string, plane: number, svd: TruncatedSvd): void {
    if (id !== imageId || !image) return;
    let factors = codings.get(coding);
    if (!factors) {
      factors = new Array(codingLayout(image, parseCodingKey(coding)).planes.length).fill(null);
      codings.set(coding, factors);
    }
    if (plane < 0 || plane >= factors.length) return;
    factors[plane] = svd;
    encoded = encoded.filter((entry) => !entry.key.startsWith(`${id}:${coding}:`));
    if (lastQuality?.key.startsWith(`${id}:${coding}:`)) lastQuality = null;
    wakeWaiters();
  },

  /** The `.svd` file for a coding and a target: its ranks, size and decoded PSNR (`held`: see encodeFor). */
  async encodeSvd(id: number, coding: Coding, target: SvdTarget, held?: readonly number[]): Promise<SvdEncoding> {
    return (await encodeFor(id, coding, target, held)).encoding;
  },

  /** The file for a coding and target, and its decoded pixels' MSE, PSNR and SSIM. */
  async measureQuality(id: number, coding: Coding, target: SvdTarget, held?: readonly number[]): Promise<QualityMeasurement> {
    const { bytes, encoding } = await encodeFor(id, coding, target, held);
    const key = `${id}:${codingKey(coding)}:${targetKey(target)}`;
    if (lastQuality?.key === key) return lastQuality.quality;
    const source = (await current(id)).image;
    const pixels = await decodedSvdPixels(decodeSvd(bytes, { maxPixels: Infinity }), undefined, await backend());
    // Colour channels only (computeMetrics' default); the alpha plane is stored losslessly.
    const metrics = computeMetrics(source, pixels);
    const quality = { ...encoding, psnr: metrics.psnr, mse: metrics.mse, ssim: metrics.ssim };
    lastQuality = { key, quality };
    return quality;
  },

  /** The .svd file's bytes for a coding and target. */
  async exportSvd(id: number, coding: Coding, target: SvdTarget, held?: readonly number[]): Promise<Uint8Array> {
    // A copy: the cached encoding stays usable for the next measurement.
    const bytes = (await encodeFor(id, coding, target, held)).bytes.slice();
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },

  /** A coding's reconstruction at these ranks (see reconstructed), for a host that encodes exports itself (the desktop: sharp in main). */
  async reconstruct(id: number, coding: Coding, ranks: readonly number[]): Promise<PixelImage> {
    return transferImage(await reconstructed(id, coding, ranks));
  },

  /**
   * An image export, made here: the coding's reconstruction at these ranks encoded with
   * Squoosh's codecs (the web host's exports; in a codec worker of this call's), so only the
   * file's bytes reach the main thread.
   */
  async exportImage(id: number, coding: Coding, ranks: readonly number[], format: ImageFormat, quality?: number): Promise<Uint8Array> {
    const pixels = await reconstructed(id, coding, ranks);
    const bytes = await withCodecs((codecs) => codecs.encode(pixels, format, quality, true));
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },

  /**
   * A saved file's pixels, decoded from its bytes as any reader would (a .svd with core's
   * decoder, an image with the codecs; in a codec worker of this call's), sent straight to the
   * preview worker over `port` (from its linkAnalysis()); returns their size.
   */
  async showSaved(id: number, bytes: Uint8Array, name: string, port: MessagePort): Promise<{ width: number; height: number }> {
    const pixels = await withCodecs((codecs) => codecs.decode(bytes, name));
    const { width, height } = pixels;
    await toPreview(port, (preview) => preview.setSaved(id, transferImage(pixels)));
    return { width, height };
  },

  /**
   * JPEG or WebP of the original at the same bytes as `targetBytes`: the highest quality whose
   * file is no larger. `known`: qualities already measured (their bytes save encodes). A coarse
   * answer comes first (onAnswer with coarse: true), then the exact one (also returned).
   */
  async equalBytes(
    id: number,
    format: LossyFormat,
    targetBytes: number,
    known: readonly CodecPoint[],
    onAnswer: (result: EqualBytesResult, points: CodecPoint[]) => void,
  ): Promise<EqualBytesResult> {
    const source = (await current(id)).image;
    const search = equalBytesOf(source);
    return withCodecs((codecs) => search.search(codecs, format, targetBytes, known, onAnswer));
  },

  /** The decoded JPEG or WebP at a quality, sent to the preview worker over `port` (from its linkAnalysis()) for the compare view. */
  async showCodec(id: number, format: LossyFormat, quality: number, port: MessagePort): Promise<void> {
    const source = (await current(id)).image;
    const search = equalBytesOf(source);
    const pixels = await withCodecs((codecs) => search.decodedAt(codecs, format, quality));
    await toPreview(port, (preview) => preview.setReference(id, transferImage(pixels)));
  },
};

export type AnalysisWorkerApi = typeof api;
Comlink.expose(api);
