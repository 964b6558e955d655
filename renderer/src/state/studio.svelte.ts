/**
 * The studio's document state: which image is open, its decomposition as it arrives, the rank,
 * and the instant metrics. Opening decodes in a worker (the current image stays until the new
 * one decoded); the pixels then go to the engine worker by transfer (no copy on this thread),
 * which decomposes them stage by stage and feeds the preview and analysis workers directly;
 * this thread gets progress and spectra. Every callback checks the document id, so late
 * results of old work never reach the screen.
 */
import * as Comlink from 'comlink';
import {
  DEFAULT_STAGES,
  MAX_IMAGE_PIXELS,
  WORKING_PIXEL_LIMIT,
  colorChannelCount,
  fitWithin,
  hasAlpha,
  normalizeStages,
  peakValue,
  stagesForRank,
  type InputImageFormat,
  type PixelImage,
} from '../../../core/index.js';
import type { Host, OpenedImage, OpenSource } from '../host/host.js';
import { WorkerBridge, isAbortError } from '../bridge/worker-bridge.js';
import { peerWorker } from '../bridge/peer-worker.js';
import { instantMetrics, spectrumOf, type ChannelSpectrum } from '../shared/spectrum.js';
import { formatBytes, megapixels } from '../shared/format.js';
import type { AnalysisWorkerApi } from '../workers/analysis/analysis.worker.js';
import type { EngineWorkerApi, StageReport } from '../workers/engine/engine.worker.js';
import type { PreviewWorkerApi } from '../workers/preview/preview.worker.js';
import { Settings } from './settings.svelte.js';

export type ViewerState = 'empty' | 'decomposing' | 'preview' | 'ready';

export interface DocumentInfo {
  id: number;
  name: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: 8 | 16;
  fileBytes: number;
  /** The format of the file opened. */
  inputFormat: InputImageFormat | 'svd';
  /** Opened from a .svd file: the rank it stores. */
  storedRank: number | null;
  /** Shrunk from this size to fit the working limit. */
  reducedFrom: { width: number; height: number } | null;
}

export interface Progress {
  fraction: number;
  label: string;
}

export interface LargeImageOffer {
  name: string;
  width: number;
  height: number;
  reducedWidth: number;
  reducedHeight: number;
}

let nextDocumentId = 1;

export class Studio {
  readonly host: Host;
  readonly settings = new Settings();
  readonly engine = new WorkerBridge<EngineWorkerApi>(
    () => new Worker(new URL('../workers/engine/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' }),
    undefined,
    'engine',
  );
  readonly preview = peerWorker<PreviewWorkerApi>(
    'preview',
    () => new Worker(new URL('../workers/preview/preview.worker.ts', import.meta.url), { type: 'module', name: 'preview' }),
    this.engine,
  );
  readonly analysis = peerWorker<AnalysisWorkerApi>(
    'analysis',
    () => new Worker(new URL('../workers/analysis/analysis.worker.ts', import.meta.url), { type: 'module', name: 'analysis' }),
    this.engine,
  );

  document = $state.raw<DocumentInfo | null>(null);
  computing = $state(false);
  opening = $state<string | null>(null);
  spectra = $state.raw<ChannelSpectrum[]>([]);
  /** The computed rank of each colour channel: how many components it has so far. */
  readonly computedRanks = $derived(this.spectra.map((spectrum) => spectrum.rank));
  /** The rank this document's decomposition ends at: the working rank (at most the image's short side), or a .svd file's stored rank. */
  decompositionRank = $state(0);
  progress = $state.raw<Progress | null>(null);
  /** The decomposition was stopped before its last stage. */
  stopped = $state(false);
  /** The rank (k) shown: the slider's value, one for every channel; the first stage's rank to begin with. */
  rank = $state(DEFAULT_STAGES[0]);
  /** Ranks the person set per channel (advanced); null = every channel at `rank`. */
  perChannelRanks = $state.raw<number[] | null>(null);
  error = $state<string | null>(null);
  largeOffer = $state.raw<LargeImageOffer | null>(null);
  /** Bumped whenever the factors in the workers change (the viewer re-renders, metrics re-measure). */
  factorsVersion = $state(0);

  /** The slider's limit: the smallest computed rank over the channels. */
  readonly computedRank = $derived(this.computedRanks.length ? Math.min(...this.computedRanks) : 0);
  readonly ranks = $derived(this.#effectiveRanks());
  /** The rank when every channel has the same one, else null (per-channel ranks). */
  readonly uniformRank = $derived(this.ranks.length && this.ranks.every((k) => k === this.ranks[0]) ? this.ranks[0] : null);
  /** The ranks as people read them: "32", or "32 / 40 / 64" per channel; '' before any. */
  readonly rankText = $derived(this.uniformRank !== null ? String(this.uniformRank) : this.ranks.join(' / '));
  readonly instant = $derived(
    this.spectra.length && this.document ? instantMetrics(this.spectra, this.ranks, peakValue(this.document.bitDepth)) : null,
  );
  readonly viewerState = $derived<ViewerState>(
    !this.document
      ? 'empty'
      : this.computedRank === 0
        ? this.computing
          ? 'decomposing'
          : 'empty'
        : this.computing || this.stopped
          ? 'preview'
          : 'ready',
  );

  #openController: AbortController | null = null;
  #decomposeController: AbortController | null = null;
  #pendingLarge: OpenedImage | null = null;
  /** Event timestamps of rank changes not yet on screen (performance.measure('rank-preview')). */
  rankEventTimes: number[] = [];

  constructor(host: Host) {
    this.host = host;
    // Start the workers now (module load, WebAssembly compile), not when the first photo is chosen.
    void this.preview.remote();
    void this.analysis.remote();
    void this.engine.call((engine) => engine.warm());
  }

  #effectiveRanks(): number[] {
    const available = this.computedRanks;
    if (available.length === 0) return [];
    const per = this.perChannelRanks;
    return available.map((limit, c) => Math.max(1, Math.min(limit, per ? (per[c] ?? this.rank) : this.rank)));
  }

  setRank(k: number, eventTime?: number): void {
    const limit = Math.max(1, this.computedRank);
    const next = Math.max(1, Math.min(limit, Math.round(k)));
    if (!Number.isFinite(next)) return;
    if (next === this.rank && !this.perChannelRanks) return;
    if (eventTime !== undefined) this.rankEventTimes.push(eventTime);
    this.rank = next;
    this.perChannelRanks = null;
  }

  setChannelRank(channel: number, k: number, eventTime?: number): void {
    const base = this.perChannelRanks ?? this.computedRanks.map(() => this.rank);
    const next = base.slice();
    next[channel] = Math.max(1, Math.min(this.computedRanks[channel] ?? 1, Math.round(k)));
    if (eventTime !== undefined) this.rankEventTimes.push(eventTime);
    this.perChannelRanks = next;
  }

  /** Opens a file or sample. The current image stays until the new one has decoded; errors go to the banner. */
  async open(source: OpenSource): Promise<void> {
    this.#openController?.abort();
    const controller = new AbortController();
    this.#openController = controller;
    this.declineReducedSize();
    const name = source.kind === 'file' ? source.file.name : source.kind === 'dialog' ? 'the chosen file' : source.name;
    this.opening = source.kind === 'dialog' ? null : name;
    this.error = null;
    performance.mark('studio:open');
    try {
      const opened = await this.host.openImage(source, { maxPixels: MAX_IMAGE_PIXELS, signal: controller.signal });
      performance.mark('studio:decoded');
      // Cancelled in the host's dialog: nothing changes.
      if (controller.signal.aborted || opened === null) return;
      if (!opened.svd && opened.width * opened.height > WORKING_PIXEL_LIMIT) {
        const reduced = fitWithin(opened.width, opened.height, WORKING_PIXEL_LIMIT);
        this.#pendingLarge = opened;
        this.largeOffer = {
          name: opened.name,
          width: opened.width,
          height: opened.height,
          reducedWidth: reduced.width,
          reducedHeight: reduced.height,
        };
        return;
      }
      await this.#start(opened, null, controller.signal);
    } catch (error) {
      if (!controller.signal.aborted) this.error = messageOf(error, name);
    } finally {
      if (this.#openController === controller) {
        this.#openController = null;
        this.opening = null;
      }
    }
  }

  /** The person accepted to continue a too-large photo at the reduced size. */
  async acceptReducedSize(): Promise<void> {
    const opened = this.#pendingLarge;
    const offer = this.largeOffer;
    this.#pendingLarge = null;
    this.largeOffer = null;
    if (!opened || !offer) return;
    // Like open(): a newer open or Cancel supersedes it.
    this.#openController?.abort();
    const controller = new AbortController();
    this.#openController = controller;
    this.opening = opened.name;
    try {
      const image = await this.host.downscale(opened, offer.reducedWidth, offer.reducedHeight);
      if (controller.signal.aborted) return;
      performance.mark('studio:decoded');
      await this.#start({ ...opened, ...image }, { width: opened.width, height: opened.height }, controller.signal);
    } catch (error) {
      if (!controller.signal.aborted) this.error = messageOf(error, opened.name);
    } finally {
      if (this.#openController === controller) {
        this.#openController = null;
        this.opening = null;
      }
    }
  }

  declineReducedSize(): void {
    if (!this.largeOffer) return;
    this.#pendingLarge = null;
    this.largeOffer = null;
  }

  async #start(opened: OpenedImage, reducedFrom: DocumentInfo['reducedFrom'], signal: AbortSignal): Promise<void> {
    this.#decomposeController?.abort();
    this.#decomposeController = null;
    this.computing = false;
    const id = nextDocumentId++;
    this.document = {
      id,
      name: opened.name,
      width: opened.width,
      height: opened.height,
      channels: opened.channels,
      bitDepth: opened.bitDepth,
      fileBytes: opened.fileBytes,
      inputFormat: opened.inputFormat,
      storedRank: opened.svd ? Math.max(...opened.svd.header.lowRank.map((entry) => entry.rank)) : null,
      reducedFrom,
    };
    this.spectra = [];
    this.perChannelRanks = null;
    this.stopped = false;
    this.progress = null;
    this.rankEventTimes = [];
    this.#staged = { id, spectra: new Array(colorChannelCount(opened.channels)).fill(null) };
    // The pixels (and a .svd file's factors) move to the engine worker: transferred, not copied.
    const image: PixelImage = {
      width: opened.width,
      height: opened.height,
      channels: opened.channels,
      bitDepth: opened.bitDepth,
      pixels: opened.pixels,
    };
    const svds = opened.svd?.svds;
    const buffers = [
      image.pixels.buffer as ArrayBuffer,
      ...(svds ?? []).flatMap((svd) => [svd.u.data.buffer, svd.v.data.buffer, svd.sigma.buffer] as ArrayBuffer[]),
    ];
    const loading = this.engine.call((engine) => engine.load(id, Comlink.transfer(image, buffers), svds));
    if (!svds && !signal.aborted) {
      // Asked at once, so the engine starts the decomposition before it copies the image around.
      this.rank = DEFAULT_STAGES[0];
      void this.decompose();
    }
    const reports = await loading;
    if (this.document?.id !== id) return;
    // The viewer can show the original now (the preview worker waits for the image if it is still on its way).
    this.factorsVersion++;
    if (signal.aborted) {
      // Cancelled while the image was being handed over: keep it, stop any decomposition.
      if (!svds) this.cancel();
      return;
    }
    if (svds) {
      this.decompositionRank = Math.max(...reports.map((entry) => entry.rank));
      this.rank = this.decompositionRank;
      reports.forEach((entry) => this.#acceptStage(id, entry));
      return;
    }
  }

  /** Runs (or resumes) the decomposition of the open image at the working rank. */
  async decompose(): Promise<void> {
    const doc = this.document;
    if (!doc || doc.storedRank !== null) return;
    // Resuming (or raising the working rank) computes only the stages above what is on screen.
    const stages = normalizeStages(stagesForRank(this.settings.workingRank), doc.height, doc.width).filter(
      (rank) => rank > this.computedRank,
    );
    this.#decomposeController?.abort();
    this.#decomposeController = null;
    if (stages.length === 0) {
      // Already there (the working rank was lowered): nothing to compute.
      this.computing = false;
      this.progress = null;
      this.stopped = false;
      return;
    }
    const controller = new AbortController();
    this.#decomposeController = controller;
    const id = doc.id;
    this.decompositionRank = stages[stages.length - 1];
    this.computing = true;
    this.stopped = false;
    const channels = colorChannelCount(doc.channels);
    const completed = new Array<number>(channels).fill(-1);
    const label = () => {
      const next = Math.min(...completed) + 1;
      return next === 0 ? `Computing the rank-${stages[0]} preview` : `Refining to rank ${stages[Math.min(next, stages.length - 1)]}`;
    };
    this.progress = { fraction: 0, label: label() };
    const live = () => this.document?.id === id && !controller.signal.aborted;
    const onProgress = (fraction: number) => {
      if (live()) this.progress = { fraction, label: label() };
    };
    const onStage = (entry: StageReport) => {
      if (!live()) return;
      performance.mark(`studio:stage-${entry.stage}-channel-${entry.channel}`);
      completed[entry.channel] = entry.stage;
      this.#acceptStage(id, entry);
      if (this.progress) this.progress = { fraction: this.progress.fraction, label: label() };
    };
    const onAbort = () => void this.engine.call((engine) => engine.cancel());
    controller.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.engine.call((engine) => engine.decompose(id, stages, Comlink.proxy(onProgress), Comlink.proxy(onStage)));
    } catch (error) {
      if (!isAbortError(error) && live()) {
        this.error = `The decomposition of "${doc.name}" failed: ${(error as Error).message}`;
        this.stopped = true;
      }
    } finally {
      controller.signal.removeEventListener('abort', onAbort);
      if (this.#decomposeController === controller) {
        this.#decomposeController = null;
        if (this.document?.id === id) {
          this.computing = false;
          this.progress = null;
        }
      }
    }
  }

  /** Closes the document (File ▸ Close): work stops, the welcome screen returns. */
  close(): void {
    this.cancel();
    this.declineReducedSize();
    this.document = null;
    this.spectra = [];
    this.perChannelRanks = null;
    this.stopped = false;
    this.error = null;
    this.#staged = { id: -1, spectra: [] };
  }

  /** Stops the decomposition; what is computed so far stays usable. */
  cancel(): void {
    if (this.#openController) {
      this.#openController.abort();
      this.#openController = null;
      this.opening = null;
    }
    if (this.#decomposeController) {
      this.#decomposeController.abort();
      this.#decomposeController = null;
      this.computing = false;
      this.progress = null;
      this.stopped = true;
    }
  }

  #staged: { id: number; spectra: (ChannelSpectrum | null)[] } = { id: -1, spectra: [] };

  /** A stage of a channel is in the preview worker: show it once every channel has some. */
  #acceptStage(id: number, entry: StageReport): void {
    const staged = this.#staged;
    if (staged.id !== id) return;
    staged.spectra[entry.channel] = spectrumOf(entry);
    if (staged.spectra.every(Boolean)) {
      this.spectra = staged.spectra.slice() as ChannelSpectrum[];
    }
    this.factorsVersion++;
  }

  /** A short description of the open document for the status line. */
  get summary(): string {
    const doc = this.document;
    if (!doc) return '';
    const parts = [
      `${doc.width} × ${doc.height}`,
      megapixels(doc.width, doc.height),
      colorChannelCount(doc.channels) === 3 ? 'RGB' : 'gray',
    ];
    if (hasAlpha(doc.channels)) parts.push('alpha');
    parts.push(`${doc.bitDepth}-bit`, formatBytes(doc.fileBytes));
    return parts.join(' · ');
  }
}

export function messageOf(error: unknown, name: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.includes(name) ? message : `"${name}" could not be opened: ${message}`;
}
