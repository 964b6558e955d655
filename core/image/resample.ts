/**
 * Area-weighted (box) resampling of interleaved pixels to planar float channels, the same filter
 * reconstruct() applies to the factors: the preview's "original" side and its reconstruction
 * side are then filtered identically, so their difference at display resolution is the
 * box-filtered error. Separable: each target row first sums its source rows (weighted by
 * overlap), then each target column sums its source columns.
 */
import type { Region } from './reconstruct.js';
import { boxSpans, checkView, type Spans } from './box.js';
import { PixelFormatError, mergeChannels, validatePixelImage, type PixelImage } from './channels.js';
import { addRows } from '../kernels/box-rows.js';
import type { KernelBackend } from '../kernels/kernel-backend.js';

/**
 * One float32 plane per channel (targetHeight × targetWidth, row-major, source units) of the
 * region box-filtered to the target size (which must not exceed the region's). With WebAssembly
 * `kernels` (whose workspace it takes), an 8-bit image's vertical passes run there (boxRowsBytes: with the
 * WebAssembly kernels, 26 ms instead of 54 for a 12 MP photo's 620 × 413 view, its rows copied
 * in); the planes are the same bit for bit.
 */
export function boxResample(
  image: PixelImage,
  region: Region,
  targetWidth: number,
  targetHeight: number,
  kernels?: KernelBackend,
): Float32Array[] {
  validatePixelImage(image);
  const { width, height, channels, pixels } = image;
  checkView(region, targetWidth, targetHeight, width, height, 'image');
  const { x, y, width: w, height: h } = region;
  const rows = boxSpans(y, h, targetHeight);
  const cols = boxSpans(0, w, targetWidth);
  const planes = Array.from({ length: channels }, () => new Float32Array(targetWidth * targetHeight));
  const addLine = (t: number, rowSum: Float64Array) => {
    if (channels === 3) addColumnsRgb(planes, t * targetWidth, rowSum, cols);
    else for (let c = 0; c < channels; c++) addColumns(planes[c], t * targetWidth, rowSum, c, channels, cols, 0);
  };
  const span = w * channels;
  // (The plain backend's pass is addRows itself: it runs on the pixels where they are.)
  if (kernels && kernels.kind !== 'plain' && pixels instanceof Uint8Array) {
    // The workspace: the sums and the weights (float64), then the target row's source rows' bytes, packed.
    const most = rows.length.reduce((a, b) => Math.max(a, b), 0);
    const offWeights = 2 * span;
    const offBytes = offWeights + 2 * most;
    const workspace = kernels.allocate(offBytes + Math.ceil((most * span) / 4), 8);
    const bytes = new Uint8Array(workspace.buffer, workspace.byteOffset + 4 * offBytes, most * span);
    const weights = kernels.doubles(offWeights, most);
    const rowSum = kernels.doubles(0, span);
    const stride = width * channels;
    for (let t = 0; t < targetHeight; t++) {
      const count = rows.length[t];
      const from = (rows.first[t] * width + x) * channels;
      if (span === stride) bytes.set(pixels.subarray(from, from + count * span));
      else for (let i = 0; i < count; i++) bytes.set(pixels.subarray(from + i * stride, from + i * stride + span), i * span);
      weights.set(rows.weights[t]);
      kernels.boxRowsBytes(0, 4 * offBytes, span, offWeights, count, span);
      addLine(t, rowSum);
    }
    return planes;
  }
  // One target row's vertical sums, interleaved like the source: (w × channels).
  const rowSum = new Float64Array(span);
  for (let t = 0; t < targetHeight; t++) {
    addRows(rowSum, pixels, (rows.first[t] * width + x) * channels, width * channels, rows.weights[t], rows.length[t]);
    addLine(t, rowSum);
  }
  return planes;
}

/** The whole image box-filtered to width × height (no larger than the image), rounded to its bit depth. */
export function downscaleImage(image: PixelImage, width: number, height: number): PixelImage {
  if (width > image.width || height > image.height) throw new PixelFormatError('downscaleImage only makes images smaller');
  const planes = boxResample(image, { x: 0, y: 0, width: image.width, height: image.height }, width, height);
  return {
    width,
    height,
    channels: image.channels,
    bitDepth: image.bitDepth,
    pixels: mergeChannels(planes, width, height, image.bitDepth),
  };
}

/** The largest size with the image's aspect ratio and at most maxPixels pixels. */
export function fitWithin(width: number, height: number, maxPixels: number): { width: number; height: number } {
  if (width * height <= maxPixels) return { width, height };
  const scale = Math.sqrt(maxPixels / (width * height));
  let w = Math.max(1, Math.floor(width * scale));
  let h = Math.max(1, Math.floor(height * scale));
  while (w * h > maxPixels) {
    if (w > h) w--;
    else h--;
  }
  return { width: w, height: h };
}

/**
 * One float plane (width × height, row-major) box-filtered over `region` to targetWidth ×
 * targetHeight, with the spans of boxResample.
 */
export function boxResamplePlane(
  plane: Float32Array,
  width: number,
  height: number,
  region: Region,
  targetWidth: number,
  targetHeight: number,
  out?: Float32Array,
  outStride?: number,
): Float32Array {
  checkView(region, targetWidth, targetHeight, width, height, 'plane');
  const rows = boxSpans(region.y, region.height, targetHeight);
  const cols = boxSpans(region.x, region.width, targetWidth);
  return filterPlane(plane, width, height, rows, cols, out, outStride);
}

/**
 * A separable filter of one float plane: target (t, tc) = Σ rows.weights[t][i] ·
 * cols.weights[tc][j] · plane[rows.first[t] + i, cols.first[tc] + j]. Box spans (box.ts), or box
 * spans composed with an interpolation (color.ts's upsampledSpans). Written row-major into `out`
 * with `outStride` values between rows.
 */
export function filterPlane(
  plane: Float32Array,
  width: number,
  height: number,
  rows: Spans,
  cols: Spans,
  out: Float32Array = new Float32Array(rows.first.length * cols.first.length),
  outStride: number = cols.first.length,
): Float32Array {
  if (plane.length < width * height) throw new RangeError(`The plane holds ${plane.length} samples, not ${width} × ${height}`);
  const targetHeight = rows.first.length;
  const targetWidth = cols.first.length;
  let x0 = width;
  let x1 = 0;
  for (let tc = 0; tc < targetWidth; tc++) {
    x0 = Math.min(x0, cols.first[tc]);
    x1 = Math.max(x1, cols.first[tc] + cols.length[tc]);
  }
  for (let t = 0; t < targetHeight; t++) {
    if (rows.first[t] < 0 || rows.first[t] + rows.length[t] > height) throw new RangeError('The row spans leave the plane');
  }
  if (x0 < 0 || x1 > width) throw new RangeError('The column spans leave the plane');
  // One target row's vertical sums over the columns the target covers.
  const rowSum = new Float64Array(Math.max(0, x1 - x0));
  for (let t = 0; t < targetHeight; t++) {
    addRows(rowSum, plane, rows.first[t] * width + x0, width, rows.weights[t], rows.length[t]);
    addColumns(out, t * outStride, rowSum, 0, 1, cols, x0);
  }
  return out;
}

/**
 * One target line's horizontal pass: out[at + tc] = Σᵢ cols.weights[tc][i] · (the sum of source
 * column cols.first[tc] + i), the sums of column x being line[(x − from) · stride + offset].
 *
 * The vertical and horizontal passes are functions of their own, called once per target line,
 * so that V8 optimizes each as a whole after a few lines. Written as loops inside the function
 * that is called once per image, they ran mostly in on-stack-replaced code that V8 threw away
 * at every exit from the inner loop (over a hundred times for a 12 MP photo), compiling again on
 * a background thread while the SVD workers needed the cores.
 */
function addColumns(out: Float32Array, at: number, line: Float64Array, offset: number, stride: number, cols: Spans, from: number): void {
  const count = cols.first.length;
  for (let tc = 0; tc < count; tc++) {
    const weights = cols.weights[tc];
    const first = (cols.first[tc] - from) * stride + offset;
    const length = cols.length[tc];
    let sum = 0;
    for (let i = 0; i < length; i++) sum += weights[i] * line[first + i * stride];
    out[at + tc] = sum;
  }
}

/**
 * addColumns for the three channels of interleaved RGB sums at once (line[3x + c]: channel c of
 * source column x), into planes[0…2]: each weight and index is read once for the three sums
 * (less than half the time of three addColumns calls), and each sum adds its terms in the same
 * order, so the values are the same.
 */
function addColumnsRgb(planes: Float32Array[], at: number, line: Float64Array, cols: Spans): void {
  const [red, green, blue] = planes;
  const count = cols.first.length;
  for (let tc = 0; tc < count; tc++) {
    const weights = cols.weights[tc];
    const length = cols.length[tc];
    let r = 0;
    let g = 0;
    let b = 0;
    for (let i = 0, p = 3 * cols.first[tc]; i < length; i++, p += 3) {
      const weight = weights[i];
      r += weight * line[p];
      g += weight * line[p + 1];
      b += weight * line[p + 2];
    }
    red[at + tc] = r;
    green[at + tc] = g;
    blue[at + tc] = b;
  }
}
