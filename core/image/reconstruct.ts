/**
 * Rank-k reconstructions A_k = Σ_{i<k} σ_i u_i v_iᵀ of one channel: full resolution, a region, or
 * box-filtered to a smaller target size.
 *
 * The box-filtered form is what makes the slider interactive on 20 MP photos (DESIGN.md,
 * "Slide"): reconstruction is linear, so averaging the rows of U over each target row's span
 * of source rows, and the rows of V likewise, gives exactly the box-filtered reconstruction, at
 * a cost of (target pixels + spans) · k instead of (source pixels) · k. The boxes are area
 * weighted: a source row that straddles two target rows counts in both with its overlap.
 */
import type { TruncatedSvd } from '../types.js';
import { createKernels, type KernelBackend } from '../kernels/index.js';
import { boxSpans, checkView, type Spans } from './box.js';
import { PixelFormatError, peakValue, sampleLevel, type BitDepth, type ChannelCount, type PixelImage } from './channels.js';

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ReconstructionOptions {
  /** Part of the channel, in source pixels (default: all of it). */
  region?: Region;
  /** Output size; smaller than the region means box filtering (default: the region's size). */
  targetWidth?: number;
  targetHeight?: number;
  /** Reuse this buffer (targetWidth · targetHeight values). */
  out?: Float32Array;
}

/** Row-major targetHeight × targetWidth float32 values of the (box-filtered) rank-k reconstruction. */
export function reconstruct(svd: TruncatedSvd, k: number, options: ReconstructionOptions = {}): Float32Array {
  const height = svd.u.rows;
  const width = svd.v.rows;
  const region = options.region ?? { x: 0, y: 0, width, height };
  const targetWidth = options.targetWidth ?? region.width;
  const targetHeight = options.targetHeight ?? region.height;
  checkView(region, targetWidth, targetHeight, width, height, 'channel');
  const kk = Math.max(0, Math.min(svd.rank, Math.floor(k)));
  const out = options.out ?? new Float32Array(targetWidth * targetHeight);
  if (out.length !== targetWidth * targetHeight) throw new RangeError('The output buffer has the wrong length');
  // Left factor scaled by σ, averaged over row spans: (targetHeight × kk), float64.
  const left = boxAveragedRows(svd.u.data, svd.rank, kk, region.y, region.height, targetHeight, svd.sigma);
  const right = boxAveragedRows(svd.v.data, svd.rank, kk, region.x, region.width, targetWidth, null);
  for (let r = 0; r < targetHeight; r++) {
    const leftRow = r * kk;
    const outRow = r * targetWidth;
    for (let c = 0; c < targetWidth; c++) {
      const rightRow = c * kk;
      let sum = 0;
      for (let i = 0; i < kk; i++) sum += left[leftRow + i] * right[rightRow + i];
      out[outRow + c] = sum;
    }
  }
  return out;
}

/**
 * out[t][i] = scale_i · (area-weighted mean over source lines [start + t·span/count,
 * start + (t+1)·span/count) of factor[line][i]), for i < k; factor is (lines × stride), row-major,
 * out is (count × k), row-major. The renderer's preview worker builds its view on this.
 */
export function boxAveragedRows(
  factor: Float32Array,
  stride: number,
  k: number,
  start: number,
  span: number,
  count: number,
  scale: Float64Array | null,
): Float64Array {
  return filteredRows(factor, stride, k, boxSpans(start, span, count), scale);
}

/**
 * out[t][i] = scale_i · Σ_j spans.weights[t][j] · factor[spans.first[t] + j][i]: the rows of a factor under any spans.
 * Each sum adds its span's rows in order. One call of filterRow per target row, so that V8
 * optimizes it after a few rows: as loops inside this function, run a few times per view, a 12 MP
 * plane's U and V at rank 32 took 12 ms the first time (unoptimized) against 1 ms optimized.
 */
export function filteredRows(factor: Float32Array, stride: number, k: number, spans: Spans, scale: Float64Array | null): Float64Array {
  const count = spans.first.length;
  const out = new Float64Array(count * k);
  for (let t = 0; t < count; t++) filterRow(out, t * k, factor, stride, k, spans.first[t], spans.weights[t], spans.length[t], scale);
  return out;
}

/** out[row … row + k) = scale · Σ_j weights[j] · factor's row first + j (its first k values). */
function filterRow(
  out: Float64Array,
  row: number,
  factor: Float32Array,
  stride: number,
  k: number,
  first: number,
  weights: Float64Array,
  length: number,
  scale: Float64Array | null,
): void {
  const from = first * stride;
  for (let i = 0; i < k; i++) {
    let sum = 0;
    for (let j = 0, at = from + i; j < length; j++, at += stride) sum += weights[j] * factor[at];
    out[row + i] = scale ? sum * scale[i] : sum;
  }
}

/** Values of one band of the product in the workspace (4 MB): the band's rows are copied out before the next band. */
const BAND_FLOATS = 1 << 20;

/**
 * Full-resolution rank-k reconstruction through the product kernels: (U_k·Σ_k)·V_kᵀ as matrix
 * products, WebAssembly SIMD where available (about 0.25 s for a 12 MP channel at rank 256,
 * against several seconds for the loop in reconstruct()). For exports and measurements. The
 * product is made a band of rows at a time, so the workspace holds the factors and one band,
 * not a second full-size matrix beside `out`.
 */
export async function reconstructFullResolution(
  svd: TruncatedSvd,
  k: number,
  kernels?: KernelBackend,
  into?: Float32Array,
): Promise<Float32Array> {
  const rows = svd.u.rows;
  const cols = svd.v.rows;
  // `into` (rows · cols values) saves a large fresh allocation when the caller reconstructs often.
  const out = into && into.length === rows * cols ? into : new Float32Array(rows * cols);
  if (Math.min(svd.rank, Math.floor(k)) <= 0) return out.fill(0);
  await reconstructBands(svd, k, kernels ?? (await createKernels('auto')), (first, count, band, stride) => {
    for (let r = 0; r < count; r++) out.set(band.subarray(r * stride, r * stride + cols), (first + r) * cols);
  });
  return out;
}

/**
 * The full-resolution rank-k reconstruction a band of rows at a time, for callers that only read
 * it once (an error summed over the pixels): `visit(first, count, band, stride)` sees rows first …
 * first + count − 1 as `band` (row r at r · stride, `cols` values each; the kernels' workspace,
 * valid until visit returns). No full-size buffer is allocated. k ≤ 0 visits nothing.
 */
export async function reconstructBands(
  svd: TruncatedSvd,
  k: number,
  backend: KernelBackend,
  visit: (first: number, count: number, band: Float32Array, stride: number) => void,
): Promise<void> {
  const rows = svd.u.rows;
  const cols = svd.v.rows;
  const kk = Math.max(0, Math.min(svd.rank, Math.floor(k)));
  if (kk === 0) return;
  const cols8 = Math.ceil(cols / 8) * 8;
  const band = Math.max(1, Math.min(rows, Math.floor(BAND_FLOATS / cols8)));
  // workspace: left (rows × kk) | right = V_kᵀ (kk × cols8, zero padded) | one band of the product (band × cols8)
  const offLeft = 0;
  const offRight = rows * kk;
  const offProduct = offRight + kk * cols8;
  const ws = backend.allocate(offProduct + band * cols8, cols8);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < kk; i++) ws[offLeft + r * kk + i] = svd.sigma[i] * svd.u.data[r * svd.rank + i];
  }
  ws.fill(0, offRight, offProduct);
  for (let c = 0; c < cols; c++) {
    for (let i = 0; i < kk; i++) ws[offRight + i * cols8 + c] = svd.v.data[c * svd.rank + i];
  }
  for (let first = 0; first < rows; first += band) {
    const count = Math.min(band, rows - first);
    backend.gemmNN(offLeft + first * kk, kk, count, kk, offRight, cols8, cols8, offProduct, cols8, 1, false);
    visit(first, count, ws.subarray(offProduct, offProduct + count * cols8), cols8);
  }
}

/**
 * The pixels of a decomposition at full resolution: each low-rank channel's rank-k product
 * (reconstructBands) rounded and clamped to the bit depth straight into its place among the
 * interleaved pixels, then the lossless alpha plane if given. No full-size float plane is made:
 * the output is the only large allocation (a 12 MP RGB photo: 36 MB, against 180 MB with a
 * float32 plane per channel). What a .svd decoder shows, what exports encode, what metrics compare.
 */
export async function reconstructPixels(
  image: { width: number; height: number; channels: ChannelCount; bitDepth: BitDepth },
  svds: readonly TruncatedSvd[],
  ranks: readonly number[] = svds.map((svd) => svd.rank),
  alphaPlane?: Uint8Array | Uint16Array,
  kernels?: KernelBackend,
): Promise<PixelImage> {
  const { width, height, channels, bitDepth } = image;
  const count = width * height;
  if (svds.length + (alphaPlane ? 1 : 0) !== channels) {
    throw new PixelFormatError(
      `A ${channels}-channel image needs ${channels} plane${channels === 1 ? '' : 's'}, got ${svds.length + (alphaPlane ? 1 : 0)}`,
    );
  }
  for (const svd of svds) {
    if (svd.u.rows !== height || svd.v.rows !== width) {
      throw new PixelFormatError(`Every channel's factors must be ${height} × ${width}, got ${svd.u.rows} × ${svd.v.rows}`);
    }
  }
  if (alphaPlane && alphaPlane.length !== count)
    throw new PixelFormatError(`The alpha plane needs ${count} values, got ${alphaPlane.length}`);
  const backend = kernels ?? (await createKernels('auto'));
  const pixels = bitDepth === 16 ? new Uint16Array(count * channels) : new Uint8Array(count * channels);
  const peak = peakValue(bitDepth);
  for (let c = 0; c < svds.length; c++) {
    await reconstructBands(svds[c], ranks[c] ?? svds[c].rank, backend, (first, rows, band, stride) => {
      for (let r = 0; r < rows; r++) {
        const from = r * stride;
        for (let x = 0, at = (first + r) * width * channels + c; x < width; x++, at += channels)
          pixels[at] = sampleLevel(band[from + x], peak);
      }
    });
  }
  if (alphaPlane) for (let i = 0, at = svds.length; i < count; i++, at += channels) pixels[at] = Math.min(peak, alphaPlane[i]);
  return { width, height, channels, bitDepth, pixels };
}
