/**
 * What the commands share: decode an image with sharp, decompose its colour channels through
 * the worker pool, encode a .svd at a rank, read a .svd file and decode it back to pixels.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  createKernels,
  decodeSvd,
  encodeSvd,
  reconstructPixels,
  alphaPlaneOf,
  colorChannelCount,
  extractChannel,
  type DecodedSvd,
  type EncodedSvd,
  type KernelBackend,
  type PixelImage,
  type SvdPool,
  type TruncatedSvd,
} from '../../core/index.js';
import { decodeImage, ImageIoError, type DecodedImage } from '../io/image-io.js';
import { sharedFloat32Array } from './svd-pool.js';
import type { Progress } from './progress.js';

export interface PreparedImage {
  path: string;
  image: DecodedImage;
  /** Decompositions of the colour channels (1 or 3) at the working rank. */
  svds: TruncatedSvd[];
  alphaPlane?: Uint8Array | Uint16Array;
  timings: { decode: number; svd: number };
}

export async function prepareImage(
  path: string,
  pool: SvdPool,
  workingRank: number,
  progress: Progress,
  signal?: AbortSignal,
  maxPixels?: number,
): Promise<PreparedImage> {
  let started = performance.now();
  progress.stage(`${basename(path)}: decoding`);
  const image = await decodeImage(path, { maxPixels });
  const decode = performance.now() - started;
  const color = colorChannelCount(image.channels);
  const planes = Array.from({ length: color }, (_, c) => extractChannel(image, c, sharedFloat32Array(image.width * image.height)));
  const alphaPlane = alphaPlaneOf(image);
  started = performance.now();
  const rank = Math.min(workingRank, image.width, image.height);
  progress.stage(`${basename(path)}: decomposing ${color} channel${color > 1 ? 's' : ''} at rank ${rank}`);
  const svds = await pool.decompose(planes, {
    stages: [rank],
    signal,
    onProgress: (fraction) => progress.fraction(fraction),
  });
  return { path, image, svds, alphaPlane, timings: { decode, svd: performance.now() - started } };
}

/** The .svd bytes of a prepared image at one rank for every colour channel. */
export function encodeAtRank(prepared: PreparedImage, rank: number): EncodedSvd {
  const { image, svds, alphaPlane } = prepared;
  return encodeSvd({
    width: image.width,
    height: image.height,
    channels: image.channels,
    bitDepth: image.bitDepth,
    svds,
    ranks: svds.map(() => rank),
    alphaPlane,
  });
}

let sharedKernels: Promise<KernelBackend> | null = null;

/** Pixels of a decoded .svd at the given rank (default: all it stores), rounded to its bit depth. */
export async function pixelsOf(decoded: Pick<DecodedSvd, 'header' | 'channels' | 'alphaPlane'>, rank?: number): Promise<PixelImage> {
  sharedKernels ??= createKernels('auto');
  const kernels = await sharedKernels;
  const { header, channels, alphaPlane } = decoded;
  return reconstructPixels(
    header,
    channels,
    channels.map((svd) => rank ?? svd.rank),
    alphaPlane,
    kernels,
  );
}

/** The pixels a decoder of `encoded` will produce, from the encoder's quantized factors. */
export async function quantizedPixels(prepared: PreparedImage, encoded: EncodedSvd): Promise<PixelImage> {
  const { width, height, channels, bitDepth } = prepared.image;
  return pixelsOf({
    header: { width, height, channels, bitDepth } as DecodedSvd['header'],
    channels: encoded.quantized,
    alphaPlane: prepared.alphaPlane,
  });
}

/** Decodes bytes this process's encoder just produced (from an image it accepted) and returns its pixels. */
export async function decodedPixels(bytes: Uint8Array, rank?: number): Promise<PixelImage> {
  return pixelsOf(decodeSvd(bytes, { maxPixels: Infinity, maxFactorValues: Infinity }), rank);
}

/** The largest stored rank: min(working rank, what the decompositions hold). */
export function computedRank(prepared: PreparedImage): number {
  return Math.max(1, ...prepared.svds.map((svd) => svd.rank));
}

/** The bytes of a .svd file, or an ImageIoError naming the file and why it cannot be read. */
export async function readSvdFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImageIoError(
      path,
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a .svd file' : `cannot read it (${code ?? String(error)})`,
    );
  }
}

/** The `input` object of the JSON reports (DESIGN.md): the source as decoded, width and height as displayed. */
export interface InputReport {
  path: string;
  width: number;
  height: number;
  channels: number;
  bit_depth: number;
  file_bytes: number;
}

export function inputReport(path: string, image: DecodedImage): InputReport {
  return {
    path,
    width: image.width,
    height: image.height,
    channels: image.channels,
    bit_depth: image.bitDepth,
    file_bytes: image.fileBytes,
  };
}
