/**
 * Measurements that need the real encoder or the full-resolution image, taken when the controls
 * rest (DESIGN.md, "Measure"), for the current coding and target (the rank, or a PSNR or byte
 * target the allocation meets): the real `.svd` file's size and ranks, then JPEG at the same
 * bytes (a coarse answer first), the decoded file's MSE/PSNR/SSIM, WebP at the same bytes, and
 * what the patch model in YCbCr needs for the same PSNR (the size panel's comparison).
 * Moving a control again cancels the measurement in flight (the analysis worker is terminated
 * and restarted). While a control moves, the size (and a target's ranks) are estimates. With
 * `sizeOnly` (while Learn mode is open) only the file's size is measured: turning it on cancels
 * the comparisons in flight, turning it off takes them up again.
 */
import * as Comlink from 'comlink';
import { isAbortError } from '../bridge/worker-bridge.js';
import { calibrate, ranksForBytes, ranksForPsnr, DEFAULT_TRUNCATION_SHARE } from '../shared/allocation-estimate.js';
import { PATCH_YCBCR, codingFor, codingKey, sameCoding, type Coding } from '../shared/coding.js';
import type { QualityMeasurement, SvdEncoding } from '../workers/analysis/analysis.worker.js';
import type { CodecPoint, EqualBytesResult, LossyFormat } from '../workers/analysis/equal-bytes.js';
import type { Studio } from './studio.svelte.js';

/** How long the controls must rest before measuring. */
export const REST_MS = 250;

export type Keyed<T> = T & { key: string };

interface ExactPoint {
  coding: string;
  target: string;
  fileBytes: number;
  ranks: number[];
  total: number;
  psnr: number | null;
}

export class Measurements {
  readonly #studio: Studio;
  /** Exact files measured for the open document. */
  #exact: ExactPoint[] = [];
  /** JPEG and WebP qualities measured for the open document (their bytes save encodes). */
  #codecPoints: CodecPoint[] = [];
  #documentId = -1;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #controller: AbortController | null = null;
  /** The estimate's truncation share per coding, calibrated by the last exact PSNR answer. */
  #shares = new Map<string, number>();

  encoding = $state.raw<Keyed<SvdEncoding> | null>(null);
  quality = $state.raw<Keyed<QualityMeasurement> | null>(null);
  jpeg = $state.raw<Keyed<EqualBytesResult> | null>(null);
  webp = $state.raw<Keyed<EqualBytesResult> | null>(null);
  /** What the patch model in YCbCr needs for the current file's PSNR (when the current coding is another). */
  patch = $state.raw<Keyed<SvdEncoding> | null>(null);
  measuring = $state(false);
  error = $state<string | null>(null);
  /** Measure the `.svd` file's size only (Learn mode, which shows nothing else, is open). */
  sizeOnly = $state(false);

  readonly key = $derived(this.#keyOf());

  constructor(studio: Studio) {
    this.#studio = studio;
    $effect.root(() => {
      $effect(() => {
        void this.key;
        void this.#studio.factorsVersion;
        void this.#studio.computing;
        void this.sizeOnly;
        this.#schedule();
      });
      // A PSNR or byte target moves the ranks at once (an estimate from the spectra); the
      // allocation's exact ranks replace them when the measurement arrives.
      $effect(() => {
        const studio = this.#studio;
        const mode = studio.targetMode;
        if (mode === 'rank' || !studio.layout || studio.spectra.length === 0) return;
        const estimate = this.#estimatedRanks(mode, studio.settings.targetPsnr, studio.settings.targetBytes);
        if (estimate) studio.setPlaneRanks(estimate);
      });
    });
  }

  #keyOf(): string {
    const studio = this.#studio;
    const doc = studio.document;
    if (!doc || studio.computedRanks.length === 0) return '';
    return `${doc.id}:${codingKey(studio.coding)}:${targetKey(studio)}:${studio.computedRanks.join(',')}`;
  }

  /** The size at the current ranks or target: exact when measured, else estimated (estimate: true), else null. */
  get size(): { fileBytes: number; estimate: boolean } | null {
    const studio = this.#studio;
    const encoding = this.encoding;
    if (encoding && encoding.key === this.key) return { fileBytes: encoding.fileBytes, estimate: false };
    const coding = codingKey(studio.coding);
    if (studio.targetMode === 'bytes') return { fileBytes: studio.settings.targetBytes, estimate: true };
    if (studio.targetMode === 'psnr') {
      const points = this.#exact
        .filter((point) => point.coding === coding && point.target.startsWith('psnr:') && point.psnr !== null)
        .map((point) => ({ x: point.psnr!, bytes: point.fileBytes }));
      return interpolate(points, studio.settings.targetPsnr, true);
    }
    const points = this.#exact
      .filter((point) => point.coding === coding && point.target.startsWith('ranks:'))
      .map((point) => ({ x: point.total, bytes: point.fileBytes }));
    return interpolate(
      points,
      studio.ranks.reduce((sum, k) => sum + k, 0),
      false,
    );
  }

  #estimatedRanks(mode: 'psnr' | 'bytes', psnr: number, bytes: number): number[] | null {
    const studio = this.#studio;
    const coding = codingKey(studio.coding);
    const layout = studio.layout!;
    const floor = studio.decompositions[coding]?.floor ?? 0;
    if (mode === 'psnr') return ranksForPsnr(studio.spectra, layout, floor, psnr, this.#shares.get(coding) ?? DEFAULT_TRUNCATION_SHARE);
    return ranksForBytes(
      this.#exact.filter((point) => point.coding === coding),
      bytes,
    );
  }

  /** Measures again after a failure (the banner's Retry): a worker that stopped is started afresh. */
  retry(): void {
    this.error = null;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#studio.holdWarmUp();
    this.#controller?.abort();
    this.#controller = null;
    this.measuring = false;
    const doc = this.#studio.document;
    // While the decomposition runs, the cores are better spent on it.
    if (!doc || this.#studio.computedRank === 0 || this.#studio.computing) return;
    if (doc.id !== this.#documentId) {
      this.#documentId = doc.id;
      this.#exact = [];
      this.#codecPoints = [];
      this.#shares.clear();
      this.encoding = null;
      this.quality = null;
      this.jpeg = null;
      this.webp = null;
      this.patch = null;
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
    const coding = studio.coding;
    const target = studio.svdTarget;
    const tKey = targetKey(studio);
    const held = studio.computedRanks.slice();
    this.measuring = true;
    this.error = null;
    // Done, failed, cancelled or sizes only (Learn mode): its end may leave the studio idle (Studio.beginWork).
    const end = studio.beginWork();
    try {
      let encoding = this.encoding?.key === key ? this.encoding : null;
      if (!encoding) {
        encoding = { ...(await studio.analysis.call((api) => api.encodeSvd(doc.id, coding, target, held), signal)), key };
        this.encoding = encoding;
        this.#remember(coding, tKey, encoding);
      }
      if (studio.targetMode !== 'rank' && this.key === key) studio.setPlaneRanks(encoding.ranks);
      if (this.sizeOnly) return;
      // JPEG at the same bytes needs only the size: it comes first (its first answer within seconds).
      await this.#equalBytes('jpeg', doc.id, key, encoding.fileBytes, signal);
      if (this.quality?.key !== key) {
        const quality = await studio.analysis.call((api) => api.measureQuality(doc.id, coding, target, held), signal);
        this.quality = { ...quality, key };
      }
      // WebP's search starts on a fresh analysis worker (the engine sends it the image and
      // factors again: shared on an isolated page, copied otherwise), not on one holding what the
      // steps before left: WebAssembly memory never shrinks, and SSIM's planes may not have been
      // collected yet.
      studio.analysis.release();
      await this.#equalBytes('webp', doc.id, key, encoding.fileBytes, signal);
      // Last: the patch model's comparison may need its decomposition first, whose factors
      // (~73 MB for a 12 MP photo) then stay beside the window's; the searches ran without them.
      await this.#patchComparison(doc.id, coding, key, signal);
      // For the UI benchmark: every measurement at these controls is in.
      if (!signal.aborted && this.key === key) performance.mark('studio:measured');
    } catch (error) {
      if (!isAbortError(error)) this.error = `Measuring failed: ${(error as Error).message}`;
    } finally {
      if (this.#controller === controller) {
        this.#controller = null;
        this.measuring = false;
      }
      end();
    }
  }

  #remember(coding: Coding, target: string, encoding: SvdEncoding): void {
    const studio = this.#studio;
    const point = {
      coding: codingKey(coding),
      target,
      fileBytes: encoding.fileBytes,
      ranks: encoding.ranks,
      total: encoding.ranks.reduce((sum, k) => sum + k, 0),
      psnr: encoding.psnr,
    };
    this.#exact = [...this.#exact.filter((old) => old.coding !== point.coding || old.target !== target), point];
    // A PSNR answer calibrates the estimate for that coding.
    if (target.startsWith('psnr:') && studio.layout && sameCoding(coding, studio.coding)) {
      const floor = studio.decompositions[point.coding]?.floor ?? 0;
      this.#shares.set(point.coding, calibrate(studio.spectra, studio.layout, floor, studio.settings.targetPsnr, encoding.ranks));
    }
  }

  /** JPEG or WebP at the file's bytes: the coarse answer shown as soon as it exists, then the exact one. */
  async #equalBytes(format: LossyFormat, documentId: number, key: string, targetBytes: number, signal: AbortSignal): Promise<void> {
    const current = format === 'jpeg' ? this.jpeg : this.webp;
    if (current?.key === key && !current.coarse) return;
    const set = (result: EqualBytesResult) => {
      if (this.key !== key) return;
      if (format === 'jpeg') this.jpeg = { ...result, key };
      else this.webp = { ...result, key };
    };
    let answers = 0;
    const onAnswer = (result: EqualBytesResult, points: CodecPoint[]) => {
      const seen = new Set(points.map((point) => `${point.format}:${point.quality}`));
      this.#codecPoints = [...this.#codecPoints.filter((point) => !seen.has(`${point.format}:${point.quality}`)), ...points];
      // For the UI benchmark: when the first answer and the exact one arrived.
      if (answers++ === 0) performance.mark(`studio:${format}-first-answer`);
      if (!result.coarse) performance.mark(`studio:${format}-exact-answer`);
      set(result);
    };
    const known = this.#codecPoints.filter((point) => point.format === format);
    performance.mark(`studio:${format}-search`);
    set(await this.#studio.analysis.call((api) => api.equalBytes(documentId, format, targetBytes, known, Comlink.proxy(onAnswer)), signal));
  }

  /** What the patch model in YCbCr needs for the current file's PSNR: its decomposition first (in the background), then the allocation at that PSNR. */
  async #patchComparison(documentId: number, coding: Coding, key: string, signal: AbortSignal): Promise<void> {
    const studio = this.#studio;
    const doc = studio.document;
    const psnr = this.quality?.key === key ? this.quality.psnr : null;
    if (!doc || doc.storedCoding || psnr === null || this.patch?.key === key) return;
    const patch = codingFor(doc, PATCH_YCBCR);
    if (sameCoding(coding, patch)) return;
    if (!(await studio.ensureDecomposed(patch, true))) return;
    if (signal.aborted || this.key !== key) return;
    const encoding = await studio.analysis.call((api) => api.encodeSvd(documentId, patch, { psnr }, studio.heldRanks(patch)), signal);
    this.patch = { ...encoding, key };
  }
}

/** The target as a key: the ranks (rank mode), or the PSNR or byte budget. */
function targetKey(studio: Studio): string {
  if (studio.targetMode === 'psnr') return `psnr:${studio.settings.targetPsnr}`;
  if (studio.targetMode === 'bytes') return `bytes:${studio.settings.targetBytes}`;
  return `ranks:${studio.ranks.join(',')}`;
}

/** Bytes at x, interpolated between measured points (or scaled from the nearest one when `flatOutside` is false). */
function interpolate(
  points: { x: number; bytes: number }[],
  x: number,
  flatOutside: boolean,
): { fileBytes: number; estimate: boolean } | null {
  if (points.length === 0) return null;
  const sorted = [...points].sort((a, b) => a.x - b.x);
  const below = sorted.filter((p) => p.x <= x).pop();
  const above = sorted.find((p) => p.x >= x);
  let bytes: number;
  if (below && above && above.x > below.x) bytes = below.bytes + ((above.bytes - below.bytes) * (x - below.x)) / (above.x - below.x);
  else if (flatOutside || (below ?? above)!.x === 0) bytes = (below ?? above)!.bytes;
  else bytes = ((below ?? above)!.bytes * x) / (below ?? above)!.x;
  return { fileBytes: Math.round(bytes), estimate: true };
}
