/**
 * The preview worker's warm-up as it starts: a throwaway renderer shows a small 8-bit RGB image's
 * original, then a reconstruction of it from made-up rank-32 factors at a few ranks. V8 has then
 * optimized the loops a photo's first view runs (boxResample's for the original side, the
 * factors' filtering and transposition, the product, the RGBA writes) before a photo comes.
 * Cold, the first 12 MP photo's resampling ran in code V8 threw away over a hundred times,
 * compiling again on a background thread while the SVD workers needed the cores, and its first
 * reconstruction spent about 20 ms in unoptimized loops between the last rank-32 job and the
 * first preview.
 */
import { DEFAULT_STAGES, type KernelBackend, type TruncatedSvd } from '../../../../core/index.js';
import { codingKey } from '../../shared/coding.js';
import { warmImage } from '../../shared/warm-image.js';
import type { ViewRequest } from './protocol.js';
import { ViewRenderer } from './view-renderer.js';

/** The rank of the made-up factors: a photo's first stage. */
const FIRST_RANK = DEFAULT_STAGES[0];

/**
 * Renders on `kernels` and `patchKernels` (the worker's own: their workspaces are then mapped for
 * a small view, which a photo's renderer allocates afresh). Throws what a render throws.
 */
export function warmRendering(kernels: KernelBackend, patchKernels: KernelBackend): void {
  // About a 12 MP photo's reduction to a window (3.8×: spans of four and five rows, the sweeps it takes).
  const image = warmImage(1024, 768);
  const renderer = new ViewRenderer(kernels, patchKernels);
  const imageId = 1;
  renderer.setImage(imageId, image);
  const coding = codingKey({ model: 'whole', colorSpace: 'rgb' });
  const original: ViewRequest = {
    imageId,
    region: { x: 0, y: 0, width: image.width, height: image.height },
    width: 270,
    height: 202,
    coding,
    ranks: [],
    mode: 'compare',
    component: 1,
    gain: 1,
    withOriginal: true,
    reference: false,
    source: 'original',
  };
  for (let plane = 0; plane < 3; plane++) renderer.setFactors(imageId, coding, plane, madeUpFactors(image.height, image.width, plane));
  // Two view sizes, 3.8× and 5.1× smaller: box spans of four, five and six lines, every branch of
  // the filters' loops (a branch the warm-up never took made the photo's first view compile them again).
  for (const [width, height] of [
    [270, 202],
    [200, 150],
  ]) {
    const view = { ...original, width, height };
    renderer.render(view);
    for (const rank of [FIRST_RANK, FIRST_RANK / 2, FIRST_RANK]) {
      renderer.render({ ...view, withOriginal: false, source: 'live', ranks: [rank, rank, rank] });
    }
  }
}

/** Rank-FIRST_RANK factors of a rows × cols plane with fixed pseudo-random values (only their kinds of arrays matter). */
function madeUpFactors(rows: number, cols: number, plane: number): TruncatedSvd {
  const k = FIRST_RANK;
  const values = (length: number, salt: number) => Float32Array.from({ length }, (_, i) => (((i + salt) * 7919) % 251) / 251 - 0.5);
  return {
    rank: k,
    sigma: Float64Array.from({ length: k }, (_, i) => 1000 / (i + 1)),
    u: { rows, cols: k, data: values(rows * k, plane) },
    v: { rows: cols, cols: k, data: values(cols * k, plane + 3) },
    frobeniusNormSquared: 1e7,
  };
}
