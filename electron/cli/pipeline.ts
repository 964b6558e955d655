/**
 * What the commands share: decode an image with sharp, split it into the planes of a .svd layout
 * (model and colour space) and decompose them through the worker pool, read a .svd file and
 * decode it back to pixels.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  colorChannelCount,
  createKernels,
  decodeSvd,
  decodedSvdPixels,
  imageLayout,
  planeMatrix,
  planeSamples,
  type DecodedSvd,
  type ImageLayout,
  type KernelBackend,
  type LayoutOptions,
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
  layout: ImageLayout;
  /** One decomposition per plane of the layout: p² components for patches, the working rank for whole planes. */
  svds: TruncatedSvd[];
  /** The planes' samples (the encoder measures chroma subsampling on them); a caller drops them once encoded. */
  samples?: Float32Array[];
  timings: { decode: number; svd: number };
}

export async function prepareImage(
  path: string,
  pool: SvdPool,
  options: { layout: LayoutOptions; workingRank: number },
  progress: Progress,
  signal?: AbortSignal,
  maxPixels?: number,
): Promise<PreparedImage> {
  let started = performance.now();
  progress.stage(`${basename(path)}: decoding`);
  const image = await decodeImage(path, { maxPixels });
  const decode = performance.now() - started;
  const layout = imageLayout(image, options.layout);
  // The planes go to the workers in SharedArrayBuffers: no copy per worker. The samples are made
  // in shared memory, and where a plane's matrix is its samples (the whole-image model) that
  // array is the matrix; patch matrices are copied into shared memory.
  const samples = planeSamples(image, layout, sharedFloat32Array);
  const matrices = samples.map((plane, index) => {
    const matrix = planeMatrix(plane, layout, index);
    if (matrix.data === plane) return matrix;
    const shared = sharedFloat32Array(matrix.data.length);
    shared.set(matrix.data);
    return { rows: matrix.rows, cols: matrix.cols, data: shared };
  });
  started = performance.now();
  const rank = layout.model === 'patch' ? layout.patchSize * layout.patchSize : options.workingRank;
  const planes = layout.planes.length;
  progress.stage(
    `${basename(path)}: decomposing ${planes} plane${planes > 1 ? 's' : ''} (${layout.model === 'patch' ? `${layout.patchSize} × ${layout.patchSize} patches` : `rank ${rank}`})`,
  );
  const svds = await pool.decompose(matrices, { stages: [rank], signal, onProgress: (fraction) => progress.fraction(fraction) });
  return { path, image, layout, svds, samples, timings: { decode, svd: performance.now() - started } };
}

let sharedKernels: Promise<KernelBackend> | null = null;

/** The one kernel backend of this process's main thread: the encoder and the decoder share its workspace. */
export function cliKernels(): Promise<KernelBackend> {
  sharedKernels ??= createKernels('auto');
  return sharedKernels;
}

/** Pixels of a decoded .svd at a rank per plane (default: all it stores), rounded to its bit depth. */
export async function pixelsOf(decoded: DecodedSvd, rank?: number): Promise<PixelImage> {
  return decodedSvdPixels(decoded, rank, await cliKernels());
}

/** Decodes bytes this process's encoder just produced (from an image it accepted) and returns its pixels. */
export async function decodedPixels(bytes: Uint8Array, rank?: number): Promise<PixelImage> {
  return pixelsOf(decodeSvd(bytes, { maxPixels: Infinity, maxFactorValues: Infinity }), rank);
}

/** JSON's color_space: "gray" for one colour channel, else the layout's colour space. */
export function colorSpaceName(channels: number, colorSpace: 'rgb' | 'ycbcr'): 'rgb' | 'ycbcr' | 'gray' {
  return colorChannelCount(channels) === 1 ? 'gray' : colorSpace;
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
