/**
 * Export: encodes the current reconstruction (or the .svd file) as soon as the export panel is
 * open and its options settle, so the size is shown before saving; saving hands the bytes to the
 * host, and the viewer then shows the decoded saved file — exactly what was written — until the
 * person goes back to the live decomposition (which is kept). The analysis worker makes the
 * files (the desktop's image exports: sharp in main) and decodes the saved one for the preview
 * worker directly; this thread holds only the bytes the host saves.
 *
 * A .svd file can be written in any coding (model and colour space), each with its size shown
 * before saving: the coding on screen at the current target, the others at the same target — or,
 * when the target is a rank (which means different things in different codings), at the PSNR the
 * current file reaches. Their decompositions are computed in the background when missing.
 */
import * as Comlink from 'comlink';
import { EXPORT_EXTENSIONS, type ExportFormat, type PixelImage, type SvdTarget } from '../../../core/index.js';
import { isAbortError } from '../bridge/worker-bridge.js';
import { CODINGS, codingFor, codingKey, sameCoding, type Coding } from '../shared/coding.js';
import type { SvdEncoding } from '../workers/analysis/analysis.worker.js';
import type { SaveResult } from '../host/host.js';
import type { Studio } from './studio.svelte.js';

export interface PreparedExport {
  key: string;
  format: ExportFormat;
  name: string;
  bytes: Uint8Array;
}

export interface SavedExport {
  documentId: number;
  name: string;
  format: ExportFormat;
  fileBytes: number;
  width: number;
  height: number;
}

const LABELS: Record<ExportFormat, string> = { svd: '.svd', png: 'PNG', jpeg: 'JPEG', webp: 'WebP', avif: 'AVIF' };

export function formatLabel(format: ExportFormat): string {
  return LABELS[format];
}

export class Exporter {
  readonly #studio: Studio;
  #controller: AbortController | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The encode in flight, shared by whoever asks for the same key (the panel, Save). */
  #inflight: { key: string; promise: Promise<PreparedExport> } | null = null;
  #saving = false;

  panelOpen = $state(false);
  busy = $state<string | null>(null);
  prepared = $state.raw<PreparedExport | null>(null);
  error = $state<string | null>(null);
  saved = $state.raw<SavedExport | null>(null);
  showingSaved = $state(false);
  /** The coding a .svd export is written in; null: the one on screen. */
  svdCoding = $state.raw<Coding | null>(null);
  /** Each coding's .svd at its target (the export panel's list), by codingKey; 'pending' while it is made. */
  svdSizes = $state.raw<Record<string, SvdEncoding | 'pending' | { error: string }>>({});
  #sizesKey = '';
  /** The step whose failure the panel shows (its Retry does that step again). */
  #failed: { step: 'encode' } | { step: 'save' } | { step: 'read-back'; prepared: PreparedExport; saved: SaveResult } | null = null;
  #sizesController: AbortController | null = null;

  readonly key = $derived(this.#keyOf());

  constructor(studio: Studio) {
    this.#studio = studio;
    $effect.root(() => {
      $effect(() => {
        const key = this.key;
        const open = this.panelOpen;
        if (this.#timer) clearTimeout(this.#timer);
        if (!open) {
          // Closing the panel stops its encode and lets go of the bytes (a 16-bit PNG is ~100 MB).
          if (!this.#saving) this.cancel();
          this.prepared = null;
          return;
        }
        if (!key || this.prepared?.key === key || this.#saving) return;
        this.#timer = setTimeout(() => void this.prepare().catch(() => {}), 300);
      });
      $effect(() => {
        // A new document drops the saved view and any prepared bytes.
        const id = this.#studio.document?.id;
        if (this.saved && this.saved.documentId !== id) {
          this.saved = null;
          this.showingSaved = false;
        }
        if (this.prepared && !this.prepared.key.startsWith(`${id}:`)) this.prepared = null;
      });
    });
  }

  #keyOf(): string {
    const studio = this.#studio;
    const doc = studio.document;
    if (!doc || studio.computedRank === 0) return '';
    const format = studio.settings.exportFormat;
    const quality = format === 'png' || format === 'svd' ? '' : studio.settings.quality[format];
    const coding = format === 'svd' ? codingKey(this.exportCoding) : codingKey(studio.coding);
    return `${doc.id}:${studio.ranks.join(',')}:${format}:${quality}:${coding}:${JSON.stringify(studio.svdTarget)}:${studio.factorsVersion}`;
  }

  /** The coding a .svd export is written in (the chosen one, as it applies to the image). */
  get exportCoding(): Coding {
    const studio = this.#studio;
    const doc = studio.document;
    const chosen = this.svdCoding ?? studio.coding;
    return doc ? codingFor(doc, chosen) : chosen;
  }

  /** The codings a .svd export may use: all four for a photo (two for gray), the file's own for a .svd document. */
  get codings(): Coding[] {
    const doc = this.#studio.document;
    if (!doc) return [];
    if (doc.storedCoding) return [doc.storedCoding];
    const seen = new Set<string>();
    return CODINGS.map((coding) => codingFor(doc, coding)).filter(
      (coding) => !seen.has(codingKey(coding)) && !!seen.add(codingKey(coding)),
    );
  }

  /**
   * The target a coding's .svd is made for: the window's own for the coding on screen (and for
   * PSNR and size targets in any coding); at a rank target, another coding aims for the PSNR the
   * current file reaches (null until it is known).
   */
  async targetFor(coding: Coding, signal?: AbortSignal): Promise<SvdTarget | null> {
    const studio = this.#studio;
    const doc = studio.document;
    if (!doc) return null;
    if (sameCoding(coding, studio.coding) || studio.targetMode !== 'rank') return studio.svdTarget;
    const current = await studio.analysis.call(
      (api) => api.encodeSvd(doc.id, studio.coding, studio.svdTarget, studio.computedRanks),
      signal,
    );
    return current.psnr === null ? { ranks: 1_000_000 } : { psnr: Math.floor(current.psnr * 10) / 10 };
  }

  /** Fills svdSizes: each coding's file at its target (decomposing the missing ones in the background). */
  async measureCodings(): Promise<void> {
    const studio = this.#studio;
    const doc = studio.document;
    if (!doc) return;
    const key = `${doc.id}:${codingKey(studio.coding)}:${JSON.stringify(studio.svdTarget)}:${studio.factorsVersion}`;
    if (this.#sizesKey === key) return;
    this.#sizesController?.abort();
    const controller = new AbortController();
    this.#sizesController = controller;
    this.#sizesKey = key;
    const codings = this.codings;
    this.svdSizes = Object.fromEntries(codings.map((coding) => [codingKey(coding), 'pending' as const]));
    // The coding on screen first (its size is the one people compare with), then the others.
    const ordered = [...codings].sort((a, b) => Number(!sameCoding(a, studio.coding)) - Number(!sameCoding(b, studio.coding)));
    // The idle warm-up of the SVD workers holds while the sizes are measured (Studio.beginWork).
    const end = studio.beginWork();
    try {
      await this.#measureSizes(ordered, doc.id, key, controller.signal);
    } finally {
      end();
    }
  }

  /** measureCodings' sizes, one coding after another, until `signal` or another photo stops them. */
  async #measureSizes(ordered: Coding[], documentId: number, key: string, signal: AbortSignal): Promise<void> {
    const studio = this.#studio;
    for (const coding of ordered) {
      if (signal.aborted || studio.document?.id !== documentId) return;
      let entry: SvdEncoding | { error: string };
      try {
        if (!sameCoding(coding, studio.coding) && !(await studio.ensureDecomposed(coding))) {
          entry = { error: studio.computing ? 'after the decomposition' : 'not computed' };
        } else {
          const target = await this.targetFor(coding, signal);
          entry = target
            ? await studio.analysis.call((api) => api.encodeSvd(documentId, coding, target, studio.heldRanks(coding)), signal)
            : { error: 'no target yet' };
        }
      } catch (error) {
        if (isAbortError(error) || signal.aborted) return;
        entry = { error: (error as Error).message };
      }
      if (this.#sizesKey !== key) return;
      this.svdSizes = { ...this.svdSizes, [codingKey(coding)]: entry };
    }
  }

  stopMeasuringCodings(): void {
    this.#sizesController?.abort();
    this.#sizesController = null;
    this.#sizesKey = '';
  }

  suggestedName(format: ExportFormat = this.#studio.settings.exportFormat): string {
    const studio = this.#studio;
    const doc = studio.document!;
    const base = doc.name.replace(/\.[^.]+$/, '') || 'image';
    const coding = format === 'svd' ? this.exportCoding : studio.coding;
    const codingPart = coding.model === 'whole' && coding.colorSpace === 'rgb' ? '' : `-${coding.model}-${coding.colorSpace}`;
    let targetPart: string;
    if (studio.targetMode === 'psnr') targetPart = `${studio.settings.targetPsnr}dB`;
    else if (studio.targetMode === 'bytes') targetPart = `${Math.round(studio.settings.targetBytes / 1000)}KB`;
    else if (format === 'svd' && !sameCoding(coding, studio.coding)) {
      const size = this.svdSizes[codingKey(coding)];
      targetPart = typeof size === 'object' && 'psnr' in size && size.psnr !== null ? `${size.psnr.toFixed(1)}dB` : 'same-psnr';
    } else targetPart = `k${studio.uniformRank ?? studio.ranks.join('-')}`;
    return `${base}${codingPart}-${targetPart}.${EXPORT_EXTENSIONS[format]}`;
  }

  /** Encodes the current export; resolves with the bytes (also kept in `prepared`). */
  prepare(): Promise<PreparedExport> {
    const key = this.key;
    if (this.prepared?.key === key) return Promise.resolve(this.prepared);
    if (this.#inflight?.key === key) return this.#inflight.promise;
    const promise = this.#encode(key);
    this.#inflight = { key, promise };
    void promise
      .catch(() => {})
      .finally(() => {
        if (this.#inflight?.promise === promise) this.#inflight = null;
      });
    return promise;
  }

  async #encode(key: string): Promise<PreparedExport> {
    const studio = this.#studio;
    const doc = studio.document;
    if (!doc || !key) throw new Error('Nothing to export yet');
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    const signal = controller.signal;
    const format = studio.settings.exportFormat;
    const ranks = studio.ranks.slice();
    const name = this.suggestedName(format);
    this.error = null;
    this.#failed = null;
    this.busy = `Encoding ${formatLabel(format)}…`;
    // The idle warm-up of the SVD workers holds while it runs (Studio.beginWork).
    const end = studio.beginWork();
    try {
      let bytes: Uint8Array;
      if (format === 'svd') {
        const coding = this.exportCoding;
        if (!sameCoding(coding, studio.coding)) {
          this.busy = 'Decomposing for this coding…';
          if (!(await studio.ensureDecomposed(coding))) throw new Error('the decomposition for this coding did not finish');
          this.busy = 'Encoding .svd…';
        }
        const target = await this.targetFor(coding, signal);
        if (!target) throw new Error('the current file’s PSNR is not known yet');
        const held = studio.heldRanks(coding);
        bytes = await studio.analysis.call((api) => api.exportSvd(doc.id, coding, target, held), signal);
      } else {
        const coding = studio.coding;
        const quality = format === 'png' ? undefined : studio.settings.quality[format];
        const encodeInMain = studio.host.encodeImage?.bind(studio.host);
        if (encodeInMain) {
          // The desktop encodes with sharp in its main process: the pixels go there.
          this.busy = 'Reconstructing at full resolution…';
          const pixels: PixelImage = await studio.analysis.call((api) => api.reconstruct(doc.id, coding, ranks), signal);
          this.busy = `Encoding ${formatLabel(format)}…`;
          bytes = await encodeInMain(pixels, format, quality, signal);
        } else {
          // Reconstructed and encoded in the analysis worker: only the file's bytes come here.
          bytes = await studio.analysis.call((api) => api.exportImage(doc.id, coding, ranks, format, quality), signal);
        }
      }
      const prepared = { key, format, name, bytes };
      if (this.key === key) this.prepared = prepared;
      return prepared;
    } catch (error) {
      if (!isAbortError(error)) {
        this.error = `Export failed: ${(error as Error).message}`;
        this.#failed = { step: 'encode' };
      }
      throw error;
    } finally {
      if (this.#controller === controller) {
        this.#controller = null;
        this.busy = null;
      }
      end();
    }
  }

  /**
   * Does the failed step again (the panel's Retry): the encode; the save (encoding first if that
   * is what failed in it); or only the reading back of a file that was saved.
   */
  retry(): void {
    const failed = this.#failed;
    this.error = null;
    this.#failed = null;
    if (failed?.step === 'save') void this.save();
    else if (failed?.step === 'read-back') void this.#readBack(failed.prepared, failed.saved);
    else void this.prepare().catch(() => {});
  }

  cancel(): void {
    this.#controller?.abort();
    this.#controller = null;
    this.#inflight = null;
    this.busy = null;
  }

  /** Saves through the host, then shows the decoded saved file in the viewer. */
  async save(): Promise<void> {
    const studio = this.#studio;
    if (!studio.document) return;
    this.#failed = null;
    this.error = null;
    let prepared: PreparedExport;
    this.#saving = true;
    try {
      prepared = await this.prepare();
    } catch (error) {
      // Cancelled by the person (Esc) says nothing; anything else is already in `error`.
      if (!isAbortError(error)) {
        if (!this.error) this.error = `Export failed: ${(error as Error).message}`;
        this.#failed = { step: 'save' };
      }
      this.#saving = false;
      return;
    }
    this.#saving = false;
    const saved = await studio.host.saveFile(prepared.bytes, prepared.name).catch((error: Error) => {
      this.error = `Saving failed: ${error.message}`;
      this.#failed = { step: 'save' };
      return null;
    });
    if (saved) await this.#readBack(prepared, saved);
  }

  /** Decodes a saved file and shows it in the viewer. */
  async #readBack(prepared: PreparedExport, saved: SaveResult): Promise<void> {
    const studio = this.#studio;
    const doc = studio.document;
    if (!doc || !prepared.key.startsWith(`${doc.id}:`)) return;
    this.busy = 'Decoding the saved file…';
    const end = studio.beginWork();
    try {
      // Decoded in the analysis worker and handed to the preview worker there; a copy of the
      // bytes goes (the prepared ones stay for another save), the pixels never come here.
      const decoded = await studio.analysis.call(async (api) => {
        const copy = prepared.bytes.slice();
        return api.showSaved(doc.id, Comlink.transfer(copy, [copy.buffer as ArrayBuffer]), saved.name, await studio.previewLink());
      });
      if (studio.document?.id !== doc.id) return;
      this.saved = {
        documentId: doc.id,
        name: saved.name,
        format: prepared.format,
        fileBytes: prepared.bytes.length,
        width: decoded.width,
        height: decoded.height,
      };
      this.showingSaved = true;
    } catch (error) {
      this.error = `The saved file could not be read back: ${(error as Error).message}`;
      this.#failed = { step: 'read-back', prepared, saved };
    } finally {
      this.busy = null;
      end();
    }
  }

  async backToLive(): Promise<void> {
    this.showingSaved = false;
    const doc = this.#studio.document;
    if (doc) await this.#studio.preview.call((api) => api.setSaved(doc.id, null));
  }
}
