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
import type { KernelBackend, TruncatedSvd } from '../../../../core/index.js';
import { codingKey, WHOLE_RGB } from '../../shared/coding.js';
import { newFloats } from '../../shared/shared-memory.js';
import { warmImage } from '../../shared/warm-image.js';
import type { ViewRequest } from './protocol.js';
import { FIRST_STAGE_RANK, ViewRenderer } from './view-renderer.js';

/**
 * Renders on `kernels` and `resampleKernels` (the worker's own: their workspaces are then mapped
 * for a small view, which a photo's renderer allocates afresh; the whole-image RGB coding leaves
 * `patchKernels` untouched).
 * Throws what a render throws.
 */
export function warmRendering(kernels: KernelBackend, patchKernels: KernelBackend, resampleKernels?: KernelBackend): void {
  const image = warmImage(1024, 768);
  const renderer = new ViewRenderer(kernels, patchKernels, resampleKernels);
  const imageId = 1;
  renderer.setImage(imageId, image);
  const coding = codingKey(WHOLE_RGB);
  // Two view sizes, 3.8× and 5.1× smaller: box spans of four, five and six lines, every branch of
  // the filters' loops (a branch the warm-up never took made the photo's first view compile them again).
  const views = [
    [270, 202],
    [200, 150],
  ].map(([width, height]): ViewRequest => ({
    imageId,
    region: { x: 0, y: 0, width: image.width, height: image.height },
    width,
    height,
    coding,
    ranks: [],
    mode: 'compare',
    component: 1,
    gain: 1,
    withOriginal: true,
    reference: false,
    source: 'original',
  }));
  // As a photo's view begins: its original alone before any factors (which maps the live view's workspace).
  renderer.render(views[0]);
  for (let plane = 0; plane < 3; plane++) renderer.setFactors(imageId, coding, plane, madeUpFactors(image.height, image.width, plane));
  for (const view of views) {
    if (view !== views[0]) renderer.render(view);
    for (const rank of [FIRST_STAGE_RANK, FIRST_STAGE_RANK / 2, FIRST_STAGE_RANK]) {
      renderer.render({ ...view, withOriginal: false, source: 'live', ranks: [rank, rank, rank] });
    }
  }
}

/**
 * Rank-FIRST_STAGE_RANK factors of a rows × cols plane with fixed pseudo-random values: only their
 * kinds of arrays matter, shared where the page shares a photo's factors (newFloats).
 */
function madeUpFactors(rows: number, cols: number, plane: number): TruncatedSvd {
  const k = FIRST_STAGE_RANK;
  const values = (length: number, salt: number) => {
    const data = newFloats(length);
    for (let i = 0; i < length; i++) data[i] = (((i + salt) * 7919) % 251) / 251 - 0.5;
    return data;
  };
  return {
    rank: k,
    sigma: Float64Array.from({ length: k }, (_, i) => 1000 / (i + 1)),
    u: { rows, cols: k, data: values(rows * k, plane) },
    v: { rows: cols, cols: k, data: values(cols * k, plane + 3) },
    frobeniusNormSquared: 1e7,
  };
}
