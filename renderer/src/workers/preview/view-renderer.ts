/**
 * The preview worker's renderer: rank-k reconstructions of the visible region at display
 * resolution (DESIGN.md, "Slide").
 *
 * For a view (region + target size) it box-averages the rows of U (scaled by σ) and of V once
 * (core's boxAveragedRows; cost independent of the image size), keeps them in the SIMD kernels'
 * workspace, and keeps per channel an accumulator A_k = L[:, :k]·R[:k, :] at display size. Moving
 * from rank k1 to k2 adds (or subtracts) only components k1…k2 with one matrix product, so a
 * slider step costs one rank-1 update of the visible pixels whatever the photo's size. Float32
 * round-off from many ± updates is bounded by recomputing from scratch every MAX_UPDATES steps.
 *
 * Layout in the workspace, per colour channel c (row-major, W8 = target width rounded up to 8):
 *   left_c  (H × K_c)   σ-scaled averaged rows of U
 *   right_c (K_c × W8)  averaged rows of V, transposed, zero padded
 *   acc_c   (H × W8)    the current reconstruction
 */
import {
  boxAveragedRows,
  boxResample,
  colorChannelCount,
  hasAlpha,
  type KernelBackend,
  type PixelImage,
  type Region,
  type TruncatedSvd,
} from '../../../../core/index.js';
import type { ViewMode, ViewRequest } from './protocol.js';

const MAX_UPDATES = 48;

interface ChannelView {
  rank: number;
  left: number;
  right: number;
  acc: number;
  accRank: number;
  updates: number;
}

interface View {
  key: string;
  factorVersion: number;
  width: number;
  height: number;
  w8: number;
  channels: ChannelView[];
  /** Box-filtered original, every channel incl. alpha; made when first needed. */
  original: Float32Array[] | null;
  /** Box-filtered decoded saved file, likewise. */
  saved: Float32Array[] | null;
}

export interface RenderedPixels {
  ranks: number[];
  original: Uint8ClampedArray | null;
  image: Uint8ClampedArray;
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
  #imageId = -1;
  #image: PixelImage | null = null;
  #colorChannels = 0;
  #factors: (TruncatedSvd | null)[] = [];
  #factorVersion = 0;
  #view: View | null = null;
  #saved: PixelImage | null = null;
  #heap: Float32Array = new Float32Array(0);

  constructor(kernels: KernelBackend) {
    this.#kernels = kernels;
  }

  setImage(imageId: number, image: PixelImage): void {
    this.#imageId = imageId;
    this.#image = image;
    this.#colorChannels = colorChannelCount(image.channels);
    this.#factors = new Array(this.#colorChannels).fill(null);
    this.#view = null;
    this.#saved = null;
  }

  /** The decoded saved file (same size as the image), or null to go back to the live reconstruction. */
  setSaved(imageId: number, saved: PixelImage | null): void {
    if (imageId !== this.#imageId) return;
    this.#saved = saved;
    if (this.#view) this.#view.saved = null;
  }

  setFactors(imageId: number, channel: number, svd: TruncatedSvd): void {
    if (imageId !== this.#imageId || channel < 0 || channel >= this.#colorChannels) return;
    this.#factors[channel] = svd;
    this.#factorVersion++;
  }

  get imageId(): number {
    return this.#imageId;
  }

  render(request: ViewRequest): RenderedPixels {
    const image = this.#image;
    if (!image || request.imageId !== this.#imageId) throw new Error('The preview worker has no such image');
    const view = this.#prepare(request.region, request.width, request.height);
    const ranks = this.#factors.map((svd, c) => (svd ? Math.max(0, Math.min(svd.rank, Math.floor(request.ranks[c] ?? 0))) : 0));
    const pixels = view.width * view.height;
    const needOriginal =
      request.withOriginal ||
      request.source === 'original' ||
      request.mode === 'error' ||
      request.mode === 'residual' ||
      hasAlpha(image.channels);
    if (needOriginal && !view.original) view.original = boxResample(image, request.region, view.width, view.height);
    const original = request.withOriginal ? this.#toRgba(view.original!, image) : null;
    if (request.source === 'original') return { ranks, original, image: this.#toRgba(view.original!, image) };
    if (request.source === 'saved' && this.#saved) {
      view.saved ??= boxResample(this.#saved, request.region, view.width, view.height);
      return { ranks, original, image: this.#toRgba(view.saved, this.#saved) };
    }
    const image8 = new Uint8ClampedArray(pixels * 4);
    let componentScale: number | undefined;
    if (request.mode === 'component') {
      componentScale = this.#component(view, request.component, image8);
    } else {
      view.channels.forEach((channel, c) => this.#moveTo(channel, view, ranks[c]));
      this.#compose(view, request.mode, request.gain, image8);
    }
    return { ranks, original, image: image8, componentScale };
  }

  /** The view's cache, rebuilt when the geometry or the factors changed. */
  #prepare(region: Region, width: number, height: number): View {
    const key = `${region.x},${region.y},${region.width},${region.height},${width},${height}`;
    const old = this.#view;
    if (old && old.key === key && old.factorVersion === this.#factorVersion) return old;
    const w8 = Math.ceil(width / 8) * 8;
    const ranks = this.#factors.map((svd) => svd?.rank ?? 0);
    let floats = 0;
    const channels: ChannelView[] = ranks.map((rank) => {
      const channel = {
        rank,
        left: floats,
        right: floats + height * rank,
        acc: floats + height * rank + rank * w8,
        accRank: 0,
        updates: 0,
      };
      floats = channel.acc + height * w8;
      return channel;
    });
    this.#heap = this.#kernels.allocate(Math.max(8, floats), w8);
    const heap = this.#heap;
    channels.forEach((channel, c) => {
      const svd = this.#factors[c];
      if (!svd || channel.rank === 0) return;
      const left = boxAveragedRows(svd.u.data, svd.rank, svd.rank, region.y, region.height, height, svd.sigma);
      for (let i = 0; i < left.length; i++) heap[channel.left + i] = left[i];
      const right = boxAveragedRows(svd.v.data, svd.rank, svd.rank, region.x, region.width, width, null);
      for (let col = 0; col < width; col++) {
        for (let i = 0; i < svd.rank; i++) heap[channel.right + i * w8 + col] = right[col * svd.rank + i];
      }
    });
    const sameGeometry = old && old.key === key;
    this.#view = {
      key,
      factorVersion: this.#factorVersion,
      width,
      height,
      w8,
      channels,
      original: sameGeometry ? old.original : null,
      saved: sameGeometry ? old.saved : null,
    };
    return this.#view;
  }

  /** Brings the channel's accumulator to rank k: an update of the difference, or a fresh product. */
  #moveTo(channel: ChannelView, view: View, k: number): void {
    if (k === channel.accRank) return;
    const { height, w8 } = view;
    const delta = Math.abs(k - channel.accRank);
    if (k === 0) {
      this.#heap.fill(0, channel.acc, channel.acc + height * w8);
      channel.updates = 0;
    } else if (delta >= k || channel.updates >= MAX_UPDATES) {
      this.#kernels.gemmNN(channel.left, channel.rank, height, k, channel.right, w8, w8, channel.acc, w8, 1, false);
      channel.updates = 0;
    } else {
      const from = Math.min(k, channel.accRank);
      const sign = k > channel.accRank ? 1 : -1;
      this.#kernels.gemmNN(
        channel.left + from,
        channel.rank,
        height,
        delta,
        channel.right + from * w8,
        w8,
        w8,
        channel.acc,
        w8,
        sign,
        true,
      );
      channel.updates++;
    }
    channel.accRank = k;
  }

  /**
   * Writes the view's RGBA bytes. One loop per mode with the channel offsets hoisted: this runs
   * on every slider step for about a megapixel, so nothing is looked up per pixel.
   * (Uint8ClampedArray stores round-half-even and clamps to 0…255.)
   */
  #compose(view: View, mode: ViewMode, gain: number, out: Uint8ClampedArray): void {
    const image = this.#image!;
    const heap = this.#heap;
    const { width, height, w8 } = view;
    const scale = image.bitDepth === 16 ? 1 / 257 : 1;
    const color = this.#colorChannels;
    const acc = [0, 1, 2].map((c) => view.channels[color === 3 ? c : 0].acc);
    const [accR, accG, accB] = acc;
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

  /** σᵢuᵢvᵢᵀ of every colour channel at display size, mid-grey = 0, stretched to fill the range. */
  #component(view: View, index: number, out: Uint8ClampedArray): number {
    const heap = this.#heap;
    const { width, height, w8 } = view;
    const i = Math.floor(index) - 1;
    let largest = 0;
    const present = view.channels.map((channel) => i >= 0 && i < channel.rank);
    view.channels.forEach((channel, c) => {
      if (!present[c]) return;
      let maxLeft = 0;
      let maxRight = 0;
      for (let r = 0; r < height; r++) maxLeft = Math.max(maxLeft, Math.abs(heap[channel.left + r * channel.rank + i]));
      for (let col = 0; col < width; col++) maxRight = Math.max(maxRight, Math.abs(heap[channel.right + i * w8 + col]));
      largest = Math.max(largest, maxLeft * maxRight);
    });
    const scale = largest > 0 ? 127 / largest : 0;
    const color = this.#colorChannels;
    for (let r = 0; r < height; r++) {
      for (let col = 0; col < width; col++) {
        const o = (r * width + col) * 4;
        for (let c = 0; c < 3; c++) {
          const ch = color === 3 ? c : 0;
          const channel = view.channels[ch];
          out[o + c] = present[ch] ? 128 + scale * heap[channel.left + r * channel.rank + i] * heap[channel.right + i * w8 + col] : 128;
        }
        out[o + 3] = 255;
      }
    }
    return this.#image!.bitDepth === 16 ? scale * 257 : scale;
  }

  /** RGBA bytes of box-filtered planes of `image` (gray spread to R, G, B; 16-bit scaled to 8). */
  #toRgba(planes: Float32Array[], image: PixelImage): Uint8ClampedArray {
    const scale = image.bitDepth === 16 ? 1 / 257 : 1;
    const pixels = planes[0].length;
    const out = new Uint8ClampedArray(pixels * 4);
    const color = colorChannelCount(image.channels);
    const alpha = hasAlpha(image.channels) ? planes[image.channels - 1] : null;
    for (let p = 0; p < pixels; p++) {
      for (let c = 0; c < 3; c++) out[p * 4 + c] = planes[color === 3 ? c : 0][p] * scale;
      out[p * 4 + 3] = alpha ? alpha[p] * scale : 255;
    }
    return out;
  }
}
