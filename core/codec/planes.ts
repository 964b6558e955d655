/**
 * The planes a `.svd` v2 file decomposes, and the way back to pixels.
 *
 * An image becomes 1 (gray) or 3 colour planes — R, G, B, or Y, Cb, Cr (BT.601, chroma centred
 * on 0, optionally at half resolution) — plus alpha when it is stored low rank. Each plane is
 * decomposed as a matrix: the plane itself (the whole-image model) or its p × p patch matrix (the
 * patch model). A plane's `weight` says how much one unit of squared error in its samples adds to
 * the squared error summed over the output's colour channels, so errors of different planes can
 * be compared (and traded) in the units PSNR is measured in.
 */
import {
  chromaOf,
  downsampleHalf,
  yCbCrPlane,
  halfSize,
  rgbToYCbCr,
  halfChroma,
  rgbToYCbCrHalf,
  upsampleColumns,
  upsampledRow,
  yCbCrRowToRgb,
  YCBCR_ERROR_WEIGHTS,
} from '../image/color.js';
import { colorChannelCount, extractChannel, hasAlpha, sampleLevel, type PixelImage } from '../image/channels.js';
import { fromPatchMatrix, patchGrid, toPatchMatrix } from '../image/patches.js';
import type { Matrix } from '../types.js';
import type { AlphaStorage } from './format.js';

export type SvdModel = 'whole' | 'patch';
/** 'rgb' also stands for gray when the image has one colour channel. */
export type PlaneColorSpace = 'rgb' | 'ycbcr';
export type ChromaResolution = 'full' | 'half';
export type PlaneKind = 'gray' | 'r' | 'g' | 'b' | 'y' | 'cb' | 'cr' | 'alpha';
export const PLANE_KINDS: readonly PlaneKind[] = ['gray', 'r', 'g', 'b', 'y', 'cb', 'cr', 'alpha'];

/** Patch sizes the format allows. */
export const PATCH_SIZES = [4, 8, 16] as const;
export const DEFAULT_PATCH_SIZE = 8;

/**
 * A half-resolution chroma sample's error reaches about this many full-resolution pixels once
 * interpolated back: the 4 pixels it covers, as errors of smooth components are (independent
 * errors would weigh 1.56). The rate allocation weighs chroma by it; on the sample photos 4 gave
 * the smallest files at equal PSNR (1.6, 2.5, 5 and 6.5 were 0.3–3 % larger).
 */
export const HALF_CHROMA_ERROR_SPREAD = 4;

export interface PlaneLayout {
  kind: PlaneKind;
  /** The plane's own size in samples (the image's, or half of it for 4:2:0 chroma). */
  width: number;
  height: number;
  /** The decomposed matrix: the plane (height × width) or its patch matrix (blocks × p²). */
  rows: number;
  cols: number;
  /** Squared error summed over the output's colour channels per unit of squared error in this plane. */
  weight: number;
}

export interface ImageLayout {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  bitDepth: 8 | 16;
  model: SvdModel;
  /** p for the patch model, 0 for the whole-image model. */
  patchSize: number;
  colorSpace: PlaneColorSpace;
  chroma: ChromaResolution;
  alpha: AlphaStorage;
  /** The low-rank planes, in file order: colour planes, then alpha when stored low rank. */
  planes: PlaneLayout[];
}

export interface LayoutOptions {
  model: SvdModel;
  patchSize?: number;
  colorSpace: PlaneColorSpace;
  chroma?: ChromaResolution;
  alpha?: AlphaStorage;
}

/** The planes of an image of this shape under a model and colour space. */
export function imageLayout(image: Pick<PixelImage, 'width' | 'height' | 'channels' | 'bitDepth'>, options: LayoutOptions): ImageLayout {
  const { width, height, channels, bitDepth } = image;
  const color = colorChannelCount(channels);
  const colorSpace: PlaneColorSpace = color === 1 ? 'rgb' : options.colorSpace;
  const chroma: ChromaResolution = colorSpace === 'ycbcr' ? (options.chroma ?? 'half') : 'full';
  const patchSize = options.model === 'patch' ? (options.patchSize ?? DEFAULT_PATCH_SIZE) : 0;
  if (options.model === 'patch' && !(PATCH_SIZES as readonly number[]).includes(patchSize)) {
    throw new RangeError(`The patch size must be ${PATCH_SIZES.join(', ')}, not ${patchSize}`);
  }
  const alpha: AlphaStorage = hasAlpha(channels) ? (options.alpha ?? 'lossless') : 'none';
  const plane = (kind: PlaneKind, planeWidth: number, planeHeight: number, weight: number): PlaneLayout => {
    if (patchSize === 0) return { kind, width: planeWidth, height: planeHeight, rows: planeHeight, cols: planeWidth, weight };
    const grid = patchGrid(planeWidth, planeHeight, patchSize);
    return { kind, width: planeWidth, height: planeHeight, rows: grid.rows * grid.cols, cols: patchSize * patchSize, weight };
  };
  const planes: PlaneLayout[] = [];
  if (color === 1) planes.push(plane('gray', width, height, 1));
  else if (colorSpace === 'rgb') for (const kind of ['r', 'g', 'b'] as const) planes.push(plane(kind, width, height, 1));
  else {
    planes.push(plane('y', width, height, YCBCR_ERROR_WEIGHTS[0]));
    const chromaSize = chroma === 'half' ? halfSize(width, height) : { width, height };
    const spread = chroma === 'half' ? HALF_CHROMA_ERROR_SPREAD : 1;
    planes.push(plane('cb', chromaSize.width, chromaSize.height, YCBCR_ERROR_WEIGHTS[1] * spread));
    planes.push(plane('cr', chromaSize.width, chromaSize.height, YCBCR_ERROR_WEIGHTS[2] * spread));
  }
  // Alpha is not part of the colour error (PSNR is over the colour channels): weight 1 of its own.
  if (alpha === 'low-rank') planes.push(plane('alpha', width, height, 1));
  return { width, height, channels, bitDepth, model: options.model, patchSize, colorSpace, chroma, alpha, planes };
}

/**
 * One plane's samples (its width × height), made on its own: what a worker that decomposes only
 * that plane extracts (planeSamples makes them all at once, sharing the colour conversion).
 */
export function planeSamplesOf(image: PixelImage, layout: ImageLayout, index: number): Float32Array {
  const plane = layout.planes[index];
  if (!plane) throw new RangeError(`The layout has ${layout.planes.length} planes, not ${index + 1}`);
  const { pixels, channels } = image;
  const channel = planeChannel(layout, index);
  if (channel !== null) return extractChannel(image, channel).data;
  const which = plane.kind === 'y' ? 0 : plane.kind === 'cb' ? 1 : 2;
  const full = yCbCrPlane(pixels, image.width, image.height, channels, which);
  return which !== 0 && layout.chroma === 'half' ? downsampleHalf(full, image.width, image.height) : full;
}

/**
 * The image channel whose values are plane `index`'s samples (gray, R, G, B or alpha planes), or
 * null for Y, Cb and Cr planes, which mix the colour channels.
 */
export function planeChannel(layout: Pick<ImageLayout, 'planes' | 'channels'>, index: number): number | null {
  const plane = layout.planes[index];
  if (!plane) throw new RangeError(`The layout has ${layout.planes.length} planes, not ${index + 1}`);
  if (plane.kind === 'y' || plane.kind === 'cb' || plane.kind === 'cr') return null;
  return plane.kind === 'alpha' ? layout.channels - 1 : plane.kind === 'g' ? 1 : plane.kind === 'b' ? 2 : 0;
}

/** The matrix plane `index` decomposes (planeMatrix of planeSamplesOf). */
export function planeMatrixOf(image: PixelImage, layout: ImageLayout, index: number): Matrix {
  return planeMatrix(planeSamplesOf(image, layout, index), layout, index);
}

/**
 * The plane samples (each plane's width × height), before any patch rearrangement; `allocate`,
 * if given, makes the arrays (the command line's are shared with its workers). Half-resolution
 * chroma is made two rows at a time, without full-resolution chroma planes.
 */
export function planeSamples(image: PixelImage, layout: ImageLayout, allocate?: (length: number) => Float32Array): Float32Array[] {
  const count = image.width * image.height;
  const create = allocate ?? ((length: number) => new Float32Array(length));
  const out: Float32Array[] = [];
  if (layout.colorSpace === 'ycbcr' && layout.chroma === 'half') {
    out.push(...rgbToYCbCrHalf(image.pixels, image.width, image.height, image.channels, create));
  } else if (layout.colorSpace === 'ycbcr') {
    const planes = rgbToYCbCr(image.pixels, count, image.channels);
    out.push(...(allocate ? planes.map((plane) => copied(plane, allocate)) : planes));
  } else {
    for (let c = 0; c < colorChannelCount(image.channels); c++) out.push(extractChannel(image, c, create(count)).data);
  }
  if (layout.alpha === 'low-rank') out.push(extractChannel(image, image.channels - 1, create(count)).data);
  return out;
}

function copied(plane: Float32Array, allocate: (length: number) => Float32Array): Float32Array {
  const out = allocate(plane.length);
  out.set(plane);
  return out;
}

/** The matrices to decompose, one per plane of the layout. */
export function planeMatrices(image: PixelImage, layout: ImageLayout): Matrix[] {
  return planeSamples(image, layout).map((samples, index) => planeMatrix(samples, layout, index));
}

export function planeMatrix(samples: Float32Array, layout: ImageLayout, index: number): Matrix {
  const plane = layout.planes[index];
  if (layout.model === 'patch') return toPatchMatrix(samples, plane.width, plane.height, layout.patchSize);
  return { rows: plane.height, cols: plane.width, data: samples };
}

/** A decomposed matrix (rows × cols, as reconstructed) back to its plane's samples. */
export function matrixToPlane(matrix: Float32Array, layout: ImageLayout, index: number, into?: Float32Array): Float32Array {
  const plane = layout.planes[index];
  if (layout.model === 'patch') {
    const out = into && into.length === plane.width * plane.height ? into : undefined;
    return fromPatchMatrix(matrix, plane.width, plane.height, layout.patchSize, out);
  }
  return matrix;
}

/**
 * Rows first…end − 1 of the output, where plane p's row y is row y − starts[p] of its samples (a
 * band of a full-resolution plane's rows; 0 when not given: the whole plane).
 */
export interface PlaneRows {
  first: number;
  end: number;
  starts?: readonly number[];
}

/**
 * Calls `visit(y, values)` for every row of the output's colour channels (R, G, B, or gray) as
 * unrounded floats, chroma interpolated and converted row by row (no full-size temporaries);
 * `rows`: only those rows (half-resolution chroma is read whole: its interpolation reads the rows
 * around each output row).
 */
function forEachColorRow(
  layout: ImageLayout,
  samples: readonly Float32Array[],
  visit: (y: number, values: readonly Float32Array[]) => void,
  rows: PlaneRows = { first: 0, end: layout.height },
): void {
  const { width, height } = layout;
  const { first, end } = rows;
  const rowOf = (p: number, y: number) => {
    const at = (y - (rows.starts?.[p] ?? 0)) * width;
    if (at < 0 || at + width > samples[p].length) throw new RangeError(`Row ${y} is not in plane ${p}'s samples`);
    return samples[p].subarray(at, at + width);
  };
  if (layout.colorSpace !== 'ycbcr') {
    const count = colorChannelCount(layout.channels);
    for (let y = first; y < end; y++)
      visit(
        y,
        Array.from({ length: count }, (_, p) => rowOf(p, y)),
      );
    return;
  }
  const rgb = [new Float32Array(width), new Float32Array(width), new Float32Array(width)];
  const cbRow = new Float32Array(width);
  const crRow = new Float32Array(width);
  const columns = upsampleColumns(width);
  for (let y = first; y < end; y++) {
    const luma = rowOf(0, y);
    const cb = layout.chroma === 'half' ? upsampledRow(samples[1], width, height, y, cbRow, columns) : rowOf(1, y);
    const cr = layout.chroma === 'half' ? upsampledRow(samples[2], width, height, y, crRow, columns) : rowOf(2, y);
    yCbCrRowToRgb(luma, cb, cr, rgb[0], rgb[1], rgb[2], width);
    visit(y, rgb);
  }
}

/**
 * Pixels from reconstructed plane samples (one per layout plane), rounded and clamped to the bit
 * depth; a lossless alpha plane is passed as it was stored.
 */
export function planesToPixels(layout: ImageLayout, samples: readonly Float32Array[], alphaPlane?: Uint8Array | Uint16Array): PixelImage {
  const { width, height, bitDepth, channels } = layout;
  const pixels = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  const peak = bitDepth === 16 ? 65535 : 255;
  const alpha = layout.alpha === 'low-rank' ? samples[samples.length - 1] : null;
  forEachColorRow(layout, samples, (y, values) => {
    const color = values.length;
    const base = y * width * channels;
    for (let c = 0; c < color; c++) {
      const row = values[c];
      for (let x = 0, at = base + c; x < width; x++, at += channels) pixels[at] = sampleLevel(row[x], peak);
    }
    if (alpha)
      for (let x = 0, at = base + color, from = y * width; x < width; x++, at += channels) pixels[at] = sampleLevel(alpha[from + x], peak);
    else if (alphaPlane)
      for (let x = 0, at = base + color, from = y * width; x < width; x++, at += channels) pixels[at] = alphaPlane[from + x];
  });
  return { width, height, channels, bitDepth, pixels };
}

/**
 * The squared error, summed over the colour channels, of the pixels planesToPixels would give
 * (rounded and clamped) against `image` — without making them. `rows`: over those rows only.
 */
export function colorSquaredError(layout: ImageLayout, samples: readonly Float32Array[], image: PixelImage, rows?: PlaneRows): number {
  const { width, channels } = layout;
  const peak = layout.bitDepth === 16 ? 65535 : 255;
  const source = image.pixels;
  let sum = 0;
  forEachColorRow(
    layout,
    samples,
    (y, values) => {
      const color = values.length;
      for (let c = 0; c < color; c++) {
        const row = values[c];
        for (let x = 0, at = y * width * channels + c; x < width; x++, at += channels) {
          const d = sampleLevel(row[x], peak) - source[at];
          sum += d * d;
        }
      }
    },
    rows,
  );
  return sum;
}

/**
 * What half-resolution chroma costs before any coding: the squared error, summed over R, G and B,
 * of the image against itself with Cb and Cr replaced by their halved and interpolated planes,
 * before rounding. `samples`: the layout's plane samples, when the caller has them; else only the
 * two half-resolution chroma planes are made (a quarter of the image's size each). Row by row
 * after that, no full-size temporaries.
 */
export function chromaSubsamplingError(image: PixelImage, layout: ImageLayout, samples?: readonly Float32Array[]): number {
  if (layout.colorSpace !== 'ycbcr' || layout.chroma !== 'half') return 0;
  const { width, height, channels, pixels } = image;
  const [cbHalf, crHalf] = samples ? [samples[1], samples[2]] : halfChroma(pixels, width, height, channels);
  const columns = upsampleColumns(width);
  const cbUp = new Float32Array(width);
  const crUp = new Float32Array(width);
  const zero = new Float32Array(width);
  const dcb = new Float32Array(width);
  const dcr = new Float32Array(width);
  const [r, g, b] = [new Float32Array(width), new Float32Array(width), new Float32Array(width)];
  let sum = 0;
  for (let y = 0; y < height; y++) {
    upsampledRow(cbHalf, width, height, y, cbUp, columns);
    upsampledRow(crHalf, width, height, y, crUp, columns);
    for (let x = 0, at = y * width * channels; x < width; x++, at += channels) {
      const [cb, cr] = chromaOf(pixels[at], pixels[at + 1], pixels[at + 2]);
      dcb[x] = cbUp[x] - cb;
      dcr[x] = crUp[x] - cr;
    }
    yCbCrRowToRgb(zero, dcb, dcr, r, g, b, width);
    for (let x = 0; x < width; x++) sum += r[x] * r[x] + g[x] * g[x] + b[x] * b[x];
  }
  return sum;
}
