/**
 * Mean structural similarity of one channel, defined as scikit-image 0.19's
 * `structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
 * data_range=peak)` (Wang et al. 2004):
 *
 *   μx = G∗x, μy = G∗y, σx² = G∗x² − μx², σy² = G∗y² − μy², σxy = G∗xy − μx·μy
 *   S  = (2μxμy + C1)(2σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)),  C1 = (0.01·peak)², C2 = (0.03·peak)²
 *
 * G is scipy's Gaussian with σ = 1.5 truncated at 3.5σ: radius int(3.5·1.5 + 0.5) = 5, so an
 * 11 × 11 window, separable, weights exp(−x²/2σ²) normalised to sum 1. skimage filters the
 * whole image (mode 'reflect') and then averages S over the image with a border of
 * (11 − 1) / 2 = 5 pixels cropped off every side. Every window centred inside that crop lies
 * entirely inside the image, so the boundary mode never reaches the mean and we only compute
 * the cropped region. Deviation: where a side is shorter than 11 pixels (skimage raises) we keep
 * that axis uncropped and extend it by reflection (d c b a | a b c d | d c b a) like scipy.
 *
 * Layout: samples are interleaved, row-major (index (y · width + x) · channels + channel).
 * The filter runs in float64 and streams: each source row is filtered horizontally once into a
 * ring of 11 rows, and each output row is the vertical combination of its 11 ring rows, so the
 * memory is O(width), not O(pixels). Only the sums that S needs are filtered: x, y, x² + y² and
 * xy (σx² + σy² = G∗(x² + y²) − μx² − μy²), four quantities rather than skimage's five. The four
 * are stored interleaved ([x, y, x² + y², xy] per column) so one offset reaches all of them, and
 * the symmetric 11 taps are unrolled into 5 pairs plus the centre (w₋d = w₊d): this is the hot
 * loop of a 12 MP comparison.
 */

export const SSIM_SIGMA = 1.5;
export const SSIM_RADIUS = 5; // int(3.5 · SSIM_SIGMA + 0.5), scipy.ndimage's radius for truncate = 3.5
export const SSIM_WINDOW = 2 * SSIM_RADIUS + 1;
export const SSIM_K1 = 0.01;
export const SSIM_K2 = 0.03;

/** The 1-D Gaussian taps, index 0 … 2·radius, as scipy.ndimage._gaussian_kernel1d builds them. */
function gaussianTaps(sigma: number, radius: number): Float64Array {
  const taps = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    taps[i + radius] = Math.exp((-0.5 / (sigma * sigma)) * i * i);
    sum += taps[i + radius];
  }
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  return taps;
}

const TAPS = gaussianTaps(SSIM_SIGMA, SSIM_RADIUS);
// The taps by distance from the centre (the kernel is symmetric), as constants for the unrolled loops.
const [W0, W1, W2, W3, W4, W5] = TAPS.subarray(SSIM_RADIUS);

/** scipy.ndimage 'reflect' (half-sample symmetric), periodic with period 2n for any index. */
function reflectIndex(index: number, n: number): number {
  const period = 2 * n;
  let i = index % period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

const QUANTITIES = 4; // x, y, x² + y², xy — interleaved per column

export interface SsimPlaneInput {
  readonly reference: Readonly<ArrayLike<number>>;
  readonly candidate: Readonly<ArrayLike<number>>;
  readonly width: number;
  readonly height: number;
  /** Samples per pixel (interleave stride). */
  readonly channels: number;
  /** Which interleaved channel to compare. */
  readonly channel: number;
  /** data_range: 255 for 8-bit samples, 65535 for 16-bit. */
  readonly peak: number;
}

/** Mean SSIM of one channel of two interleaved images of the same shape. Inputs are not modified. */
export function structuralSimilarity(input: SsimPlaneInput): number {
  const { width, height, peak } = input;
  const r = SSIM_RADIUS;
  // Output (cropped) region; see the module comment for axes shorter than the window.
  const colStart = width >= SSIM_WINDOW ? r : 0;
  const colEnd = width >= SSIM_WINDOW ? width - r : width;
  const rowStart = height >= SSIM_WINDOW ? r : 0;
  const rowEnd = height >= SSIM_WINDOW ? height - r : height;
  const outWidth = colEnd - colStart;
  const slotStride = QUANTITIES * outWidth;
  // Source row padded by r columns on each side: (width + 2r) × 4 float64.
  const paddedRow = new Float64Array(QUANTITIES * (width + 2 * r));
  // Ring of horizontally filtered rows: 11 slots × outWidth × 4 float64; source row s sits in slot s mod 11.
  const ring = new Float64Array(SSIM_WINDOW * slotStride);
  const slotRow = new Int32Array(SSIM_WINDOW).fill(-1);
  const offsets = new Int32Array(SSIM_WINDOW);
  const c1 = (SSIM_K1 * peak) ** 2;
  const c2 = (SSIM_K2 * peak) ** 2;

  let total = 0;
  for (let row = rowStart; row < rowEnd; row++) {
    for (let k = -r; k <= r; k++) {
      const source = reflectIndex(row + k, height);
      const slot = source % SSIM_WINDOW;
      if (slotRow[slot] !== source) {
        filterRowHorizontally(input, source, colStart, outWidth, paddedRow, ring, slot * slotStride);
        slotRow[slot] = source;
      }
      offsets[k + r] = slot * slotStride;
    }
    const [u5, u4, u3, u2, u1, c, d1, d2, d3, d4, d5] = offsets;
    let rowSum = 0;
    for (let i = 0; i < slotStride; i += QUANTITIES) {
      const muX =
        W0 * ring[c + i] +
        W1 * (ring[u1 + i] + ring[d1 + i]) +
        W2 * (ring[u2 + i] + ring[d2 + i]) +
        W3 * (ring[u3 + i] + ring[d3 + i]) +
        W4 * (ring[u4 + i] + ring[d4 + i]) +
        W5 * (ring[u5 + i] + ring[d5 + i]);
      const muY =
        W0 * ring[c + i + 1] +
        W1 * (ring[u1 + i + 1] + ring[d1 + i + 1]) +
        W2 * (ring[u2 + i + 1] + ring[d2 + i + 1]) +
        W3 * (ring[u3 + i + 1] + ring[d3 + i + 1]) +
        W4 * (ring[u4 + i + 1] + ring[d4 + i + 1]) +
        W5 * (ring[u5 + i + 1] + ring[d5 + i + 1]);
      const meanSumOfSquares =
        W0 * ring[c + i + 2] +
        W1 * (ring[u1 + i + 2] + ring[d1 + i + 2]) +
        W2 * (ring[u2 + i + 2] + ring[d2 + i + 2]) +
        W3 * (ring[u3 + i + 2] + ring[d3 + i + 2]) +
        W4 * (ring[u4 + i + 2] + ring[d4 + i + 2]) +
        W5 * (ring[u5 + i + 2] + ring[d5 + i + 2]);
      const meanProduct =
        W0 * ring[c + i + 3] +
        W1 * (ring[u1 + i + 3] + ring[d1 + i + 3]) +
        W2 * (ring[u2 + i + 3] + ring[d2 + i + 3]) +
        W3 * (ring[u3 + i + 3] + ring[d3 + i + 3]) +
        W4 * (ring[u4 + i + 3] + ring[d4 + i + 3]) +
        W5 * (ring[u5 + i + 3] + ring[d5 + i + 3]);
      const muXY = muX * muY;
      const muSquares = muX * muX + muY * muY;
      const numerator = (2 * muXY + c1) * (2 * (meanProduct - muXY) + c2);
      const denominator = (muSquares + c1) * (meanSumOfSquares - muSquares + c2);
      rowSum += numerator / denominator;
    }
    // Row sums first, then the total: keeps the rounding of a 12 MP mean near float64's epsilon.
    total += rowSum;
  }
  return total / (outWidth * (rowEnd - rowStart));
}

/**
 * Filters source row `source` horizontally into `ring` at `out` (outWidth × 4 values), for
 * output columns colStart … colStart + outWidth − 1. `paddedRow` is scratch.
 */
function filterRowHorizontally(
  input: SsimPlaneInput,
  source: number,
  colStart: number,
  outWidth: number,
  paddedRow: Float64Array,
  ring: Float64Array,
  out: number,
): void {
  const { reference, candidate, width, channels, channel } = input;
  const r = SSIM_RADIUS;
  const rowBase = source * width * channels + channel;
  // Padded column p holds image column p − r. The padding (reflected) is only read when the
  // width is below the window, so it is filled outside the tight interior loop.
  for (let p = 0; p < r; p++) {
    fillPaddedColumn(input, rowBase + reflectIndex(p - r, width) * channels, paddedRow, QUANTITIES * p);
  }
  for (let p = width + r; p < width + 2 * r; p++) {
    fillPaddedColumn(input, rowBase + reflectIndex(p - r, width) * channels, paddedRow, QUANTITIES * p);
  }
  for (let q = QUANTITIES * r, sample = rowBase, end = QUANTITIES * (width + r); q < end; q += QUANTITIES, sample += channels) {
    const a = reference[sample];
    const b = candidate[sample];
    paddedRow[q] = a;
    paddedRow[q + 1] = b;
    paddedRow[q + 2] = a * a + b * b;
    paddedRow[q + 3] = a * b;
  }
  const row = paddedRow;
  const end = QUANTITIES * outWidth;
  // p: padded index of the window centre; neighbours at ±d columns are ±4d values away.
  for (let i = out, p = QUANTITIES * (colStart + r); i < out + end; i += QUANTITIES, p += QUANTITIES) {
    ring[i] =
      W0 * row[p] +
      W1 * (row[p - 4] + row[p + 4]) +
      W2 * (row[p - 8] + row[p + 8]) +
      W3 * (row[p - 12] + row[p + 12]) +
      W4 * (row[p - 16] + row[p + 16]) +
      W5 * (row[p - 20] + row[p + 20]);
    ring[i + 1] =
      W0 * row[p + 1] +
      W1 * (row[p - 3] + row[p + 5]) +
      W2 * (row[p - 7] + row[p + 9]) +
      W3 * (row[p - 11] + row[p + 13]) +
      W4 * (row[p - 15] + row[p + 17]) +
      W5 * (row[p - 19] + row[p + 21]);
    ring[i + 2] =
      W0 * row[p + 2] +
      W1 * (row[p - 2] + row[p + 6]) +
      W2 * (row[p - 6] + row[p + 10]) +
      W3 * (row[p - 10] + row[p + 14]) +
      W4 * (row[p - 14] + row[p + 18]) +
      W5 * (row[p - 18] + row[p + 22]);
    ring[i + 3] =
      W0 * row[p + 3] +
      W1 * (row[p - 1] + row[p + 7]) +
      W2 * (row[p - 5] + row[p + 11]) +
      W3 * (row[p - 9] + row[p + 15]) +
      W4 * (row[p - 13] + row[p + 19]) +
      W5 * (row[p - 17] + row[p + 23]);
  }
}

function fillPaddedColumn(input: SsimPlaneInput, sample: number, paddedRow: Float64Array, q: number): void {
  const a = input.reference[sample];
  const b = input.candidate[sample];
  paddedRow[q] = a;
  paddedRow[q + 1] = b;
  paddedRow[q + 2] = a * a + b * b;
  paddedRow[q + 3] = a * b;
}
