/**
 * The preview worker's renderer: rank-k reconstructions of the visible region at display
 * resolution (DESIGN.md, "Slide"), for each coding's planes (shared/coding.ts).
 *
 * Whole-image planes: for a view (region + target size) it box-averages the rows of U (scaled by
 * σ) and of V once (core's boxAveragedRows; cost independent of the image size), keeps them in the
 * SIMD kernels' workspace, and keeps per plane an accumulator A_k = L[:, :k]·R[:k, :] at display
 * size. Moving from rank k1 to k2 adds (or subtracts) only components k1…k2 with one matrix
 * product, so a slider step costs one rank-1 update of the visible pixels whatever the photo's size.
 *
 * Patch planes (a component is a coefficient image times a p × p basis patch, not separable into
 * rows and columns): each plane is kept at full resolution, moved between ranks by the components
 * between (core's patchComponentsInto, on a second kernel workspace), and box-filtered to the
 * view when it changed: a slider step costs about one pass over the visible samples.
 *
 * Half-resolution chroma planes are filtered with the box composed with their bilinear
 * interpolation (exactly what the decoder's upsampling then the box would give), then Y, Cb, Cr
 * are turned into R, G, B at display size.
 * Float32 round-off from many ± updates is bounded by recomputing from scratch every
 * MAX_UPDATES steps.
 *
 * Layout in the workspace, per plane p (row-major, W8 = target width rounded up to 8):
 *   left_p  (H × K_p)   σ-scaled averaged rows of U      (whole-image planes)
 *   right_p (K_p × W8)  averaged rows of V, transposed, zero padded (whole-image planes)
 *   acc_p   (H × W8)    the plane's current reconstruction at display size
 *   rgb     (3 × H × W8) R, G, B from Y, Cb, Cr (YCbCr codings)
 */
import {
  boxResample,
  boxResamplePlane,
  boxSpans,
  colorChannelCount,
  DEFAULT_STAGES,
  filterPlane,
  filteredRows,
  upsampledSpans,
  hasAlpha,
  patchComponentsInto,
  yCbCrRowToRgb,
  type ImageLayout,
  type KernelBackend,
  type PixelImage,
  type PlaneLayout,
  type Region,
  type Spans,
  type TruncatedSvd,
} from '../../../../core/index.js';
import { codingLayout, parseCodingKey } from '../../shared/coding.js';
import type { ViewMode, ViewRequest } from './protocol.js';

const MAX_UPDATES = 48;
/** The rank of a photo's first stage (the first preview), for the workspace mapped before it comes. */
export const FIRST_STAGE_RANK = DEFAULT_STAGES[0];

interface PlaneView {
  rank: number;
  /** Whole-image planes: offsets of the averaged factors (−1 for patch planes). */
  left: number;
  right: number;
  acc: number;
  /** The rank acc holds. */
  accRank: number;
  updates: number;
  /** The view's filter over the plane's own samples: box spans, composed with the interpolation for half-resolution planes. */
  rows: Spans;
  cols: Spans;
}

/** A patch plane at full resolution, at some rank. */
interface PatchPlane {
  samples: Float32Array;
  rank: number;
  updates: number;
}

interface CodingFactors {
  layout: ImageLayout;
  factors: (TruncatedSvd | null)[];
  version: number;
  patches: (PatchPlane | null)[];
}

interface View {
  key: string;
  coding: string;
  factorVersion: number;
  width: number;
  height: number;
  w8: number;
  planes: PlaneView[];
  /** Offset of the R, G, B slots (YCbCr codings), else −1. */
  rgb: number;
  /** Box-filtered original, every channel incl. alpha; made when first needed. */
  original: Float32Array[] | null;
  /** Box-filtered decoded saved file, likewise. */
  saved: Float32Array[] | null;
  /** Box-filtered reference (JPEG or WebP at the same bytes), likewise. */
  reference: Float32Array[] | null;
}

export interface RenderedPixels {
  ranks: number[];
  original: Uint8ClampedArray<ArrayBuffer> | null;
  image: Uint8ClampedArray<ArrayBuffer>;
  componentScale?: number;
}

/** Perceptual dark → bright ramp (black, purple, red, orange, pale yellow) for the error heat map. */
const HEAT_STOPS: readonly (readonly [number, number, number])[] = [
  [0, 0, 4],
  [60, 15, 110],
  [150, 40, 110],
  [225, 80, 50],
  [250, 160, 30],
  [252, 255, 164],
];
const HEAT = (() => {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (HEAT_STOPS.length - 1);
    const j = Math.min(HEAT_STOPS.length - 2, Math.floor(t));
    const f = t - j;
    for (let c = 0; c < 3; c++) table[i * 3 + c] = Math.round(HEAT_STOPS[j][c] * (1 - f) + HEAT_STOPS[j + 1][c] * f);
  }
  return table;
})();

export class ViewRenderer {
  readonly #kernels: KernelBackend;
  readonly #patchKernels: KernelBackend;
  readonly #resampleKernels: KernelBackend | undefined;
  #imageId = -1;
  #image: PixelImage | null = null;
  #colorChannels = 0;
  #codings = new Map<string, CodingFactors>();
  #view: View | null = null;
  #saved: PixelImage | null = null;
  #reference: PixelImage | null = null;
  /** A render's picture given back (recycle()), for the next render to write into. */
  #spare: Uint8ClampedArray<ArrayBuffer> | null = null;
  #heap: Float32Array = new Float32Array(0);
  /** A full-resolution plane for one component (patch planes, mode 'component'). */
  #scratch: Float32Array = new Float32Array(0);

  /**
   * `patchKernels`: a second backend (its own workspace) for the full-resolution patch planes;
   * `resampleKernels`: a third, whose workspace the resampling of the original (and of a saved
   * file's or a reference's pixels) takes for its vertical passes (boxResample).
   */
  constructor(kernels: KernelBackend, patchKernels: KernelBackend, resampleKernels?: KernelBackend) {
    if (kernels === patchKernels || (resampleKernels && (resampleKernels === kernels || resampleKernels === patchKernels))) {
      throw new Error('The view, the patch planes and the resampling need kernel workspaces of their own');
    }
    this.#kernels = kernels;
    this.#patchKernels = patchKernels;
    this.#resampleKernels = resampleKernels;
  }

  setImage(imageId: number, image: PixelImage): void {
    this.#imageId = imageId;
    this.#image = image;
    this.#colorChannels = colorChannelCount(image.channels);
    this.#codings = new Map();
    this.#view = null;
    this.#saved = null;
    this.#reference = null;
  }

  /** The image it holds, if it is image `imageId`. */
  imageOf(imageId: number): PixelImage | null {
    return imageId === this.#imageId ? this.#image : null;
  }

  /** Every plane's factors it holds for image `imageId`, by coding key (none for another image). */
  factorsOf(imageId: number): { coding: string; plane: number; svd: TruncatedSvd }[] {
    if (imageId !== this.#imageId) return [];
    return [...this.#codings].flatMap(([coding, entry]) => entry.factors.flatMap((svd, plane) => (svd ? [{ coding, plane, svd }] : [])));
  }

  /** The decoded saved file (same size as the image), or null to go back to the live reconstruction. */
  setSaved(imageId: number, saved: PixelImage | null): void {
    if (imageId !== this.#imageId) return;
    this.#saved = saved;
    if (this.#view) this.#view.saved = null;
  }

  /** The decoded JPEG or WebP the compare view shows instead of the original (same size as the image), or null. */
  setReference(imageId: number, reference: PixelImage | null): void {
    if (imageId !== this.#imageId) return;
    this.#reference = reference;
    if (this.#view) this.#view.reference = null;
  }

  /** Plane `plane` of `coding` (a codingKey) has new factors. */
  setFactors(imageId: number, coding: string, plane: number, svd: TruncatedSvd): void {
    const image = this.#image;
    if (imageId !== this.#imageId || !image) return;
    let entry = this.#codings.get(coding);
    if (!entry) {
      const layout = codingLayout(image, parseCodingKey(coding));
      entry = {
        layout,
        factors: new Array(layout.planes.length).fill(null),
        version: 0,
        patches: new Array(layout.planes.length).fill(null),
      };
      this.#codings.set(coding, entry);
    }
    if (plane < 0 || plane >= entry.factors.length) return;
    entry.factors[plane] = svd;
    entry.patches[plane] = null;
    entry.version++;
  }

  get imageId(): number {
    return this.#imageId;
  }

  render(request: ViewRequest): RenderedPixels {
    const image = this.#image;
    if (!image || request.imageId !== this.#imageId) throw new Error('The preview worker has no such image');
    const entry = this.#codings.get(request.coding);
    const ranks = entry
      ? entry.factors.map((svd, p) => (svd ? Math.max(0, Math.min(svd.rank, Math.floor(request.ranks[p] ?? 0))) : 0))
      : [];
    if (!entry && request.source === 'live') throw new Error(`The preview worker has no factors for ${request.coding}`);
    const view = this.#prepare(request.coding, request.region, request.width, request.height);
    const pixels = view.width * view.height;
    const needOriginal =
      request.withOriginal ||
      request.source === 'original' ||
      request.mode === 'error' ||
      request.mode === 'residual' ||
      hasAlpha(image.channels);
    if (needOriginal && !view.original) view.original = boxResample(image, request.region, view.width, view.height, this.#resampleKernels);
    let original: Uint8ClampedArray<ArrayBuffer> | null = null;
    if (request.withOriginal && request.reference && this.#reference) {
      view.reference ??= boxResample(this.#reference, request.region, view.width, view.height, this.#resampleKernels);
      original = this.#toRgba(view.reference, this.#reference);
    } else if (request.withOriginal) original = this.#toRgba(view.original!, image);
    // The original alone: one picture, the original's bitmap too when asked for (not a reference's).
    if (request.source === 'original') {
      const same = original !== null && !(request.reference && this.#reference);
      const picture = same ? original! : this.#toRgba(view.original!, image);
      // It shows while the first stage is computed: the live view's workspace is mapped now, so
      // the first reconstruction does not wait for the pages. After the filtering above: should
      // the workspace not fit the memory the worker expanded as it started, growing it may have
      // V8 throw away the worker's optimised code (KernelBackend.expand), which that filtering needs warm.
      if (!entry) this.#reserveLive(request, view);
      return { ranks, original, image: picture };
    }
    if (request.source === 'saved' && this.#saved) {
      view.saved ??= boxResample(this.#saved, request.region, view.width, view.height, this.#resampleKernels);
      return { ranks, original, image: this.#toRgba(view.saved, this.#saved) };
    }
    const image8 = this.#output(pixels * 4);
    let componentScale: number | undefined;
    if (request.mode === 'component') {
      componentScale = this.#component(entry!, view, request.component, image8);
    } else {
      view.planes.forEach((plane, p) => this.#moveTo(entry!, p, plane, view, ranks[p]));
      this.#compose(entry!.layout, view, request.mode, request.gain, image8);
    }
    return { ranks, original, image: image8, componentScale };
  }

  /**
   * RGBA bytes for a render's picture (every byte is written): the buffer given back after the
   * last render when it has this length, else a new one. A slider step then writes into memory in
   * use already instead of megabytes the system has to map and clear.
   */
  #output(length: number): Uint8ClampedArray<ArrayBuffer> {
    const spare = this.#spare;
    this.#spare = null;
    return spare && spare.length === length ? spare : new Uint8ClampedArray(length);
  }

  /** Gives back a render's picture once it has been copied (onto the viewer's canvas): the next render writes into it. */
  recycle(pixels: Uint8ClampedArray<ArrayBuffer>): void {
    this.#spare = pixels;
  }

  /** The view's cache, rebuilt when the geometry, the coding or its factors changed. */
  #prepare(coding: string, region: Region, width: number, height: number): View {
    const key = `${region.x},${region.y},${region.width},${region.height},${width},${height}`;
    const entry = this.#codings.get(coding);
    const version = entry?.version ?? -1;
    const old = this.#view;
    if (old && old.key === key && old.coding === coding && old.factorVersion === version) return old;
    const w8 = Math.ceil(width / 8) * 8;
    const layout = entry?.layout;
    const patch = layout?.model === 'patch';
    const { offsets, floats, rgb } = heapLayout(layout, (p) => entry!.factors[p]?.rank ?? 0, height, w8);
    const planes: PlaneView[] = (layout?.planes ?? []).map((planeLayout, p) => ({
      rank: entry!.factors[p]?.rank ?? 0,
      ...offsets[p],
      accRank: patch ? -1 : 0,
      updates: 0,
      ...planeSpans(planeLayout, layout!, region, width, height),
    }));
    this.#heap = this.#kernels.allocate(Math.max(8, floats), w8);
    const heap = this.#heap;
    if (!patch) {
      planes.forEach((plane, p) => {
        const svd = entry?.factors[p];
        if (!svd || plane.rank === 0) return;
        heap.set(filteredRows(svd.u.data, svd.rank, svd.rank, plane.rows, svd.sigma), plane.left);
        const right = filteredRows(svd.v.data, svd.rank, svd.rank, plane.cols, null);
        for (let i = 0; i < svd.rank; i++) transposedRow(heap, plane.right + i * w8, right, i, svd.rank, width);
      });
    }
    const sameGeometry = old && old.key === key;
    this.#view = {
      key,
      coding,
      factorVersion: version,
      width,
      height,
      w8,
      planes,
      rgb,
      original: sameGeometry ? old.original : null,
      saved: sameGeometry ? old.saved : null,
      reference: sameGeometry ? old.reference : null,
    };
    return this.#view;
  }

  /**
   * Maps the workspace a live view of `request` will take once its coding has factors of the
   * ranks asked for, or of the first stage's rank (whole-image planes: the accumulators, which are most of it, do not depend on
   * the rank), and takes the view's heap again (growing the memory, where it had to, detached it;
   * the view has no planes yet, so it held nothing).
   */
  #reserveLive(request: ViewRequest, view: View): void {
    const layout = codingLayout(this.#image!, parseCodingKey(request.coding));
    // The viewer asks for no ranks before the first stage: the first stage's rank stands in.
    const { floats } = heapLayout(layout, (p) => Math.max(request.ranks[p] ?? 0, FIRST_STAGE_RANK), view.height, view.w8);
    this.#kernels.reserve(floats, view.w8);
    this.#heap = this.#kernels.allocate(8, view.w8);
  }

  /** Brings a plane's display accumulator to rank k. */
  #moveTo(entry: CodingFactors, p: number, plane: PlaneView, view: View, k: number): void {
    if (entry.layout.model === 'patch') {
      if (plane.accRank === k) return;
      const samples = this.#patchPlaneAt(entry, p, k);
      const { width, height } = entry.layout.planes[p];
      filterPlane(samples, width, height, plane.rows, plane.cols, this.#heap.subarray(plane.acc), view.w8);
      plane.accRank = k;
      return;
    }
    if (k === plane.accRank) return;
    const { height, w8 } = view;
    const delta = Math.abs(k - plane.accRank);
    if (k === 0) {
      this.#heap.fill(0, plane.acc, plane.acc + height * w8);
      plane.updates = 0;
    } else if (delta >= k || plane.updates >= MAX_UPDATES) {
      this.#kernels.gemmNN(plane.left, plane.rank, height, k, plane.right, w8, w8, plane.acc, w8, 1, false);
      plane.updates = 0;
    } else {
      const from = Math.min(k, plane.accRank);
      const sign = k > plane.accRank ? 1 : -1;
      this.#kernels.gemmNN(plane.left + from, plane.rank, height, delta, plane.right + from * w8, w8, w8, plane.acc, w8, sign, true);
      plane.updates++;
    }
    plane.accRank = k;
  }

  /** Patch plane p at full resolution and rank k: moved from the rank it holds by the components between. */
  #patchPlaneAt(entry: CodingFactors, p: number, k: number): Float32Array {
    const svd = entry.factors[p]!;
    const planeLayout = entry.layout.planes[p];
    const size = entry.layout.patchSize;
    let state = entry.patches[p];
    if (!state) {
      state = { samples: new Float32Array(planeLayout.width * planeLayout.height), rank: 0, updates: 0 };
      entry.patches[p] = state;
    }
    if (state.rank === k) return state.samples;
    const delta = Math.abs(k - state.rank);
    if (k === 0 || delta >= k || state.updates >= MAX_UPDATES) {
      patchComponentsInto(svd, 0, k, 0, this.#patchKernels, planeLayout, size, state.samples);
      state.updates = 0;
    } else {
      const from = Math.min(k, state.rank);
      patchComponentsInto(svd, from, from + delta, k > state.rank ? 1 : -1, this.#patchKernels, planeLayout, size, state.samples);
      state.updates++;
    }
    state.rank = k;
    return state.samples;
  }

  /** Offsets of the R, G, B planes at display size: the planes themselves, or converted from Y, Cb, Cr. */
  #rgbOffsets(layout: ImageLayout, view: View): [number, number, number] {
    const planes = view.planes;
    if (layout.colorSpace !== 'ycbcr') {
      const acc = planes.map((plane) => plane.acc);
      return planes.length === 1 ? [acc[0], acc[0], acc[0]] : [acc[0], acc[1], acc[2]];
    }
    const { height, w8, width, rgb } = view;
    const heap = this.#heap;
    const slot = height * w8;
    for (let r = 0; r < height; r++) {
      const row = (offset: number) => heap.subarray(offset + r * w8, offset + r * w8 + width);
      yCbCrRowToRgb(row(planes[0].acc), row(planes[1].acc), row(planes[2].acc), row(rgb), row(rgb + slot), row(rgb + 2 * slot), width);
    }
    return [rgb, rgb + slot, rgb + 2 * slot];
  }

  /**
   * Writes the view's RGBA bytes. One loop per mode with the channel offsets hoisted: this runs
   * on every slider step for about a megapixel, so nothing is looked up per pixel.
   * (Uint8ClampedArray stores round-half-even and clamps to 0…255.)
   */
  #compose(layout: ImageLayout, view: View, mode: ViewMode, gain: number, out: Uint8ClampedArray): void {
    const image = this.#image!;
    const heap = this.#heap;
    const { width, height, w8 } = view;
    const scale = image.bitDepth === 16 ? 1 / 257 : 1;
    const color = this.#colorChannels;
    const [accR, accG, accB] = this.#rgbOffsets(layout, view);
    const alpha = hasAlpha(image.channels) ? view.original![image.channels - 1] : null;
    const original = view.original;
    if (mode === 'compare') {
      for (let r = 0, p = 0; r < height; r++) {
        for (let col = 0, a = r * w8; col < width; col++, a++, p++) {
          const o = p << 2;
          out[o] = heap[accR + a] * scale;
          out[o + 1] = heap[accG + a] * scale;
          out[o + 2] = heap[accB + a] * scale;
          out[o + 3] = alpha ? alpha[p] * scale : 255;
        }
      }
    } else if (mode === 'residual') {
      const [origR, origG, origB] = [0, 1, 2].map((c) => original![color === 3 ? c : 0]);
      const g = gain * scale;
      for (let r = 0, p = 0; r < height; r++) {
        for (let col = 0, a = r * w8; col < width; col++, a++, p++) {
          const o = p << 2;
          out[o] = 128 + g * (origR[p] - heap[accR + a]);
          out[o + 1] = 128 + g * (origG[p] - heap[accG + a]);
          out[o + 2] = 128 + g * (origB[p] - heap[accB + a]);
          out[o + 3] = 255;
        }
      }
    } else {
      const g = (gain * scale) / color;
      for (let r = 0, p = 0; r < height; r++) {
        for (let col = 0, a = r * w8; col < width; col++, a++, p++) {
          let sum = Math.abs(original![0][p] - heap[accR + a]);
          if (color === 3) sum += Math.abs(original![1][p] - heap[accG + a]) + Math.abs(original![2][p] - heap[accB + a]);
          const level = Math.min(255, Math.round(g * sum)) * 3;
          const o = p << 2;
          out[o] = HEAT[level];
          out[o + 1] = HEAT[level + 1];
          out[o + 2] = HEAT[level + 2];
          out[o + 3] = 255;
        }
      }
    }
  }

  /**
   * Component i of every plane (σᵢuᵢvᵢᵀ, or a coefficient image times its basis patch) at
   * display size, as R, G, B (YCbCr components converted: the transform is linear), mid-grey = 0,
   * stretched so the largest |value| reaches 127.
   */
  #component(entry: CodingFactors, view: View, index: number, out: Uint8ClampedArray): number {
    const heap = this.#heap;
    const { width, height, w8 } = view;
    const i = Math.floor(index) - 1;
    const pixels = width * height;
    const layout = entry.layout;
    const values = view.planes.map((plane, p) => {
      const result = new Float32Array(pixels);
      const svd = entry.factors[p];
      if (!svd || i < 0 || i >= svd.rank) return result;
      if (layout.model === 'patch') {
        const planeLayout = layout.planes[p];
        if (this.#scratch.length < planeLayout.width * planeLayout.height)
          this.#scratch = new Float32Array(planeLayout.width * planeLayout.height);
        const scratch = this.#scratch.subarray(0, planeLayout.width * planeLayout.height);
        patchComponentsInto(svd, i, i + 1, 0, this.#patchKernels, planeLayout, layout.patchSize, scratch);
        return filterPlane(scratch, planeLayout.width, planeLayout.height, plane.rows, plane.cols, result);
      }
      for (let r = 0; r < height; r++) {
        const left = heap[plane.left + r * plane.rank + i];
        for (let col = 0; col < width; col++) result[r * width + col] = left * heap[plane.right + i * w8 + col];
      }
      return result;
    });
    let rgb: Float32Array[];
    if (layout.colorSpace === 'ycbcr') {
      rgb = [new Float32Array(pixels), new Float32Array(pixels), new Float32Array(pixels)];
      yCbCrRowToRgb(values[0], values[1], values[2], rgb[0], rgb[1], rgb[2], pixels);
    } else rgb = values.length === 1 ? [values[0], values[0], values[0]] : values;
    let largest = 0;
    for (const plane of rgb) for (let q = 0; q < pixels; q++) largest = Math.max(largest, Math.abs(plane[q]));
    const scale = largest > 0 ? 127 / largest : 0;
    for (let q = 0; q < pixels; q++) {
      const o = q * 4;
      out[o] = 128 + scale * rgb[0][q];
      out[o + 1] = 128 + scale * rgb[1][q];
      out[o + 2] = 128 + scale * rgb[2][q];
      out[o + 3] = 255;
    }
    return this.#image!.bitDepth === 16 ? scale * 257 : scale;
  }

  /**
   * The patch model's coefficient image of component `index` (1-based) of a plane: σᵢuᵢ reshaped
   * to the patch grid (one value per p × p block), box-filtered to at most width × height, as grey
   * with 0 at mid-grey and the largest |value| at black or white. Null when there is none.
   */
  coefficients(
    coding: string,
    plane: number,
    index: number,
    width: number,
    height: number,
  ): { pixels: Uint8ClampedArray; width: number; height: number; scale: number } | null {
    const entry = this.#codings.get(coding);
    const svd = entry?.factors[plane];
    if (!entry || !svd || entry.layout.model !== 'patch') return null;
    const i = Math.floor(index) - 1;
    if (i < 0 || i >= svd.rank) return null;
    const planeLayout = entry.layout.planes[plane];
    const across = Math.ceil(planeLayout.width / entry.layout.patchSize);
    const down = Math.ceil(planeLayout.height / entry.layout.patchSize);
    const grid = new Float32Array(across * down);
    for (let b = 0; b < grid.length; b++) grid[b] = svd.sigma[i] * svd.u.data[b * svd.rank + i];
    const w = Math.max(1, Math.min(across, Math.floor(width)));
    const h = Math.max(1, Math.min(down, Math.floor(height)));
    const values = boxResamplePlane(grid, across, down, { x: 0, y: 0, width: across, height: down }, w, h);
    let largest = 0;
    for (const value of values) largest = Math.max(largest, Math.abs(value));
    const scale = largest > 0 ? 127 / largest : 0;
    const pixels = new Uint8ClampedArray(w * h * 4);
    for (let q = 0; q < values.length; q++) {
      const level = 128 + scale * values[q];
      pixels[q * 4] = level;
      pixels[q * 4 + 1] = level;
      pixels[q * 4 + 2] = level;
      pixels[q * 4 + 3] = 255;
    }
    return { pixels, width: w, height: h, scale };
  }

  /** RGBA bytes of box-filtered planes of `image` (gray spread to R, G, B; 16-bit scaled to 8). */
  #toRgba(planes: Float32Array[], image: PixelImage): Uint8ClampedArray<ArrayBuffer> {
    const scale = image.bitDepth === 16 ? 1 / 257 : 1;
    const pixels = planes[0].length;
    const out = new Uint8ClampedArray(pixels * 4);
    const color = colorChannelCount(image.channels);
    const alpha = hasAlpha(image.channels) ? planes[image.channels - 1] : null;
    const [red, green, blue] = color === 3 ? planes : [planes[0], planes[0], planes[0]];
    // One flat loop (a loop over the channels inside it ran unoptimized on a photo's first view: 15–50 ms at 940 × 627).
    for (let p = 0, o = 0; p < pixels; p++, o += 4) {
      out[o] = red[p] * scale;
      out[o + 1] = green[p] * scale;
      out[o + 2] = blue[p] * scale;
      out[o + 3] = alpha ? alpha[p] * scale : 255;
    }
    return out;
  }
}

/**
 * heap[at + col] = rows[col · rank + i] for col < width: row i of the (width × rank) filtered rows
 * of V, transposed into the view's right factor. A function of its own, called once per row, so
 * that V8 optimizes it after a few rows.
 */
function transposedRow(heap: Float32Array, at: number, rows: Float64Array, i: number, rank: number, width: number): void {
  for (let col = 0, from = i; col < width; col++, from += rank) heap[at + col] = rows[from];
}

/**
 * Where each plane's slots lie in the view's heap (see the layout at the top), for planes of
 * these ranks, and the R, G, B slots of a YCbCr coding (else −1); `floats`: the heap's size.
 */
function heapLayout(
  layout: ImageLayout | undefined,
  rankOf: (plane: number) => number,
  height: number,
  w8: number,
): { offsets: { left: number; right: number; acc: number }[]; floats: number; rgb: number } {
  const patch = layout?.model === 'patch';
  let floats = 0;
  const offsets = (layout?.planes ?? []).map((_, p) => {
    const rank = rankOf(p);
    const acc = patch ? floats : floats + height * rank + rank * w8;
    const offset = { left: patch ? -1 : floats, right: patch ? -1 : floats + height * rank, acc };
    floats = acc + height * w8;
    return offset;
  });
  const rgb = layout?.colorSpace === 'ycbcr' ? floats : -1;
  if (rgb >= 0) floats += 3 * height * w8;
  return { offsets, floats, rgb };
}

/**
 * The view's filter over a plane's samples: box spans over the region at the target size, and for
 * a half-resolution plane those composed with its bilinear interpolation (color.ts), so the view
 * is exactly the interpolated plane box-filtered, as the decoder would show it.
 */
function planeSpans(plane: PlaneLayout, layout: ImageLayout, region: Region, width: number, height: number): { rows: Spans; cols: Spans } {
  const rows = boxSpans(region.y, region.height, height);
  const cols = boxSpans(region.x, region.width, width);
  if (plane.width === layout.width && plane.height === layout.height) return { rows, cols };
  return { rows: upsampledSpans(rows, plane.height), cols: upsampledSpans(cols, plane.width) };
}
