/**
 * A decoded `.svd` file (version 1 or 2) back to pixels: each plane's factors multiplied out at
 * full resolution with the kernels (the whole image's R, G, B or gray planes band by band,
 * straight into the pixels; other planes through reconstructFullResolution or a patch plane),
 * patch matrices put back into planes, chroma interpolated, YCbCr turned into RGB, the result
 * rounded and clamped to the bit depth. Any lower rank per plane can be asked for: components are
 * stored in order, so the first k of a plane are the file's rank-k version of it.
 */
import { colorChannelCount, peakValue, sampleLevel, type PixelImage } from '../image/channels.js';
import type { TruncatedSvd } from '../types.js';
import { reconstructBands, reconstructFullResolution, reconstructPixels } from '../image/reconstruct.js';
import { createKernels, type KernelBackend } from '../kernels/index.js';
import type { DecodedSvd } from './decode.js';
import { deblockPlane } from './deblock.js';
import { colorSquaredError, matrixToPlane, planesToPixels, type PlaneLayout } from './planes.js';

/**
 * Buffers decodedPlaneSamples and decodedColorSquaredError may reuse from one call to the next (an
 * encoder measuring candidates): whole planes, or a patch plane's band of rows.
 */
export interface PlaneScratch {
  matrices: Float32Array[];
  planes: Float32Array[];
}

/** Each plane's samples (width × height of the plane) as the decoded factors give them at `ranks`. */
export async function decodedPlaneSamples(
  decoded: Pick<DecodedSvd, 'layout' | 'channels' | 'deblock'>,
  ranks?: number | readonly number[],
  kernels?: KernelBackend,
  scratch?: PlaneScratch,
): Promise<Float32Array[]> {
  const backend = kernels ?? (await createKernels('auto'));
  const { layout } = decoded;
  const samples: Float32Array[] = [];
  for (let p = 0; p < decoded.channels.length; p++) {
    const svd = decoded.channels[p];
    const rank = ranks === undefined ? svd.rank : typeof ranks === 'number' ? ranks : (ranks[p] ?? svd.rank);
    const k = Math.max(0, Math.min(svd.rank, rank));
    let plane: Float32Array;
    if (layout.model === 'patch') {
      plane = reconstructPatchPlane(svd, k, backend, layout.planes[p], layout.patchSize, scratch?.planes[p]);
    } else {
      const matrix = await reconstructFullResolution(svd, k, backend, scratch?.matrices[p]);
      plane = matrixToPlane(matrix, layout, p);
      if (scratch) scratch.matrices[p] = matrix;
    }
    if (scratch) scratch.planes[p] = plane;
    const { width, height } = layout.planes[p];
    if (decoded.deblock && layout.model === 'patch') plane = deblockPlane(plane, width, height, layout.patchSize);
    samples.push(plane);
  }
  return samples;
}

/**
 * The decoded file's pixels at `ranks` (one per plane, or one for all; default: every stored
 * component). The whole image's R, G, B (or gray) and alpha planes go straight into the pixels
 * (reconstructPixels: no full-size float planes); other layouts through their planes' samples.
 */
export async function decodedSvdPixels(
  decoded: Pick<DecodedSvd, 'layout' | 'channels' | 'alphaPlane' | 'deblock'>,
  ranks?: number | readonly number[],
  kernels?: KernelBackend,
): Promise<PixelImage> {
  const { layout } = decoded;
  if (layout.model === 'whole' && layout.colorSpace !== 'ycbcr') {
    const planeRanks = decoded.channels.map((svd, p) =>
      ranks === undefined ? svd.rank : typeof ranks === 'number' ? ranks : (ranks[p] ?? svd.rank),
    );
    return reconstructPixels(layout, decoded.channels, planeRanks, decoded.alphaPlane, kernels);
  }
  return planesToPixels(layout, await decodedPlaneSamples(decoded, ranks, kernels), decoded.alphaPlane);
}

/**
 * The squared error, summed over the colour channels, of the decoded file's pixels (as
 * decodedSvdPixels gives them at every stored component: rounded and clamped) against `image`,
 * without making them. The whole image's R, G, B (or gray) planes are compared a band of rows at
 * a time (reconstructBands: no full-size float planes), channel by channel, and so are the patch
 * model's full-resolution planes unless the file deblocks (patchSquaredError): the same sum as
 * colorSquaredError's, exactly while it stays below 2⁵³ (any 8-bit image); other layouts through
 * their planes' samples (`scratch`: buffers reused from one call to the next).
 */
export async function decodedColorSquaredError(
  decoded: Pick<DecodedSvd, 'layout' | 'channels' | 'deblock'>,
  image: PixelImage,
  kernels?: KernelBackend,
  scratch?: PlaneScratch,
): Promise<number> {
  const { layout } = decoded;
  const backend = kernels ?? (await createKernels('auto'));
  if (layout.model === 'patch' && !decoded.deblock) return patchSquaredError(decoded, image, backend, scratch);
  if (layout.model !== 'whole' || layout.colorSpace === 'ycbcr') {
    return colorSquaredError(layout, await decodedPlaneSamples(decoded, undefined, backend, scratch), image);
  }
  const { width, channels, pixels } = image;
  const peak = peakValue(image.bitDepth);
  let sum = 0;
  for (let c = 0; c < colorChannelCount(layout.channels); c++) {
    const svd = decoded.channels[c];
    // Rank 0 (nothing stored): every decoded value is 0.
    if (svd.rank === 0) {
      for (let at = c; at < pixels.length; at += channels) sum += pixels[at] * pixels[at];
      continue;
    }
    await reconstructBands(svd, svd.rank, backend, (first, rows, band, stride) => {
      for (let r = 0; r < rows; r++) {
        const from = r * stride;
        for (let x = 0, at = (first + r) * width * channels + c; x < width; x++, at += channels) {
          const d = sampleLevel(band[from + x], peak) - pixels[at];
          sum += d * d;
        }
      }
    });
  }
  return sum;
}

/** Block rows of a full-resolution patch plane made at a time when measuring a file's error. */
const ERROR_BAND_BLOCK_ROWS = 8;

/**
 * decodedColorSquaredError of the patch model without deblocking (which filters across the bands'
 * edges): full-resolution planes are made a band of block rows at a time (64 rows at p = 8, about
 * 1 MB for a 12 MP photo instead of a 49 MB plane), half-resolution chroma whole (its
 * interpolation reads the rows around each output row), alpha not at all (the error is over the
 * colour channels). The same sum as colorSquaredError over decodedPlaneSamples' planes while the
 * bands' sums stay below 2⁵³ (any 8-bit image).
 */
async function patchSquaredError(
  decoded: Pick<DecodedSvd, 'layout' | 'channels'>,
  image: PixelImage,
  kernels: KernelBackend,
  scratch?: PlaneScratch,
): Promise<number> {
  const { layout } = decoded;
  const size = layout.patchSize;
  const bandRows = ERROR_BAND_BLOCK_ROWS * size;
  const colorPlanes = layout.planes.flatMap((plane, p) => (plane.kind === 'alpha' ? [] : [p]));
  const fullSize = (p: number) => layout.planes[p].width === layout.width && layout.planes[p].height === layout.height;
  const banded = colorPlanes.filter((p) => fullSize(p) && layout.height > bandRows);
  const samples: Float32Array[] = [];
  for (const p of colorPlanes) {
    const svd = decoded.channels[p];
    const plane = layout.planes[p];
    const kept = scratch?.planes[p];
    if (banded.includes(p)) samples[p] = kept?.length === bandRows * plane.width ? kept : new Float32Array(bandRows * plane.width);
    else samples[p] = reconstructPatchPlane(svd, svd.rank, kernels, plane, size, kept);
    if (scratch) scratch.planes[p] = samples[p];
  }
  const starts = layout.planes.map(() => 0);
  let sum = 0;
  for (let first = 0; first < layout.height; first += bandRows) {
    const end = Math.min(layout.height, first + bandRows);
    for (const p of banded) {
      const svd = decoded.channels[p];
      patchComponentsInto(svd, 0, svd.rank, 0, kernels, layout.planes[p], size, samples[p], {
        first: first / size,
        end: Math.ceil(end / size),
      });
      starts[p] = first;
    }
    sum += colorSquaredError(layout, samples, image, { first, end, starts });
  }
  return sum;
}

/**
 * A patch-model plane from its factors at rank k: the block matrix U_k·Σ_k·V_kᵀ (blocks × p²) on
 * the kernels, a chunk of blocks at a time, each chunk's rows written straight to their p × p
 * places in the plane (padding dropped) — no full-size block matrix.
 */
function reconstructPatchPlane(
  svd: TruncatedSvd,
  k: number,
  kernels: KernelBackend,
  plane: Pick<PlaneLayout, 'width' | 'height'>,
  size: number,
  into?: Float32Array,
): Float32Array {
  const { width, height } = plane;
  const out = into && into.length === width * height ? into : new Float32Array(width * height);
  if (k === 0) return out.fill(0);
  patchComponentsInto(svd, 0, k, 0, kernels, plane, size, out);
  return out;
}

/**
 * Components from … to − 1 of a patch-model plane (Σ σᵢ·(uᵢ reshaped) ⊗ vᵢ), written into `out`
 * (the plane's width × height samples): `sign` 0 overwrites, 1 adds, −1 subtracts. Moving a
 * plane from rank k₁ to k₂ costs only the components between (the preview's slider).
 * `blockRows`: only block rows first…end − 1, `out` then holding the plane's rows from first·size
 * on (a band of the plane); default the whole plane.
 */
export function patchComponentsInto(
  svd: TruncatedSvd,
  from: number,
  to: number,
  sign: 0 | 1 | -1,
  kernels: KernelBackend,
  plane: Pick<PlaneLayout, 'width' | 'height'>,
  size: number,
  out: Float32Array,
  blockRows: { first: number; end: number } = { first: 0, end: Math.ceil(plane.height / size) },
): void {
  const { first: firstBlockRow, end: endBlockRow } = blockRows;
  const { width, height } = plane;
  const firstRow = firstBlockRow * size;
  const lo = Math.max(0, Math.min(svd.rank, Math.floor(from)));
  const hi = Math.max(lo, Math.min(svd.rank, Math.floor(to)));
  const k = hi - lo;
  if (k === 0) {
    if (sign === 0) out.fill(0, 0, (Math.min(height, endBlockRow * size) - firstRow) * width);
    return;
  }
  const cols = svd.v.rows; // p²
  const cols8 = Math.ceil(cols / 8) * 8;
  const across = Math.ceil(width / size);
  const firstBlock = firstBlockRow * across;
  const endBlock = Math.min(svd.u.rows, endBlockRow * across);
  const chunk = Math.min(endBlock - firstBlock, 8192);
  // Workspace: V_kᵀ (k × cols8) | a chunk of σ·U rows (chunk × k) | their products (chunk × cols8).
  const offRight = 0;
  const offLeft = k * cols8;
  const offProduct = offLeft + chunk * k;
  const ws = kernels.allocate(offProduct + chunk * cols8, cols8);
  ws.fill(0, offRight, offLeft);
  for (let c = 0; c < cols; c++) for (let i = 0; i < k; i++) ws[offRight + i * cols8 + c] = svd.v.data[c * svd.rank + lo + i];
  for (let b0 = firstBlock; b0 < endBlock; b0 += chunk) {
    const count = Math.min(chunk, endBlock - b0);
    for (let b = 0; b < count; b++) {
      const source = (b0 + b) * svd.rank + lo;
      const target = offLeft + b * k;
      for (let i = 0; i < k; i++) ws[target + i] = svd.sigma[lo + i] * svd.u.data[source + i];
    }
    kernels.gemmNN(offLeft, k, count, k, offRight, cols8, cols8, offProduct, cols8, 1, false);
    for (let b = 0; b < count; b++) {
      const block = b0 + b;
      const top = Math.floor(block / across) * size;
      const left = (block % across) * size;
      const rowsHere = Math.min(size, height - top);
      const colsHere = Math.min(size, width - left);
      const product = offProduct + b * cols8;
      for (let dy = 0; dy < rowsHere; dy++) {
        const source = product + dy * size;
        const target = (top + dy - firstRow) * width + left;
        if (sign === 0) for (let dx = 0; dx < colsHere; dx++) out[target + dx] = ws[source + dx];
        else if (sign > 0) for (let dx = 0; dx < colsHere; dx++) out[target + dx] += ws[source + dx];
        else for (let dx = 0; dx < colsHere; dx++) out[target + dx] -= ws[source + dx];
      }
    }
  }
}
