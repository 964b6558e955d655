/**
 * What the compare view sets beside the reconstruction: the original, or JPEG or WebP at the
 * same bytes as the current `.svd` file (the measurements' equal-bytes answers), decoded — so a
 * person sees each codec's artefacts at the same size, with the split handle, zoom and pan. The
 * decoded file goes from the analysis worker to the preview worker (showCodec → setReference,
 * over a port between them: not through this thread) when the answer changes; a coarse answer
 * is shown until the exact one replaces it.
 */
import { untrack } from 'svelte';
import { isAbortError } from '../bridge/worker-bridge.js';
import type { CodecPoint, LossyFormat } from '../workers/analysis/equal-bytes.js';
import type { Measurements } from './measurements.svelte.js';
import type { Studio } from './studio.svelte.js';

export type CompareWith = 'original' | LossyFormat;

export interface ShownReference extends CodecPoint {
  documentId: number;
  /** The coarse answer (refining). */
  coarse: boolean;
}

export class Comparison {
  readonly #studio: Studio;
  readonly #measurements: Measurements;
  #controller: AbortController | null = null;
  #wanted = '';

  /** The compare view's other side. */
  with = $state<CompareWith>('original');
  /** The reference in the preview worker now (null: the original is shown). */
  shown = $state.raw<ShownReference | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Bumped when the preview worker's reference changes (the viewer asks for it again). */
  version = $state(0);

  constructor(studio: Studio, measurements: Measurements) {
    this.#studio = studio;
    this.#measurements = measurements;
    $effect.root(() => {
      $effect(() => {
        const format = this.with;
        const doc = this.#studio.document;
        const result = format === 'jpeg' ? this.#measurements.jpeg : format === 'webp' ? this.#measurements.webp : null;
        const best = result?.best ?? result?.smallest ?? null;
        // What is shown is read untracked: this effect writes it, and must not run again because it did.
        const current = untrack(() => this.shown);
        if (!doc || !result || !best) {
          if (current && (format === 'original' || current.documentId !== doc?.id || current.format !== format))
            untrack(() => void this.#clear());
          return;
        }
        const shown = {
          ...best,
          documentId: doc.id,
          coarse: result.coarse,
        };
        const key = `${doc.id}:${best.format}:${best.quality}`;
        if (key === this.#wanted) {
          // Same file: only what is known about it changed (SSIM, the step, coarse → exact).
          if (current && `${current.documentId}:${current.format}:${current.quality}` === key) this.shown = shown;
          return;
        }
        this.#wanted = key;
        untrack(() => void this.#load(doc.id, best.format, best.quality, shown));
      });
    });
  }

  async #load(documentId: number, format: LossyFormat, quality: number, shown: ShownReference): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.loading = true;
    this.error = null;
    try {
      // The decoded file goes from the analysis worker to the preview worker, not through this thread.
      await this.#studio.analysis.call(
        async (api) => api.showCodec(documentId, format, quality, await this.#studio.previewLink()),
        controller.signal,
      );
      if (controller.signal.aborted || this.#studio.document?.id !== documentId) return;
      this.shown = shown;
      this.version++;
    } catch (error) {
      if (!isAbortError(error)) this.error = `The ${format === 'jpeg' ? 'JPEG' : 'WebP'} could not be shown: ${(error as Error).message}`;
    } finally {
      if (this.#controller === controller) {
        this.#controller = null;
        this.loading = false;
      }
    }
  }

  async #clear(): Promise<void> {
    this.#controller?.abort();
    this.#wanted = '';
    const shown = this.shown;
    this.shown = null;
    this.version++;
    if (shown) await this.#studio.preview.call((api) => api.setReference(shown.documentId, null)).catch(() => {});
  }
}
