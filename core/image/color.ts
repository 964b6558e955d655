/**
 * Colour planes for `.svd` v2: RGB ⇄ YCbCr (ITU-R BT.601, full range, as JPEG uses it) with the
 * chroma planes centred on 0 (no +128 offset: an SVD of a plane that is mostly 0 spends nothing
 * on its mean), and the chroma planes at half resolution (4:2:0): a 2 × 2 box average down, a
 * bilinear interpolation up, sample centres between the full-resolution pixels they cover.
 *
 * Planes are row-major float32, `width` values per row, in the samples' units (0…255 or 0…65535).
 */
import type { Spans } from './box.js';

/** Y = 0.299 R + 0.587 G + 0.114 B; Cb = (B − Y)/1.772; Cr = (R − Y)/1.402 (BT.601). */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;
const CB_FROM_B = 1.772;
const CR_FROM_R = 1.402;
/** G = Y − 0.344136 Cb − 0.714136 Cr. */
const G_FROM_CB = (LUMA_WEIGHTS[2] * CB_FROM_B) / LUMA_WEIGHTS[1];
const G_FROM_CR = (LUMA_WEIGHTS[0] * CR_FROM_R) / LUMA_WEIGHTS[1];

/**
 * How much one unit of squared error in a plane adds to the squared error summed over R, G and B
 * (the inverse transform's column norms): an error δ in Y moves R, G and B by δ each (3); in Cb,
 * G by −0.344δ and B by 1.772δ; in Cr, R by 1.402δ and G by −0.714δ.
 */
export const YCBCR_ERROR_WEIGHTS = [3, G_FROM_CB ** 2 + CB_FROM_B ** 2, CR_FROM_R ** 2 + G_FROM_CR ** 2] as const;

const CB_SCALE = 1 / CB_FROM_B;
const CR_SCALE = 1 / CR_FROM_R;

/** Cb and Cr of one RGB sample (centred on 0). */
export function chromaOf(r: number, g: number, b: number): [number, number] {
  const luma = LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b;
  return [(b - luma) * CB_SCALE, (r - luma) * CR_SCALE];
}

/**
 * Y, Cb and Cr of `count` interleaved RGB(A) pixels from pixel `first`, into y from `yAt` and
 * cb, cr from `cAt`: the one conversion every plane here is made with.
 */
function yCbCrInto(
  pixels: Uint8Array | Uint16Array,
  channels: number,
  first: number,
  count: number,
  y: Float32Array,
  yAt: number,
  cb: Float32Array,
  cr: Float32Array,
  cAt: number,
): void {
  const [wr, wg, wb] = LUMA_WEIGHTS;
  for (let i = 0, j = first * channels; i < count; i++, j += channels) {
    const r = pixels[j];
    const g = pixels[j + 1];
    const b = pixels[j + 2];
    const luma = wr * r + wg * g + wb * b;
    y[yAt + i] = luma;
    cb[cAt + i] = (b - luma) * CB_SCALE;
    cr[cAt + i] = (r - luma) * CR_SCALE;
  }
}

/** Y, Cb, Cr (full resolution) of interleaved RGB(A) samples; `channels` is 3 or 4. */
export function rgbToYCbCr(pixels: Uint8Array | Uint16Array, count: number, channels: number): [Float32Array, Float32Array, Float32Array] {
  const y = new Float32Array(count);
  const cb = new Float32Array(count);
  const cr = new Float32Array(count);
  yCbCrInto(pixels, channels, 0, count, y, 0, cb, cr, 0);
  return [y, cb, cr];
}

/**
 * One of Y (0), Cb (1) or Cr (2), full resolution, of interleaved RGB(A) samples (as rgbToYCbCr
 * gives it), made row by row so the other two planes never exist in full.
 */
export function yCbCrPlane(
  pixels: Uint8Array | Uint16Array,
  width: number,
  height: number,
  channels: number,
  which: 0 | 1 | 2,
): Float32Array {
  const out = new Float32Array(width * height);
  const rows = [new Float32Array(width), new Float32Array(width), new Float32Array(width)];
  for (let row = 0; row < height; row++) {
    yCbCrInto(pixels, channels, row * width, width, rows[0], 0, rows[1], rows[2], 0);
    out.set(rows[which], row * width);
  }
  return out;
}

/** R, G, B planes from Y, Cb, Cr planes of the same size (not rounded or clamped). */
export function yCbCrToRgb(y: Float32Array, cb: Float32Array, cr: Float32Array): [Float32Array, Float32Array, Float32Array] {
  const count = y.length;
  const r = new Float32Array(count);
  const g = new Float32Array(count);
  const b = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const luma = y[i];
    r[i] = luma + CR_FROM_R * cr[i];
    g[i] = luma - G_FROM_CB * cb[i] - G_FROM_CR * cr[i];
    b[i] = luma + CB_FROM_B * cb[i];
  }
  return [r, g, b];
}

/**
 * Y at full resolution and Cb, Cr at half (downsampleHalf of rgbToYCbCr's planes, to the bit),
 * two rows at a time: no full-resolution chroma planes. `allocate` gives the output arrays.
 */
export function rgbToYCbCrHalf(
  pixels: Uint8Array | Uint16Array,
  width: number,
  height: number,
  channels: number,
  allocate: (length: number) => Float32Array = (length) => new Float32Array(length),
): [Float32Array, Float32Array, Float32Array] {
  const y = allocate(width * height);
  const [cb, cr] = halfChromaInto(pixels, width, height, channels, y, allocate);
  return [y, cb, cr];
}

/** Cb and Cr at half resolution, as rgbToYCbCrHalf makes them (to the bit), without a luma plane. */
export function halfChroma(
  pixels: Uint8Array | Uint16Array,
  width: number,
  height: number,
  channels: number,
): [Float32Array, Float32Array] {
  return halfChromaInto(pixels, width, height, channels, null, (length) => new Float32Array(length));
}

/** Half-resolution Cb and Cr from `allocate`, two rows at a time; Y into `y` (full resolution) when given. */
function halfChromaInto(
  pixels: Uint8Array | Uint16Array,
  width: number,
  height: number,
  channels: number,
  y: Float32Array | null,
  allocate: (length: number) => Float32Array,
): [Float32Array, Float32Array] {
  const half = halfSize(width, height);
  const cb = allocate(half.width * half.height);
  const cr = allocate(half.width * half.height);
  // Two rows of full-resolution chroma, stored in float32 as rgbToYCbCr stores them; without a
  // luma plane, each row's Y goes to a row of its own.
  const rows = [0, 1].map(() => ({ cb: new Float32Array(width), cr: new Float32Array(width) }));
  const luma = y ?? new Float32Array(width);
  const lumaAt = (row: number) => (y ? row * width : 0);
  for (let hy = 0; hy < half.height; hy++) {
    const y0 = 2 * hy;
    const y1 = Math.min(height - 1, y0 + 1);
    yCbCrInto(pixels, channels, y0 * width, width, luma, lumaAt(y0), rows[0].cb, rows[0].cr, 0);
    if (y1 !== y0) yCbCrInto(pixels, channels, y1 * width, width, luma, lumaAt(y1), rows[1].cb, rows[1].cr, 0);
    const second = y1 === y0 ? rows[0] : rows[1];
    for (let hx = 0; hx < half.width; hx++) {
      const x0 = 2 * hx;
      const x1 = Math.min(width - 1, x0 + 1);
      const at = hy * half.width + hx;
      cb[at] = 0.25 * (rows[0].cb[x0] + rows[0].cb[x1] + second.cb[x0] + second.cb[x1]);
      cr[at] = 0.25 * (rows[0].cr[x0] + rows[0].cr[x1] + second.cr[x0] + second.cr[x1]);
    }
  }
  return [cb, cr];
}

/** The half-resolution size of a plane: ⌈width/2⌉ × ⌈height/2⌉. */
export function halfSize(width: number, height: number): { width: number; height: number } {
  return { width: Math.ceil(width / 2), height: Math.ceil(height / 2) };
}

/** 2 × 2 box average (a last odd row or column averages the pixels it has). */
export function downsampleHalf(plane: Float32Array, width: number, height: number): Float32Array {
  const half = halfSize(width, height);
  const out = new Float32Array(half.width * half.height);
  for (let y = 0; y < half.height; y++) {
    const y0 = 2 * y;
    const y1 = Math.min(height - 1, y0 + 1);
    for (let x = 0; x < half.width; x++) {
      const x0 = 2 * x;
      const x1 = Math.min(width - 1, x0 + 1);
      out[y * half.width + x] = 0.25 * (plane[y0 * width + x0] + plane[y0 * width + x1] + plane[y1 * width + x0] + plane[y1 * width + x1]);
    }
  }
  return out;
}

/**
 * Bilinear interpolation of a half-resolution plane back to width × height. Sample (i, j) of the
 * half plane sits at full-resolution coordinate (2i + ½, 2j + ½), between the pixels it averaged;
 * coordinates beyond the outer samples are clamped to them.
 */
export function upsampleBilinear(half: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const columns = upsampleColumns(width);
  for (let y = 0; y < height; y++) upsampledRow(half, width, height, y, out.subarray(y * width, (y + 1) * width), columns);
  return out;
}

/**
 * Row y of a bilinearly upsampled half-resolution plane (as upsampleBilinear computes it), into
 * `out` (width values): so a decoder can turn planes into pixels one row at a time.
 */
export function upsampledRow(
  half: Float32Array,
  width: number,
  height: number,
  y: number,
  out: Float32Array,
  columns: UpsampleColumns,
): Float32Array {
  const hh = halfSize(width, height).height;
  const hw = columns.halfWidth;
  const position = Math.min(hh - 1, Math.max(0, (y - 0.5) / 2));
  const top = Math.floor(position);
  const bottom = Math.min(hh - 1, top + 1);
  const wy = position - top;
  const rowTop = top * hw;
  const rowBottom = bottom * hw;
  const { left, right, weight } = columns;
  for (let x = 0; x < width; x++) {
    const wx = weight[x];
    const upper = half[rowTop + left[x]] * (1 - wx) + half[rowTop + right[x]] * wx;
    const lower = half[rowBottom + left[x]] * (1 - wx) + half[rowBottom + right[x]] * wx;
    out[x] = upper * (1 - wy) + lower * wy;
  }
  return out;
}

/**
 * Box spans over full-resolution lines (box.ts's boxSpans) composed with the bilinear
 * interpolation of a half-resolution plane (`halfLength` lines): the weights each target line
 * gives the half-resolution lines directly. Filtering a half-resolution plane (or its factors'
 * rows) with these equals interpolating it to full resolution and then box-filtering, exactly.
 */
export function upsampledSpans(spans: Spans, halfLength: number): Spans {
  const count = spans.first.length;
  const first = new Int32Array(count);
  const length = new Int32Array(count);
  const weights: Float64Array[] = [];
  for (let t = 0; t < count; t++) {
    const from = spans.first[t];
    const lines = spans.length[t];
    // Half-resolution lines this target touches: those of its first and last full-resolution lines.
    const lo = Math.floor(Math.min(halfLength - 1, Math.max(0, (from - 0.5) / 2)));
    const hi = Math.min(halfLength - 1, Math.floor(Math.min(halfLength - 1, Math.max(0, (from + lines - 1 - 0.5) / 2))) + 1);
    const w = new Float64Array(hi - lo + 1);
    for (let j = 0; j < lines; j++) {
      const position = Math.min(halfLength - 1, Math.max(0, (from + j - 0.5) / 2));
      const near = Math.floor(position);
      const far = Math.min(halfLength - 1, near + 1);
      const share = position - near;
      w[near - lo] += spans.weights[t][j] * (1 - share);
      w[far - lo] += spans.weights[t][j] * share;
    }
    first[t] = lo;
    length[t] = w.length;
    weights.push(w);
  }
  return { first, length, weights };
}

/** Per full-resolution column: the two half-resolution columns interpolated and the second's weight. */
export interface UpsampleColumns {
  halfWidth: number;
  left: Int32Array;
  right: Int32Array;
  weight: Float32Array;
}

export function upsampleColumns(width: number): UpsampleColumns {
  const halfWidth = Math.ceil(width / 2);
  const left = new Int32Array(width);
  const right = new Int32Array(width);
  const weight = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const position = Math.min(halfWidth - 1, Math.max(0, (x - 0.5) / 2));
    left[x] = Math.floor(position);
    right[x] = Math.min(halfWidth - 1, left[x] + 1);
    weight[x] = position - left[x];
  }
  return { halfWidth, left, right, weight };
}

/** R, G, B of one row from Y, Cb, Cr rows (in place into r, g, b). */
export function yCbCrRowToRgb(
  y: Float32Array,
  cb: Float32Array,
  cr: Float32Array,
  r: Float32Array,
  g: Float32Array,
  b: Float32Array,
  width: number,
): void {
  for (let x = 0; x < width; x++) {
    const luma = y[x];
    r[x] = luma + CR_FROM_R * cr[x];
    g[x] = luma - G_FROM_CB * cb[x] - G_FROM_CR * cr[x];
    b[x] = luma + CB_FROM_B * cb[x];
  }
}
