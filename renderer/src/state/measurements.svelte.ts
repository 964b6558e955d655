/**
 * Measurements that need the real encoder or the full-resolution image, taken when the slider
 * rests (DESIGN.md, "Measure"): the exact .svd size at the current ranks, then the decoded file's
 * MSE/PSNR/SSIM after quantization and rounding, then JPEG at the same bytes. Moving the slider
 * again cancels the measurement in flight (the analysis worker is terminated and restarted).
 * While the slider moves, the size shown is an estimate interpolated from the sizes measured so far.
 */
import type { JpegMeasurement, QualityMeasurement } from '../workers/analysis/analysis.worker.js';
import { isAbortError } from '../bridge/worker-bridge.js';
import type { Studio } from './studio.svelte.js';

/** How long the slider must rest before measuring. */
export const REST_MS = 250;
const QUANTIZATION_SHARE = { standard: 0.035, fine: 0.01 } as const;

export interface JpegComparison {
  key: string;
  /** The .svd size JPEG must not exceed. */
  targetBytes: number;
  /** The best JPEG (highest quality) within targetBytes; null when even quality 1 is larger. */
  best: JpegMeasurement | null;
  /** Quality 1, when it is larger than the target. */
  smallest: JpegMeasurement | null;
}

export class Measurements {
  readonly #studio: Studio;
  /** Exact sizes measured for the open document: key → bytes. */
  #sizes = new Map<string, { total: number; bytes: number }>();
  #jpegs = new Map<number, JpegMeasurement>();
  #documentId = -1;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #controller: AbortController | null = null;

  exactSize = $state.raw<{ key: string; fileBytes: number } | null>(null);
  quality = $state.raw<(QualityMeasurement & { key: string }) | null>(null);
  jpeg = $state.raw<JpegComparison | null>(null);
  measuring = $state(false);
  error = $state<string | null>(null);

  readonly key = $derived(this.#keyOf());

  constructor(studio: Studio) {
    this.#studio = studio;
    $effect.root(() => {
      $effect(() => {
        void this.key;
        void this.#studio.factorsVersion;
        void this.#studio.computing;
        this.#schedule();
      });
    });
  }

  #keyOf(): string {
    const doc = this.#studio.document;
    if (!doc || this.#studio.ranks.length === 0) return '';
    return `${doc.id}:${this.#studio.ranks.join(',')}:${this.#studio.settings.svdPrecision}:${this.#studio.computedRanks.join(',')}`;
  }

  get quantizationShare(): number {
    return QUANTIZATION_SHARE[this.#studio.settings.svdPrecision];
  }

  /** The size at the current ranks: exact when measured, else interpolated (estimate: true), else null. */
  get size(): { fileBytes: number; estimate: boolean } | null {
    const key = this.key;
    const exact = this.#sizes.get(key);
    if (exact && this.exactSize?.key === key) return { fileBytes: exact.bytes, estimate: false };
    void this.exactSize;
    const total = this.#studio.ranks.reduce((sum, k) => sum + k, 0);
    const prefix = key.slice(0, key.indexOf(':') + 1);
    const suffix = `:${this.#studio.settings.svdPrecision}:${this.#studio.computedRanks.join(',')}`;
    const points = [...this.#sizes.entries()]
      .filter(([k]) => k.startsWith(prefix) && k.endsWith(suffix))
      .map(([, v]) => v)
      .sort((a, b) => a.total - b.total);
    if (points.length === 0) return null;
    const below = points.filter((p) => p.total <= total).pop();
    const above = points.find((p) => p.total >= total);
    let bytes: number;
    if (below && above && above.total > below.total)
      bytes = below.bytes + ((above.bytes - below.bytes) * (total - below.total)) / (above.total - below.total);
    else bytes = ((below ?? above)!.bytes * total) / (below ?? above)!.total;
    return { fileBytes: Math.round(bytes), estimate: true };
  }

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#controller?.abort();
    this.#controller = null;
    this.measuring = false;
    const doc = this.#studio.document;
    // While the decomposition runs, the cores are better spent on it.
    if (!doc || this.#studio.computedRank === 0 || this.#studio.computing) return;
    if (doc.id !== this.#documentId) {
      this.#documentId = doc.id;
      this.#sizes.clear();
      this.#jpegs.clear();
      this.exactSize = null;
      this.quality = null;
      this.jpeg = null;
    }
    this.#timer = setTimeout(() => void this.#measure(), REST_MS);
  }

  async #measure(): Promise<void> {
    const studio = this.#studio;
    const doc = studio.document;
    const key = this.key;
    if (!doc || !key) return;
    const controller = new AbortController();
    this.#controller = controller;
    const signal = controller.signal;
    const ranks = studio.ranks.slice();
    const options = { quantizationShare: this.quantizationShare };
    this.measuring = true;
    this.error = null;
    try {
      let bytes = this.#sizes.get(key)?.bytes;
      if (bytes === undefined) {
        const size = await studio.analysis.call((api) => api.measureSize(doc.id, ranks, options), signal);
        bytes = size.fileBytes;
        this.#sizes.set(key, { total: ranks.reduce((sum, k) => sum + k, 0), bytes });
      }
      this.exactSize = { key, fileBytes: bytes };
      if (this.quality?.key !== key) {
        const quality = await studio.analysis.call((api) => api.measureQuality(doc.id, ranks, options), signal);
        this.quality = { ...quality, key };
      }
      await this.#compareJpeg(doc.id, key, bytes, signal);
    } catch (error) {
      if (!isAbortError(error)) this.error = `Measuring failed: ${(error as Error).message}`;
    } finally {
      if (this.#controller === controller) {
        this.#controller = null;
        this.measuring = false;
      }
    }
  }

  /** The highest JPEG quality whose file is within targetBytes, by bisection over cached encodes. */
  async #compareJpeg(documentId: number, key: string, targetBytes: number, signal: AbortSignal): Promise<void> {
    if (this.jpeg?.key === key) return;
    const at = async (quality: number): Promise<JpegMeasurement> => {
      let result = this.#jpegs.get(quality);
      if (!result) {
        result = await this.#studio.analysis.call((api) => api.jpegAtQuality(documentId, quality), signal);
        this.#jpegs.set(quality, result);
      }
      return result;
    };
    const lowest = await at(1);
    if (lowest.fileBytes > targetBytes) {
      this.jpeg = { key, targetBytes, best: null, smallest: lowest };
      return;
    }
    let lo = 1;
    let hi = 100;
    const highest = await at(100);
    if (highest.fileBytes <= targetBytes) lo = 100;
    while (hi - lo > 1 && lo < 100) {
      const mid = (lo + hi) >> 1;
      if ((await at(mid)).fileBytes <= targetBytes) lo = mid;
      else hi = mid;
    }
    this.jpeg = { key, targetBytes, best: await at(lo), smallest: null };
  }
}
