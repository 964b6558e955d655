/**
 * The studio's document state: which image is open, the coding it is looked at in (model and
 * colour space: shared/coding.ts), each coding's decomposition as it arrives, the rank, and the
 * instant metrics. Opening decodes in a worker (the current image stays until the new one
 * decoded); the pixels then go to the engine worker by transfer (no copy on this thread), which
 * decomposes them stage by stage and feeds the preview and analysis workers directly; this
 * thread gets progress and spectra. Every callback checks the document id, so late results of
 * old work never reach the screen.
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
  type SvdTarget,
} from '../../../core/index.js';
import type { Host, OpenedImage, OpenSource } from '../host/host.js';
import { WorkerBridge, WorkerStoppedError, isAbortError } from '../bridge/worker-bridge.js';
import { peerWorker, reattachPeers } from '../bridge/peer-worker.js';
import { instantMetrics, spectrumOf, type ChannelSpectrum } from '../shared/spectrum.js';
import {
  WHOLE_RGB,
  codingFor,
  codingKey,
  codingLayout,
  parseCodingKey,
  planeLabels,
  planeNames,
  sameCoding,
  type Coding,
  type StoredFile,
} from '../shared/coding.js';
import { formatBytes, megapixels } from '../shared/format.js';
import { movable } from '../shared/shared-memory.js';
import { decodeSpan } from '../shared/timeline.js';
import type { AnalysisWorkerApi } from '../workers/analysis/analysis.worker.js';
import type { EngineWorkerApi, StageReport } from '../workers/engine/engine.worker.js';
import type { DecodeSize } from '../workers/image-codec/image-codecs.js';
import type { PreviewWorkerApi } from '../workers/preview/preview.worker.js';
import type { ViewRequest } from '../workers/preview/protocol.js';
import type { RenderedView } from '../workers/preview/rendered-view.js';
import { IdleWork } from './idle-work.js';
import { Settings } from './settings.svelte.js';
import type { StudioViewMode } from '../shared/view-modes.js';

export type ViewerState = 'empty' | 'decomposing' | 'preview' | 'ready';

export interface DocumentInfo {
  id: number;
  name: string;
  width: number;
  height: number;
  channels: PixelImage['channels'];
  bitDepth: 8 | 16;
  fileBytes: number;
  /** The format of the file opened. */
  inputFormat: InputImageFormat | 'svd';
  /** Opened from a .svd file: the rank it stores (the largest of its planes'). */
  storedRank: number | null;
  /** Opened from a .svd file: the coding its planes are in. */
  storedCoding: Coding | null;
  /** Shrunk from this size to fit the working limit. */
  reducedFrom: { width: number; height: number } | null;
}

/** One coding's decomposition as the main thread knows it: spectra (and patch bases), not vectors. */
export interface CodingDecomposition {
  /** Per plane, the latest stage's spectrum (null before its first). */
  staged: (ChannelSpectrum | null)[];
  /** The spectra once every plane has one (else the last complete set, or none). */
  spectra: ChannelSpectrum[];
  /** Patch model: each plane's basis patches (V, p² × rank). */
  basis: Float32Array[];
  /** Every stage is done. */
  complete: boolean;
  /** The highest stage rank asked for and delivered (a plane may have fewer components: the ones left are zero). */
  reached: number;
  /** Squared error half-resolution chroma adds before any truncation (summed over R, G, B); 0 until measured. */
  floor: number;
}

/** Where the patch model's slider starts: a rank that shows both what patches keep and what they lose. */
export const DEFAULT_PATCH_RANK = 12;

export type TargetMode = 'rank' | 'psnr' | 'bytes';

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
/**
 * After the next frame has been drawn (a task after its animation frame); on a hidden page, which
 * draws no frames, or without frames at all, after the current task. A visible page's frame may
 * be held back (a throttled page): after 300 ms it goes ahead anyway, whichever comes first.
 */
function afterNextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const hidden = typeof document === 'undefined' || document.visibilityState === 'hidden';
    if (hidden || typeof requestAnimationFrame !== 'function') {
      setTimeout(resolve, 0);
      return;
    }
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 300);
  });
}

/** Numbers photos the engine prepares for while they decode (engine.prepareFor, engine.unprepare). */
let nextPreparationId = 1;

/**
 * How long the analysis worker stays after its last call. Measuring a 12 MP photo leaves memory
 * in it: the kernels' WebAssembly memory (which never shrinks) after encoding and decoding its
 * `.svd` files, SSIM's planes until collected, the decoded JPEG or WebP kept for the compare view
 * (its codecs run in workers of their own, ended after each call). A fresh worker is sent the
 * image and factors again and rebuilds its caches: on the 12 MP photo the next exact size came
 * 0.5–1.2 s later than from a running one.
 */
export const ANALYSIS_IDLE_MS = 5000;
/** How long after the analysis worker's idle end the SVD workers are warmed for the next photo (Studio's IdleWork). */
const WARM_AFTER_IDLE_MS = 1000;

export class Studio {
  readonly host: Host;
  readonly settings = new Settings();
  readonly engine: WorkerBridge<EngineWorkerApi> = new WorkerBridge<EngineWorkerApi>(
    () => new Worker(new URL('../workers/engine/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' }),
    { onStart: (engine) => this.#engineStarted(engine), name: 'engine' },
  );
  readonly preview = peerWorker<PreviewWorkerApi, EngineWorkerApi>(
    'preview',
    () => new Worker(new URL('../workers/preview/preview.worker.ts', import.meta.url), { type: 'module', name: 'preview' }),
    this.engine,
  );
  /** Ended when idle (ANALYSIS_IDLE_MS): what measuring a 12 MP photo leaves in it is tens to hundreds of MB. */
  readonly analysis = peerWorker<AnalysisWorkerApi, EngineWorkerApi>(
    'analysis',
    () => new Worker(new URL('../workers/analysis/analysis.worker.ts', import.meta.url), { type: 'module', name: 'analysis' }),
    this.engine,
    ANALYSIS_IDLE_MS,
  );

  document = $state.raw<DocumentInfo | null>(null);
  computing = $state(false);
  opening = $state<string | null>(null);
  /** The coding the window shows (model and colour space); every photo opens on the whole image in RGB. */
  coding = $state.raw<Coding>(WHOLE_RGB);
  /** Each coding's decomposition so far (by codingKey), for the open document. */
  decompositions = $state.raw<Record<string, CodingDecomposition>>({});
  /** The current coding's planes, as the open image has them. */
  readonly layout = $derived(this.document ? codingLayout(this.document, this.coding) : null);
  readonly planeNames = $derived(this.layout ? planeNames(this.layout) : []);
  readonly planeLabels = $derived(this.layout ? planeLabels(this.layout) : []);
  /** The current coding's spectra, once every plane has one. */
  readonly spectra = $derived(this.decompositions[codingKey(this.coding)]?.spectra ?? []);
  /** The patch model's basis patches per plane (V: p² × rank), when the current coding is patches. */
  readonly basis = $derived(this.decompositions[codingKey(this.coding)]?.basis ?? []);
  /** The computed rank of each plane: how many components it has so far. */
  readonly computedRanks = $derived(this.spectra.map((spectrum) => spectrum.rank));
  /** The rank this coding's decomposition ends at: the working rank (at most the image's short side), p² for patches, or a .svd file's stored rank. */
  decompositionRank = $state(0);
  progress = $state.raw<Progress | null>(null);
  /** A decomposition the window runs for a comparison (not the one on screen), described; null when none. */
  background = $state<string | null>(null);
  /** The decomposition was stopped before its last stage. */
  stopped = $state(false);
  /** The rank (k) shown: the slider's value, one for every plane; the first stage's rank to begin with. */
  rank = $state(DEFAULT_STAGES[0]);
  /** Ranks set per plane (advanced, or chosen by a target); null = every plane at `rank`. */
  perChannelRanks = $state.raw<number[] | null>(null);
  /**
   * What the .svd file aims for: the ranks on the slider, or a PSNR or byte budget
   * (settings.targetPsnr, settings.targetBytes) for which the allocation picks the ranks. Every
   * document starts with the rank.
   */
  targetMode = $state<TargetMode>('rank');
  error = $state<string | null>(null);
  largeOffer = $state.raw<LargeImageOffer | null>(null);
  /** Bumped whenever the factors in the workers change (the viewer re-renders, metrics re-measure). */
  factorsVersion = $state(0);

  /**
   * The slider's limit. While stages arrive: the smallest computed rank over the planes (every
   * plane has that many components). Once the decomposition is complete: the largest — a plane
   * with fewer components has run out of them (its matrix has that rank: the σ after are zero,
   * as in a synthetic image), and #effectiveRanks caps each plane at its own.
   */
  readonly computedRank = $derived(
    this.computedRanks.length === 0
      ? 0
      : this.decompositions[codingKey(this.coding)]?.complete
        ? Math.max(...this.computedRanks)
        : Math.min(...this.computedRanks),
  );
  readonly ranks = $derived(this.#effectiveRanks());
  /** The target as the encoder takes it. */
  readonly svdTarget = $derived<SvdTarget>(
    this.targetMode === 'psnr'
      ? { psnr: this.settings.targetPsnr }
      : this.targetMode === 'bytes'
        ? { maxBytes: this.settings.targetBytes }
        : { ranks: this.ranks },
  );
  /** The rank when every plane has the same one, else null (per-plane ranks). */
  readonly uniformRank = $derived(this.ranks.length && this.ranks.every((k) => k === this.ranks[0]) ? this.ranks[0] : null);
  /** The ranks as people read them: "32", or "32 / 40 / 64" per plane; '' before any. */
  readonly rankText = $derived(this.uniformRank !== null ? String(this.uniformRank) : this.ranks.join(' / '));
  readonly instant = $derived(
    this.spectra.length && this.document && this.layout
      ? instantMetrics(
          this.spectra,
          this.ranks,
          peakValue(this.document.bitDepth),
          this.layout,
          this.decompositions[codingKey(this.coding)]?.floor ?? 0,
        )
      : null,
  );
  /** The stage's mode: the setting, but the basis only with the patch model (the whole image shows the comparison instead). */
  readonly viewMode = $derived<StudioViewMode>(
    this.settings.viewMode === 'basis' && this.coding.model !== 'patch' ? 'compare' : this.settings.viewMode,
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
  #backgroundRun: { key: string; controller: AbortController; done: Promise<boolean> } | null = null;
  /** A photo above the working limit waiting for the person's answer, and what it was opened from. */
  #pendingLarge: { opened: OpenedImage; source: OpenSource } | null = null;
  /**
   * The failure the banner shows, while it shows it: its message, and the file to read again when
   * the opening failed because a worker stopped (`retrySource`); Resume takes a failed
   * decomposition's away.
   */
  #failure = $state.raw<{ message: string; source: OpenSource | null } | null>(null);
  /** The rank the person last had in each coding, restored when they switch back. */
  #savedRanks = new Map<string, { rank: number; perChannel: number[] | null }>();
  /** Event timestamps of rank changes not yet on screen (performance.measure('rank-preview')). */
  rankEventTimes: number[] = [];
  /** The open document's 'first-preview' measure still to record: its id and start. */
  #firstPreview: { id: number; start: number } | null = null;
  /** A document whose first stage the engine holds its later stages for until it is painted (livePainted). */
  #shownPending: number | null = null;
  /** #warmWorkers() has asked the engine to warm since the person last changed a control or work began (holdWarmUp). */
  #workersWarming = false;
  /**
   * Work the person waits for (beginWork) and the idle moments after it: once the analysis worker
   * has ended too (ANALYSIS_IDLE_MS after its last call) and nothing else runs for the same photo
   * (a decomposition in front or in the background, a photo opening, an analysis worker running or
   * starting), #warmWorkers(); a control change or new work holds a warm-up (#holdWorkers).
   */
  readonly #idle = new IdleWork({
    delay: ANALYSIS_IDLE_MS + WARM_AFTER_IDLE_MS,
    key: () => this.document?.id,
    busy: () => this.computing || this.background !== null || this.opening !== null || this.analysis.starting !== null,
    onIdle: () => this.#warmWorkers(),
    onHold: () => this.#holdWorkers(),
  });

  constructor(host: Host) {
    this.host = host;
    // Start the workers now (module load, WebAssembly compile, the host's decoders), not when the
    // first photo is chosen; the 'studio:warm' mark says when that is done.
    void this.preview.remote();
    void this.analysis.remote();
    void Promise.allSettled([this.engine.call((engine) => engine.warm()), host.warm?.()]).then(() => performance.mark('studio:warm'));
  }

  /**
   * Nothing runs (a photo's decomposition, its measurements and any other work are done): the
   * engine starts and warms the SVD workers that replaced the decomposition's, for the next photo
   * (engine.warmWorkers): marks 'studio:idle-warm-up' as it asks (also when the engine finds
   * nothing to warm: a pool warmed already, or one a photo has used), and
   * 'studio:idle-warm-up-done' once they have had all their runs. An engine that is not running is
   * not started for it.
   */
  #warmWorkers(): void {
    if (!this.engine.running) return;
    this.#workersWarming = true;
    performance.mark('studio:idle-warm-up');
    void this.engine
      .call((engine) => engine.warmWorkers())
      .then((warmed) => {
        if (warmed) performance.mark('studio:idle-warm-up-done');
      })
      .catch(() => {});
  }

  /**
   * Work for the person starts (a measurement, a Learn view's task, an export): it holds the
   * warm-up (holdWarmUp) until no work runs; the last one's end starts the wait for an idle moment
   * (#idle). Returns the work's end (once; later calls do nothing).
   */
  beginWork(): () => void {
    return this.#idle.begin();
  }

  /**
   * The person changed a control: an idle moment waited for ends, and a warm-up #warmWorkers()
   * asked for starts no further run and goes on at the next idle moment, so that its runs do not
   * take the cores from the slider's previews.
   */
  holdWarmUp(): void {
    this.#idle.hold();
  }

  /** A warm-up #warmWorkers() asked for starts no further run after its current one (the engine's holdWarmUp). */
  #holdWorkers(): void {
    if (!this.#workersWarming) return;
    this.#workersWarming = false;
    if (this.engine.running) void this.engine.call((engine) => engine.holdWarmUp()).catch(() => {});
  }

  /** Engine workers started so far (the first starts with the page; any later one replaces one that stopped). */
  #engineStarts = 0;
  /** The .svd file the open document came from (a few MB at most), for an engine worker that restarts. */
  #storedFile: { id: number; file: StoredFile } | null = null;

  /**
   * A restarted engine worker (the one before stopped: an uncaught error, or killed): the peers
   * that run are connected to it, and it gets the open document again from the preview worker's
   * copies of the image and factors (and the .svd file it came from), so that Resume computes the
   * stages above what is on screen and a fresh analysis or learn worker gets the factors too.
   */
  async #engineStarted(engine: Comlink.Remote<EngineWorkerApi>): Promise<void> {
    if (this.#engineStarts++ === 0) return;
    await reattachPeers(this.engine, engine);
    const doc = this.document;
    if (!doc || !this.preview.running) return;
    await engine.restore(doc.id, this.#storedFile?.id === doc.id ? this.#storedFile.file : null);
  }

  #effectiveRanks(): number[] {
    const available = this.computedRanks;
    if (available.length === 0) return [];
    const per = this.perChannelRanks;
    return available.map((limit, c) => Math.max(1, Math.min(limit, per ? (per[c] ?? this.rank) : this.rank)));
  }

  /** The slider: every plane at rank k (a rank set by hand ends any PSNR or size target). */
  setRank(k: number, eventTime?: number): void {
    const limit = Math.max(1, this.computedRank);
    const next = Math.max(1, Math.min(limit, Math.round(k)));
    if (!Number.isFinite(next)) return;
    this.targetMode = 'rank';
    if (next === this.rank && !this.perChannelRanks) return;
    if (eventTime !== undefined) this.rankEventTimes.push(eventTime);
    this.rank = next;
    this.perChannelRanks = null;
  }

  setChannelRank(channel: number, k: number, eventTime?: number): void {
    this.targetMode = 'rank';
    const base = this.perChannelRanks ?? this.computedRanks.map(() => this.rank);
    const next = base.slice();
    next[channel] = Math.max(1, Math.min(this.computedRanks[channel] ?? 1, Math.round(k)));
    if (eventTime !== undefined) this.rankEventTimes.push(eventTime);
    this.perChannelRanks = next;
  }

  /** Every plane's rank at once (a target's allocation); the slider shows the largest. */
  setPlaneRanks(ranks: readonly number[], eventTime?: number): void {
    const next = this.computedRanks.map((limit, p) => Math.max(1, Math.min(limit, Math.round(ranks[p] ?? 1))));
    if (next.length === 0 || next.some((k) => !Number.isFinite(k))) return;
    if (eventTime !== undefined) this.rankEventTimes.push(eventTime);
    this.rank = Math.max(...next);
    this.perChannelRanks = next.every((k) => k === next[0]) ? null : next;
  }

  /**
   * Shows the open image in another coding (model switch, colour switch). Its decomposition is
   * computed when missing (the one in progress stops; what it has stays and resumes on the way
   * back); the rank the person last had in that coding comes back.
   */
  setCoding(next: Coding): void {
    const doc = this.document;
    const coding = doc ? codingFor(doc, next) : next;
    if (sameCoding(coding, this.coding)) return;
    if (doc?.storedCoding) return;
    this.#savedRanks.set(codingKey(this.coding), { rank: this.rank, perChannel: this.perChannelRanks });
    this.coding = coding;
    const saved = this.#savedRanks.get(codingKey(coding));
    this.rank = saved?.rank ?? (coding.model === 'patch' ? DEFAULT_PATCH_RANK : DEFAULT_STAGES[0]);
    this.perChannelRanks = saved?.perChannel ?? null;
    this.stopped = false;
    this.factorsVersion++;
    if (doc) void this.decompose();
  }

  /**
   * Opens a file or sample. The current image stays until the new one has decoded; errors go to
   * the banner. `chosenAt`: when the person chose it (the input, drop, paste or click event's
   * timeStamp), the start of the 'decode' and 'first-preview' measures; a host's dialog result
   * is its own start; by default, now.
   */
  async open(source: OpenSource, chosenAt?: number): Promise<void> {
    const calledAt = performance.now();
    this.#openController?.abort();
    const controller = new AbortController();
    this.#openController = controller;
    this.declineReducedSize();
    this.#failure = null;
    const name = source.kind === 'file' ? source.file.name : source.kind === 'dialog' ? 'the chosen file' : source.name;
    this.opening = source.kind === 'dialog' ? null : name;
    this.error = null;
    performance.mark('studio:open');
    // The SVD workers replaced after the last decomposition start while this file decodes (if
    // the studio was not idle long enough for warmWorkers to start them).
    void this.engine.call((engine) => engine.startWorkers()).catch(() => {});
    // This photo's number if the engine prepares for it (see #prepareFor; a size announced once
    // the decoding has ended is too late), and whether it was loaded.
    let preparing: number | null = null;
    let decoded = false;
    let loaded = false;
    try {
      const opened = await this.host
        .openImage(source, {
          maxPixels: MAX_IMAGE_PIXELS,
          // A photo decomposed as it is comes with its colour planes (not one offered at a reduced size).
          planesUpTo: WORKING_PIXEL_LIMIT,
          signal: controller.signal,
          onSize: (size) => {
            if (!decoded && !controller.signal.aborted && preparing === null) preparing = this.#prepareFor(size);
          },
        })
        .finally(() => (decoded = true));
      const arrived = performance.mark('studio:decoded').startTime;
      // Cancelled in the host's dialog: nothing changes.
      if (controller.signal.aborted || opened === null) return;
      // The host's moments come from another clock (the desktop's main process, or a worker's):
      // decodeSpan keeps them within what this page saw.
      const { start, end } = decodeSpan({
        calledAt,
        arrived,
        chosenAt,
        hostChosenAt: opened.timing?.chosenAt,
        hostDecodedAt: opened.timing?.decodedAt,
      });
      performance.measure('decode', { start, end });
      if (!opened.svd && opened.width * opened.height > WORKING_PIXEL_LIMIT) {
        const reduced = fitWithin(opened.width, opened.height, WORKING_PIXEL_LIMIT);
        this.#pendingLarge = { opened, source };
        this.largeOffer = {
          name: opened.name,
          width: opened.width,
          height: opened.height,
          reducedWidth: reduced.width,
          reducedHeight: reduced.height,
        };
        return;
      }
      loaded = true;
      await this.#start(opened, null, controller.signal, start);
    } catch (error) {
      if (!controller.signal.aborted) this.#openFailed(error, name, source);
    } finally {
      // Cancelled, failed or too large: what the engine prepared goes.
      const prepared = preparing;
      if (prepared !== null && !loaded) void this.engine.call((engine) => engine.unprepare(prepared)).catch(() => {});
      if (this.#openController === controller) {
        this.#openController = null;
        this.opening = null;
      }
    }
  }

  /**
   * A photo's header gave its size while it decodes: the engine prepares its first jobs meanwhile
   * (engine.prepareFor), for 8-bit samples (a 16-bit photo's would take twice the memory and
   * more) and a photo it will decompose as it is (within the working limit). The number it is
   * prepared under (for engine.unprepare), or null.
   */
  #prepareFor(size: DecodeSize): number | null {
    const { width, height, bitDepth } = size;
    if (bitDepth !== 8 || width * height > WORKING_PIXEL_LIMIT) return null;
    const id = nextPreparationId++;
    const rank = this.#progressiveStages(width, height)[0];
    const planes = size.planes ?? false;
    void this.engine.call((engine) => engine.prepareFor({ id, width, height, rank, planes })).catch(() => {});
    return id;
  }

  /** The person accepted to continue a too-large photo at the reduced size. */
  acceptReducedSize(): Promise<void> {
    return this.#acceptLarge(true);
  }

  /**
   * The person chose the full size of a photo above the working limit: it is decomposed as it is.
   * Memory may run out on the way; that ends as any failed decomposition does (a message, Resume),
   * the message saying the page ran out of memory and suggesting the reduced size.
   */
  openFullSize(): Promise<void> {
    return this.#acceptLarge(false);
  }

  async #acceptLarge(reduce: boolean): Promise<void> {
    const accepted = performance.now();
    const pending = this.#pendingLarge;
    const offer = this.largeOffer;
    this.#pendingLarge = null;
    this.largeOffer = null;
    if (!pending || !offer) return;
    const { opened, source } = pending;
    // Like open(): a newer open or Cancel supersedes it.
    this.#openController?.abort();
    const controller = new AbortController();
    this.#openController = controller;
    this.opening = opened.name;
    try {
      // Measured from the person's answer: the time the offer waited is theirs.
      if (!reduce) {
        await this.#start(opened, null, controller.signal, accepted);
        return;
      }
      const image = await this.host.downscale(opened, offer.reducedWidth, offer.reducedHeight);
      if (controller.signal.aborted) return;
      performance.mark('studio:decoded');
      await this.#start({ ...opened, ...image }, { width: opened.width, height: opened.height }, controller.signal, accepted);
    } catch (error) {
      if (!controller.signal.aborted) this.#openFailed(error, opened.name, source);
    } finally {
      if (this.#openController === controller) {
        this.#openController = null;
        this.opening = null;
      }
    }
  }

  /**
   * Renders a view in the preview worker. `spare`: an earlier picture's bytes the viewer has put
   * on its canvas, given back (transferred) for the worker to write this picture into.
   */
  renderView(request: ViewRequest, spare: ArrayBuffer | null): Promise<RenderedView> {
    // A call repeated on a restarted worker finds the spare transferred already (detached: no bytes).
    return this.preview.call((api) => api.render(spare?.byteLength ? Comlink.transfer({ ...request, spare }, [spare]) : request));
  }

  /**
   * A port to the preview worker for one call of the analysis worker (showSaved, showCodec):
   * the pictures it decodes go there directly, not through this thread. Made per call, so a
   * restarted worker on either side never holds a dead one.
   */
  async previewLink(): Promise<MessagePort> {
    const channel = new MessageChannel();
    await this.preview.call((api) => api.linkAnalysis(Comlink.transfer(channel.port1, [channel.port1])));
    return Comlink.transfer(channel.port2, [channel.port2]);
  }

  /**
   * The start of document `id`'s 'first-preview' measure, once: the viewer asks when it has
   * painted a reconstruction from the decomposition (or a .svd file's factors), and records the
   * measure in the animation frame after.
   */
  takeFirstPreviewStart(id: number): number | null {
    const pending = this.#firstPreview;
    if (!pending || pending.id !== id) return null;
    this.#firstPreview = null;
    return pending.start;
  }

  /** The viewer painted a reconstruction of document `id` (see #shownPending). */
  livePainted(id: number): void {
    if (this.#shownPending !== id) return;
    this.#shownPending = null;
    void this.engine.call((engine) => engine.shown(id));
  }

  /**
   * The file to open again when the last opening failed because a worker stopped (the banner's
   * Retry); null while the banner shows anything else.
   */
  get retrySource(): OpenSource | null {
    const failure = this.#failure;
    return failure && this.error === failure.message ? failure.source : null;
  }

  #openFailed(error: unknown, name: string, source: OpenSource | null): void {
    const message = messageOf(error, name);
    this.error = message;
    // A file or sample is read again; what a host's dialog chose is chosen again there.
    const again = error instanceof WorkerStoppedError && (source?.kind === 'file' || source?.kind === 'url');
    this.#failure = { message, source: again ? source : null };
  }

  declineReducedSize(): void {
    if (!this.largeOffer) return;
    this.#pendingLarge = null;
    this.largeOffer = null;
  }

  /** `chosenAt`: the start of the new document's 'first-preview' measure. */
  async #start(opened: OpenedImage, reducedFrom: DocumentInfo['reducedFrom'], signal: AbortSignal, chosenAt: number): Promise<void> {
    this.#decomposeController?.abort();
    this.#decomposeController = null;
    this.#stopBackground();
    this.computing = false;
    const id = nextDocumentId++;
    this.#firstPreview = { id, start: chosenAt };
    const stored = opened.svd ?? null;
    const coding = stored ? stored.coding : WHOLE_RGB;
    this.document = {
      id,
      name: opened.name,
      width: opened.width,
      height: opened.height,
      channels: opened.channels,
      bitDepth: opened.bitDepth,
      fileBytes: opened.fileBytes,
      inputFormat: opened.inputFormat,
      storedRank: stored ? Math.max(...stored.svds.map((svd) => svd.rank)) : null,
      storedCoding: stored ? coding : null,
      reducedFrom,
    };
    this.coding = codingFor(opened, coding);
    this.targetMode = 'rank';
    this.decompositions = {};
    this.#savedRanks.clear();
    this.perChannelRanks = null;
    this.stopped = false;
    this.progress = null;
    this.rankEventTimes = [];
    // The pixels (and a .svd file's factors) move to the engine worker: transferred (or shared), not copied.
    const image: PixelImage = {
      width: opened.width,
      height: opened.height,
      channels: opened.channels,
      bitDepth: opened.bitDepth,
      pixels: opened.pixels,
    };
    const svds = stored?.svds;
    // A photo's colour planes (made with its pixels, only for one within planesUpTo) go along for its first decomposition, moved too.
    const planes = opened.planes;
    const buffers = [
      ...movable(image.pixels, ...(planes ?? [])),
      ...(svds ?? []).flatMap((svd) => [svd.u.data.buffer, svd.v.data.buffer, svd.sigma.buffer] as ArrayBuffer[]),
    ];
    const file: StoredFile | null = stored ? { bytes: stored.bytes, version: stored.version, coding: stored.coding } : null;
    this.#storedFile = file ? { id, file } : null;
    const loading = this.engine.call((engine) =>
      engine.load(id, Comlink.transfer(image, buffers), file && stored ? { file, svds: stored.svds } : undefined, planes),
    );
    if (!stored && !signal.aborted) {
      // Asked at once (the engine gets it once the next frame is drawn: decompose()), so it starts
      // the decomposition before it copies the image around.
      this.rank = DEFAULT_STAGES[0];
      void this.decompose();
    }
    const reports = await loading;
    if (this.document?.id !== id) return;
    // The viewer can show the original now (the preview worker waits for the image if it is still on its way).
    this.factorsVersion++;
    if (signal.aborted) {
      // Cancelled while the image was being handed over: keep it, stop any decomposition.
      if (!stored) this.cancel();
      return;
    }
    if (stored) {
      this.decompositionRank = Math.max(...reports.map((entry) => entry.rank));
      reports.forEach((entry) => this.#acceptStage(id, entry));
      // A file's planes are complete as stored (one may keep fewer components than another).
      const key = codingKey(stored.coding);
      const current = this.decompositions[key];
      if (current) this.decompositions = { ...this.decompositions, [key]: { ...current, complete: true, reached: this.decompositionRank } };
      this.setPlaneRanks(reports.map((entry) => entry.rank));
    }
  }

  /** The stages a coding's decomposition runs: the progressive stages up to the working rank, or all p² patch components at once. */
  #stagesFor(coding: Coding): number[] {
    const doc = this.document!;
    const layout = codingLayout(doc, coding);
    if (coding.model === 'patch') return [layout.planes[0].cols];
    return this.#progressiveStages(doc.width, doc.height);
  }

  /** The progressive stages up to the working rank for an image of this size. */
  #progressiveStages(width: number, height: number): number[] {
    return normalizeStages(stagesForRank(this.settings.workingRank), height, width);
  }

  /** Runs (or resumes) the decomposition of the open image in the current coding. */
  async decompose(): Promise<void> {
    const doc = this.document;
    if (!doc || doc.storedRank !== null) return;
    if (this.#failure && this.error === this.#failure.message) this.error = null;
    this.#failure = null;
    const coding = this.coding;
    const key = codingKey(coding);
    // Resuming (or raising the working rank) computes only the stages above what is on screen.
    const reached = Math.max(this.computedRank, this.decompositions[key]?.reached ?? 0);
    const stages = this.#stagesFor(coding).filter((rank) => rank > reached);
    this.#decomposeController?.abort();
    this.#decomposeController = null;
    // The screen's decomposition goes first: a comparison's (another coding) waits.
    this.#stopBackground();
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
    const planes = codingLayout(doc, coding).planes.length;
    const completed = new Array<number>(planes).fill(-1);
    const label = () => {
      const next = Math.min(...completed) + 1;
      if (coding.model === 'patch') return `Learning the ${this.decompositionRank} patches of each plane`;
      return next === 0 ? `Computing the rank-${stages[0]} preview` : `Refining to rank ${stages[Math.min(next, stages.length - 1)]}`;
    };
    this.progress = { fraction: 0, label: label() };
    // Progress reports come over their own port and may arrive after the result: none after this run ended.
    const live = () =>
      this.#decomposeController === controller && this.document?.id === id && !controller.signal.aborted && codingKey(this.coding) === key;
    const onProgress = (fraction: number) => {
      if (live()) this.progress = { fraction, label: label() };
    };
    const onStage = (entry: StageReport) => {
      if (this.document?.id !== id || controller.signal.aborted) return;
      performance.mark(`studio:stage-${entry.stage}-channel-${entry.plane}`);
      completed[entry.plane] = entry.stage;
      this.#acceptStage(id, entry);
      if (live() && this.progress) this.progress = { fraction: this.progress.fraction, label: label() };
    };
    const onAbort = () => void this.engine.call((engine) => engine.cancel());
    controller.signal.addEventListener('abort', onAbort, { once: true });
    // Nothing on screen yet: the engine lets the first stage be painted before the later ones start.
    const showsFirst = reached === 0 && stages.length > 1;
    this.#shownPending = showsFirst ? id : null;
    try {
      // A new photo's first decomposition starts once the page has drawn the studio for it (the
      // first layout of its viewer and panels): started at once, its SVD workers took the cores
      // while that frame ran, which then took up to twice as long (long tasks of 70–110 ms).
      if (showsFirst) await afterNextFrame();
      if (!live()) throw new DOMException('Replaced before it started', 'AbortError');
      await this.engine.call((engine) =>
        engine.decompose(id, coding, stages, Comlink.proxy(onProgress), Comlink.proxy(onStage), showsFirst),
      );
      if (this.document?.id === id) this.#markComplete(key, stages[stages.length - 1]);
    } catch (error) {
      // Cancelled here, or in the engine because other work replaced it: not a failure.
      const cancelled = controller.signal.aborted || isAbortError(error) || (error as Error | null)?.name === 'AbortError';
      if (!cancelled && this.document?.id === id) {
        const retry =
          doc.width * doc.height > WORKING_PIXEL_LIMIT && outOfMemory(error)
            ? 'Open it again at the reduced size, or Resume to try again'
            : 'Resume tries again';
        this.error = `The decomposition of "${doc.name}" failed: ${errorText(error)}. ${retry}.`;
        this.#failure = { message: this.error, source: null };
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

  /**
   * Makes sure another coding's decomposition exists (for a comparison: the size panel's patch
   * model, an export's sizes), without changing what is on screen. Resolves false while the
   * screen's own decomposition runs, or when it could not finish (cancelled, another document).
   * `oneWorker`: for the size panel's comparison, which nobody waits for: it runs on one SVD
   * worker, plane after plane, holding one plane's memory at a time (the engine's decompose). An
   * export in the same coding asked meanwhile waits for that run.
   */
  async ensureDecomposed(coding: Coding, oneWorker = false): Promise<boolean> {
    const doc = this.document;
    if (!doc) return false;
    const target = codingFor(doc, coding);
    const key = codingKey(target);
    if (this.decompositions[key]?.complete) return true;
    if (doc.storedCoding) return false;
    if (sameCoding(target, this.coding)) return false;
    if (this.computing) return false;
    if (this.#backgroundRun?.key === key) return this.#backgroundRun.done;
    this.#stopBackground();
    // The decomposition's workers need hundreds of MB for seconds: the analysis worker gives its
    // memory back first, if it has nothing in flight (a later call starts a fresh one).
    this.analysis.release();
    const controller = new AbortController();
    const id = doc.id;
    const stages = this.#stagesFor(target);
    this.background = `Decomposing in ${target.model === 'patch' ? 'patches' : 'the whole image'}, ${target.colorSpace === 'rgb' ? 'RGB' : 'YCbCr'}, for the comparison`;
    const done = (async () => {
      controller.signal.addEventListener('abort', () => void this.engine.call((engine) => engine.cancel()), { once: true });
      try {
        await this.engine.call((engine) =>
          engine.decompose(
            id,
            target,
            stages,
            Comlink.proxy(() => {}),
            Comlink.proxy((entry: StageReport) => {
              if (this.document?.id === id && !controller.signal.aborted) this.#acceptStage(id, entry);
            }),
            false,
            oneWorker,
          ),
        );
        if (this.document?.id !== id || controller.signal.aborted) return false;
        this.#markComplete(key, stages[stages.length - 1]);
        return true;
      } catch {
        return false;
      } finally {
        if (this.#backgroundRun?.controller === controller) {
          this.#backgroundRun = null;
          this.background = null;
        }
      }
    })();
    this.#backgroundRun = { key, controller, done };
    return done;
  }

  #stopBackground(): void {
    const run = this.#backgroundRun;
    if (!run) return;
    this.#backgroundRun = null;
    this.background = null;
    run.controller.abort();
  }

  /** The ranks this window holds for a coding's planes (the analysis worker waits for factors of these ranks). */
  heldRanks(coding: Coding): number[] {
    return (this.decompositions[codingKey(coding)]?.spectra ?? []).map((spectrum) => spectrum.rank);
  }

  /** Closes the document (File ▸ Close): work stops, the welcome screen returns. */
  close(): void {
    this.cancel();
    this.#stopBackground();
    this.declineReducedSize();
    this.document = null;
    this.#storedFile = null;
    this.decompositions = {};
    this.perChannelRanks = null;
    this.stopped = false;
    this.error = null;
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

  /** A stage of a plane is in the preview worker: show it once every plane of its coding has some. */
  #acceptStage(id: number, entry: StageReport): void {
    if (this.document?.id !== id) return;
    const current = this.decompositions[entry.coding];
    const planes = codingLayout(this.document, parseCodingKey(entry.coding)).planes.length;
    const staged = current?.staged.slice() ?? new Array<ChannelSpectrum | null>(planes).fill(null);
    const basis = current?.basis.slice() ?? [];
    staged[entry.plane] = spectrumOf(entry);
    if (entry.basis) basis[entry.plane] = entry.basis;
    const spectra = staged.every(Boolean) ? (staged as ChannelSpectrum[]) : (current?.spectra ?? []);
    this.decompositions = {
      ...this.decompositions,
      [entry.coding]: { staged, spectra, basis, complete: false, reached: current?.reached ?? 0, floor: current?.floor ?? 0 },
    };
    // Only the coding on screen re-renders and re-measures (another's arrives for a comparison).
    if (entry.coding === codingKey(this.coding)) this.factorsVersion++;
  }

  #markComplete(key: string, reached: number): void {
    const current = this.decompositions[key];
    if (!current) return;
    this.decompositions = { ...this.decompositions, [key]: { ...current, complete: true, reached: Math.max(current.reached, reached) } };
    // A photo with fewer components than the first stage's rank (a small or exactly low-rank
    // image): the rank on the slider becomes the last there is.
    if (key === codingKey(this.coding) && this.computedRank > 0 && this.rank > this.computedRank) this.rank = this.computedRank;
    // YCbCr: what half-resolution chroma costs joins the instant metrics once the engine has measured it.
    const coding = parseCodingKey(key);
    const id = this.document?.id;
    if (coding.colorSpace !== 'ycbcr' || id === undefined || current.floor > 0) return;
    void this.engine
      .call((engine) => engine.chromaFloor(id, coding))
      .then((floor) => {
        const entry = this.decompositions[key];
        if (this.document?.id === id && entry && floor > 0) this.decompositions = { ...this.decompositions, [key]: { ...entry, floor } };
      })
      .catch(() => {});
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

/**
 * What the whole browser holds per pixel at its peak while the window decomposes a photo at full
 * size (the page, its workers, the GPU process; PSS): 45 bytes measured at 64 MP (the figure
 * test/e2e/studio/huge-photo.spec.ts attaches) when every worker held its own copy of the pixels,
 * as on a plain file server; a cross-origin isolated page (shared-memory.ts) needs less. The
 * large-photo offer says what the full size needs.
 */
export const FULL_SIZE_BYTES_PER_PIXEL = 45;

export function messageOf(error: unknown, name: string): string {
  const message = errorText(error);
  return message.includes(name) ? message : `"${name}" could not be opened: ${message}`;
}

/** Whether `error` is an allocation the browser refused: V8's ArrayBuffer and Memory.grow refusals, Firefox's, the kernels' own 4 GiB check. */
export function outOfMemory(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /allocation failed|out of memory|cannot allocate|maximum memory size|unable to grow|failed to grow|above WebAssembly's 4 GiB/i.test(
    message,
  );
}

/** An error's message; a refused allocation (outOfMemory) says so in plain words, as the reason. */
export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return outOfMemory(error) ? `the page ran out of memory (${message})` : message;
}
