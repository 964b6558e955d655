/**
 * A decoded `.svd` file (version 1 or 2) back to pixels: each plane's factors multiplied out at
 * full resolution with the kernels (reconstructFullResolution), patch matrices put back into
 * planes, chroma interpolated, YCbCr turned into RGB, the result rounded and clamped to the bit
 * depth. Any lower rank per plane can be asked for: components are stored in order, so the first
 * k of a plane are the file's rank-k version of it.
 */
import type { PixelImage } from '../image/channels.js';
import { reconstructFullResolution } from '../image/reconstruct.js';
import { createKernels, type KernelBackend } from '../kernels/index.js';
import type { DecodedSvd } from './decode.js';
import { deblockPlane } from './deblock.js';
import { matrixToPlane, planesToPixels } from './planes.js';

/** Buffers decodedPlaneSamples may reuse from one call to the next (an encoder measuring candidates). */
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
    const matrix = await reconstructFullResolution(svd, Math.max(0, Math.min(svd.rank, rank)), backend, scratch?.matrices[p]);
    let plane = matrixToPlane(matrix, layout, p, scratch?.planes[p]);
    if (scratch) {
      scratch.matrices[p] = matrix;
      scratch.planes[p] = plane;
    }
    const { width, height } = layout.planes[p];
    if (decoded.deblock && layout.model === 'patch') plane = deblockPlane(plane, width, height, layout.patchSize);
    samples.push(plane);
  }
  return samples;
}

/** The decoded file's pixels at `ranks` (one per plane, or one for all; default: every stored component). */
export async function decodedSvdPixels(
  decoded: Pick<DecodedSvd, 'layout' | 'channels' | 'alphaPlane' | 'deblock'>,
  ranks?: number | readonly number[],
  kernels?: KernelBackend,
): Promise<PixelImage> {
  return planesToPixels(decoded.layout, await decodedPlaneSamples(decoded, ranks, kernels), decoded.alphaPlane);
}
