/**
 * Export: encodes the current reconstruction (or the .svd file) as soon as the export panel is
 * open and its options settle, so the size is shown before saving; saving hands the bytes to the
 * host, and the viewer then shows the decoded saved file — exactly what was written — until the
 * person goes back to the live decomposition (which is kept).
 */
import * as Comlink from 'comlink';
import { EXPORT_EXTENSIONS, type ExportFormat, type PixelImage } from '../../../core/index.js';
import { isAbortError } from '../bridge/worker-bridge.js';
import type { Measurements } from './measurements.svelte.js';
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
  readonly #measurements: Measurements;
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

  readonly key = $derived(this.#keyOf());

  constructor(studio: Studio, measurements: Measurements) {
    this.#studio = studio;
    this.#measurements = measurements;
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
    const precision = format === 'svd' ? studio.settings.svdPrecision : '';
    return `${doc.id}:${studio.ranks.join(',')}:${format}:${quality}:${precision}:${studio.factorsVersion}`;
  }

  suggestedName(format: ExportFormat = this.#studio.settings.exportFormat): string {
    const doc = this.#studio.document!;
    const base = doc.name.replace(/\.[^.]+$/, '') || 'image';
    const rankPart = `k${this.#studio.uniformRank ?? this.#studio.ranks.join('-')}`;
    return `${base}-${rankPart}.${EXPORT_EXTENSIONS[format]}`;
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
    this.busy = `Encoding ${formatLabel(format)}…`;
    try {
      let bytes: Uint8Array;
      if (format === 'svd') {
        bytes = await studio.analysis.call(
          (api) => api.exportSvd(doc.id, ranks, { quantizationShare: this.#measurements.quantizationShare }),
          signal,
        );
      } else {
        this.busy = 'Reconstructing at full resolution…';
        const pixels: PixelImage = await studio.analysis.call((api) => api.reconstruct(doc.id, ranks), signal);
        this.busy = `Encoding ${formatLabel(format)}…`;
        const quality = format === 'png' ? undefined : studio.settings.quality[format];
        bytes = await studio.host.encodeImage(pixels, format, quality, signal);
      }
      const prepared = { key, format, name, bytes };
      if (this.key === key) this.prepared = prepared;
      return prepared;
    } catch (error) {
      if (!isAbortError(error)) this.error = `Export failed: ${(error as Error).message}`;
      throw error;
    } finally {
      if (this.#controller === controller) {
        this.#controller = null;
        this.busy = null;
      }
    }
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
    const doc = studio.document;
    if (!doc) return;
    let prepared: PreparedExport;
    this.#saving = true;
    try {
      prepared = await this.prepare();
    } catch (error) {
      // Cancelled by the person (Esc) says nothing; anything else is already in `error`.
      if (!isAbortError(error) && !this.error) this.error = `Export failed: ${(error as Error).message}`;
      this.#saving = false;
      return;
    }
    this.#saving = false;
    const result = await studio.host.saveFile(prepared.bytes, prepared.name).catch((error: Error) => {
      this.error = `Saving failed: ${error.message}`;
      return null;
    });
    if (!result) return;
    this.busy = 'Decoding the saved file…';
    try {
      // A copy: the prepared bytes stay for another save.
      const decoded = await studio.host.decodeBytes(prepared.bytes.slice(), result.name, { maxPixels: Infinity });
      if (studio.document?.id !== doc.id) return;
      const image: PixelImage = {
        width: decoded.width,
        height: decoded.height,
        channels: decoded.channels,
        bitDepth: decoded.bitDepth,
        pixels: decoded.pixels,
      };
      await studio.preview.call((api) => api.setSaved(doc.id, Comlink.transfer(image, [image.pixels.buffer as ArrayBuffer])));
      this.saved = {
        documentId: doc.id,
        name: result.name,
        format: prepared.format,
        fileBytes: prepared.bytes.length,
        width: decoded.width,
        height: decoded.height,
      };
      this.showingSaved = true;
    } catch (error) {
      this.error = `The saved file could not be read back: ${(error as Error).message}`;
    } finally {
      this.busy = null;
    }
  }

  async backToLive(): Promise<void> {
    this.showingSaved = false;
    const doc = this.#studio.document;
    if (doc) await this.#studio.preview.call((api) => api.setSaved(doc.id, null));
  }
}
