/**
 * The analysis worker: what needs the full-resolution image and is too slow for the slider.
 * Exact .svd size at a rank (the real encoder), the decoded file's error after quantization and
 * rounding to the source bit depth (MSE, PSNR, SSIM), JPEG at a given quality for the "JPEG at
 * the same bytes" comparison, and the full-resolution pixels and bytes of exports.
 * Each call may be cut short by terminating the worker; the studio then starts a fresh one and
 * the engine worker hands it the image and factors again (over the port given to connect()).
 * Image and factors arrive on that port, the requests on the main one: a request that comes
 * first waits (briefly) for the factors it needs.
 */
import * as Comlink from 'comlink';
import {
  alphaPlaneOf,
  atBitDepth,
  colorChannelCount,
  computeMetrics,
  createKernels,
  encodeSvd,
  meanSquaredError,
  peakValue,
  psnrFromMse,
  reconstructPixels,
  withoutAlpha,
  type EncodedSvd,
  type KernelBackend,
  type PixelImage,
  type TruncatedSvd,
} from '../../../../core/index.js';
import { decodeImage, encodeImage, type ImageFormat } from '../image-codec/image-codecs.js';

export interface SizeMeasurement {
  ranks: number[];
  fileBytes: number;
}

export interface QualityMeasurement {
  ranks: number[];
  fileBytes: number;
  /** Of the decoded .svd (quantized, rounded to the source bit depth) against the original, colour channels. */
  mse: number;
  psnr: number | null;
  ssim: number;
}

export interface JpegMeasurement {
  quality: number;
  fileBytes: number;
  psnr: number | null;
}

let imageId = -1;
let image: PixelImage | null = null;
let alphaPlane: Uint8Array | Uint16Array | undefined;
let factors: (TruncatedSvd | null)[] = [];
let jpegSource: { of: PixelImage; image: PixelImage } | null = null;
let lastEncoded: { key: string; encoded: EncodedSvd } | null = null;
let kernels: Promise<KernelBackend> | null = null;

/** Calls waiting for the image or factors to arrive from the engine worker. */
let waiters: (() => void)[] = [];
const FACTOR_WAIT_MS = 10_000;

function wakeWaiters(): void {
  const woken = waiters;
  waiters = [];
  for (const wake of woken) wake();
}

/** The image `id` and factors of at least `ranks` (per channel), once the engine has sent them. */
async function current(id: number, ranks: readonly number[] = []): Promise<{ image: PixelImage; svds: TruncatedSvd[] }> {
  const deadline = performance.now() + FACTOR_WAIT_MS;
  for (;;) {
    const ready =
      id === imageId &&
      image !== null &&
      factors.every((svd, c) => svd !== null && svd.rank >= Math.min(ranks[c] ?? ranks[0] ?? 1, svd.u.rows, svd.v.rows));
    if (ready) return { image: image!, svds: factors as TruncatedSvd[] };
    if (id < imageId) throw new Error('The analysis worker has moved on to another image');
    const left = deadline - performance.now();
    if (left <= 0) throw new Error('The decomposition did not reach the analysis worker');
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, left);
    });
  }
}

function clampRanks(svds: readonly TruncatedSvd[], ranks: readonly number[]): number[] {
  return svds.map((svd, c) => Math.max(0, Math.min(svd.rank, Math.floor(ranks[c] ?? ranks[0] ?? 0))));
}

/** The .svd encoder's options the studio exposes. */
export interface SvdEncodeSettings {
  /** Share of the truncation error quantization may add (core's default 0.035). */
  quantizationShare?: number;
}

async function encodeAt(
  id: number,
  ranks: readonly number[],
  options: SvdEncodeSettings = {},
): Promise<{ ranks: number[]; encoded: EncodedSvd }> {
  const { image: source, svds } = await current(id, ranks);
  const clamped = clampRanks(svds, ranks);
  const key = `${id}:${clamped.join(',')}:${options.quantizationShare ?? 'default'}`;
  if (lastEncoded?.key !== key) {
    const encoded = encodeSvd({
      width: source.width,
      height: source.height,
      channels: source.channels,
      bitDepth: source.bitDepth,
      svds,
      ranks: clamped,
      alphaPlane,
      quantizationShare: options.quantizationShare,
    });
    lastEncoded = { key, encoded };
  }
  return { ranks: clamped, encoded: lastEncoded.encoded };
}

/** Full-resolution pixels of the given factors at the given ranks, with the original alpha. */
async function pixelsOf(source: PixelImage, svds: readonly TruncatedSvd[], ranks: readonly number[]): Promise<PixelImage> {
  // Taken before any await: a new image may arrive while this one is being reconstructed.
  const alpha = alphaPlane;
  kernels ??= createKernels('auto');
  return reconstructPixels(source, svds, ranks, alpha, await kernels);
}

function transferImage(result: PixelImage): PixelImage {
  return Comlink.transfer(result, [result.pixels.buffer as ArrayBuffer]);
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
    lastEncoded = null;
    alphaPlane = alphaPlaneOf(next);
    wakeWaiters();
  },

  setFactors(id: number, channel: number, svd: TruncatedSvd): void {
    if (id !== imageId || channel < 0 || channel >= factors.length) return;
    factors[channel] = svd;
    lastEncoded = null;
    wakeWaiters();
  },

  /** The exact size of the .svd file storing these ranks. */
  async measureSize(id: number, ranks: readonly number[], options?: SvdEncodeSettings): Promise<SizeMeasurement> {
    const { ranks: clamped, encoded } = await encodeAt(id, ranks, options);
    return { ranks: clamped, fileBytes: encoded.bytes.length };
  },

  /** Size and error of the .svd file at these ranks, as a decoder of it sees it. */
  async measureQuality(id: number, ranks: readonly number[], options?: SvdEncodeSettings): Promise<QualityMeasurement> {
    const source = (await current(id, ranks)).image;
    const { ranks: clamped, encoded } = await encodeAt(id, ranks, options);
    const decoded = await pixelsOf(source, encoded.quantized, clamped);
    // Colour channels only (computeMetrics' default); the alpha plane is the original's.
    const metrics = computeMetrics(source, decoded);
    return { ranks: clamped, fileBytes: encoded.bytes.length, mse: metrics.mse, psnr: metrics.psnr, ssim: metrics.ssim };
  },

  /** JPEG (mozjpeg, as sharp and the CLI use) of the original at this quality: its bytes and PSNR. */
  async jpegAtQuality(id: number, quality: number): Promise<JpegMeasurement> {
    const original = (await current(id)).image;
    // JPEG has no alpha: the comparison is of the colour channels, made once per image.
    if (jpegSource?.of !== original) jpegSource = { of: original, image: withoutAlpha(original) };
    const source = jpegSource.image;
    const bytes = await encodeImage(source, 'jpeg', quality);
    const decoded = await decodeImage(bytes, 'comparison.jpg');
    const candidate = atBitDepth(withoutAlpha(decoded), source.bitDepth);
    // A gray source may decode as gray; an RGB one whose channels are equal may too: compare like with like.
    const mse = meanSquaredError(source, candidate.channels === source.channels ? candidate : expandGray(candidate, source.channels));
    return { quality, fileBytes: bytes.length, psnr: psnrFromMse(mse, peakValue(source.bitDepth)) };
  },

  /** The .svd file's bytes at these ranks. */
  async exportSvd(id: number, ranks: readonly number[], options?: SvdEncodeSettings): Promise<Uint8Array> {
    // A copy: the cached encoding stays usable for the next measurement.
    const bytes = (await encodeAt(id, ranks, options)).encoded.bytes.slice();
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },

  /** The rank-k reconstruction at full resolution, rounded to the source bit depth (alpha as the original's). */
  async reconstruct(id: number, ranks: readonly number[]): Promise<PixelImage> {
    const { image: source, svds } = await current(id, ranks);
    return transferImage(await pixelsOf(source, svds, clampRanks(svds, ranks)));
  },

  /** Encodes pixels as an image file (Squoosh's codecs). */
  async encode(pixels: PixelImage, format: ImageFormat, quality?: number): Promise<Uint8Array> {
    const bytes = await encodeImage(pixels, format, quality);
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },
};

function expandGray(image: PixelImage, channels: number): PixelImage {
  const count = image.width * image.height;
  const pixels = image.bitDepth === 16 ? new Uint16Array(count * channels) : new Uint8Array(count * channels);
  for (let i = 0; i < count; i++) for (let c = 0; c < channels; c++) pixels[i * channels + c] = image.pixels[i * image.channels];
  return { ...image, channels: channels as PixelImage['channels'], pixels };
}

export type AnalysisWorkerApi = typeof api;
Comlink.expose(api);
