/**
 * The engine worker: owns the open image and its decompositions, so the main thread never copies
 * (or even holds) tens of megabytes. The main thread hands it the decoded pixels (transferred
 * or shared, no copy); it runs the SVD pool (its own nested Web Workers, one plane job each) on
 * the image's planes under a coding (the whole image or its patches, RGB or YCbCr:
 * shared/coding.ts), and sends the image and each stage's factors straight to the preview and
 * analysis workers over their own MessagePorts (attach()): on a cross-origin isolated page the
 * pixels and U and V in shared memory (shared/shared-memory.ts), else copies. The SVD workers make
 * their planes from the pixels themselves, or take the colour planes the decoder made with them.
 * Each coding keeps its factors, so switching back costs nothing. The main thread gets only what
 * it shows: progress, each stage's spectrum (σ) after the preview worker has the factors, and for
 * the patch model the basis patches (V, p² × p²: small).
 */
import * as Comlink from 'comlink';
import {
  chromaSubsamplingError,
  type ImageLayout,
  type KrylovState,
  type Matrix,
  type PixelImage,
  type SvdPool,
  type TruncatedSvd,
} from '../../../../core/index.js';
import { WHOLE_RGB, codingFor, codingKey, codingLayout, parseCodingKey, type Coding, type StoredFile } from '../../shared/coding.js';
import { canShare, imageForMessage, isShared, movable, sharedFactors, sharedImage } from '../../shared/shared-memory.js';
import { MappedBuffers } from '../../shared/mapped-buffers.js';
import type { LaterPeer, PeerRole } from './protocol.js';
import { warmImage } from '../../shared/warm-image.js';
import { createWebSvdPool, imagePlanes, releaseAll } from './web-svd-pool.js';
import { WarmUp } from './warm-up.js';

/** What the peers (preview and analysis workers) accept from the engine. */
export interface ImageHolder {
  /** A new document; `stored`: the .svd file it was opened from (the analysis worker cuts lower ranks from it). */
  setImage(imageId: number, image: PixelImage, stored?: StoredFile | null): void | Promise<void>;
  /** Plane `plane` of coding `coding` (a codingKey) has these factors. */
  setFactors(imageId: number, coding: string, plane: number, svd: TruncatedSvd): void | Promise<void>;
}

/** What the preview worker also gives a restarted engine: the image and every factor it holds. */
export interface HeldDocument {
  heldDocument(imageId: number): Promise<{ image: PixelImage; factors: { coding: string; plane: number; svd: TruncatedSvd }[] } | null>;
}

/** Every LaterPeer, in the order imageToLaterPeers sends them the image. */
const LATER_PEERS: readonly LaterPeer[] = ['analysis', 'learn'];

/** One stage of one plane, as the main thread needs it: the spectrum, not the vectors. */
export interface StageReport {
  /** The coding's key (shared/coding.ts). */
  coding: string;
  plane: number;
  stage: number;
  rank: number;
  sigma: Float64Array;
  frobeniusNormSquared: number;
  rows: number;
  cols: number;
  /** Patch model: the basis patches vᵢ, p² values each (cols × rank, row-major as V is). */
  basis?: Float32Array;
}

interface Decomposition {
  layout: ImageLayout;
  planes: Matrix[] | null;
  factors: (TruncatedSvd | null)[];
  /**
   * Each plane's Krylov space after its last stage, so a higher rank asked later ("Compute up to
   * rank") extends it instead of starting again (~15 MB per plane of a 12 MP photo at rank 256).
   */
  krylov: (KrylovState | undefined)[];
}

interface Loaded {
  id: number;
  image: PixelImage;
  stored: StoredFile | null;
  codings: Map<string, Decomposition>;
  /** The later peers that have been sent the image (see imageToLaterPeers). */
  withImage: Set<LaterPeer>;
  /**
   * Buffers mapped for this photo while it decoded (prepareFor()): its first decomposition's
   * channels and the preview worker's copy (unless the pixels are shared) take them; dropped once
   * the image has gone to the preview worker.
   */
  mapped: MappedBuffers | null;
  /**
   * A photo's colour planes made with its pixels (the decoder's, load()), for its first
   * decomposition under the whole-image coding: each is moved once, to the SVD worker that keeps
   * it (imagePlanes), and nulled here.
   */
  planes: (Uint8Array | null)[] | null;
}

let pool = createWebSvdPool();
const peers = new Map<PeerRole, Comlink.Remote<ImageHolder>>();
let loaded: Loaded | null = null;
let running: AbortController | null = null;
/** Sends a newly loaded photo to the peers, once: right after its decomposition's first jobs are out. */
let imageForPeers: (() => void) | null = null;
/** How long a loaded photo waits for its decomposition before the peers get it anyway. */
const PEERS_WAIT_MS = 500;
/**
 * The first stage of a coding with nothing shown yet, until the main thread has painted it
 * (shown()): the later stages and the analysis worker's copy of the image wait for it, so nothing
 * competes with the first preview for the processor.
 */
let firstStage: { state: Loaded; open: () => void } | null = null;
/** How long the first stage, once delivered, waits for shown() before the rest goes ahead anyway. */
const SHOWN_WAIT_MS = 1000;
/** A restore() in flight (an attach waits for it), and how long it waits for the preview worker's copies. */
let restoring: Promise<boolean> | null = null;
const RESTORE_WAIT_MS = 30_000;

function report(coding: string, model: Coding['model'], plane: number, stage: number, svd: TruncatedSvd): StageReport {
  return {
    coding,
    plane,
    stage,
    rank: svd.rank,
    sigma: svd.sigma.slice(),
    frobeniusNormSquared: svd.frobeniusNormSquared,
    rows: svd.u.rows,
    cols: svd.v.rows,
    basis: model === 'patch' ? svd.v.data.slice() : undefined,
  };
}

function decompositionOf(state: Loaded, coding: Coding): Decomposition {
  const key = codingKey(coding);
  let entry = state.codings.get(key);
  if (!entry) {
    const layout = codingLayout(state.image, coding);
    entry = { layout, planes: null, factors: new Array(layout.planes.length).fill(null), krylov: [] };
    state.codings.set(key, entry);
  }
  return entry;
}

/**
 * Sends the factors to the peers. The preview worker is awaited (it lives as long as the page,
 * and the main thread must not show ranks it cannot render); the analysis and learn workers are
 * not (either may be terminated at any time; they wait for factors they lack). They get the
 * image with the first factors they are sent (imageToLaterPeers sends both), or with everything
 * so far once the first stage has been shown.
 */
async function sendFactors(id: number, coding: string, plane: number, svd: TruncatedSvd): Promise<void> {
  const state = loaded;
  if (state?.id === id) {
    for (const role of LATER_PEERS) {
      if (state.withImage.has(role) && wants(role, state.image, coding)) void peers.get(role)?.setFactors(id, coding, plane, svd);
    }
    if (firstStage?.state !== state) imageToLaterPeers(state);
  }
  await peers.get('preview')?.setFactors(id, coding, plane, svd);
}

/** Makes `state` the open document: the decomposition in flight is cancelled, the SVD workers drop their planes of the old image. */
function openDocument(state: Loaded): void {
  running?.abort();
  running = null;
  releaseAll();
  loaded = state;
}

/**
 * The image for a peer (imageForMessage): shared pixels as they are, else a copy (8-bit samples
 * into a buffer of `mapped` when one fits), transferred (one copy; a structured clone makes two).
 */
function imageForPeer(image: PixelImage, mapped?: MappedBuffers | null): PixelImage {
  const into = image.pixels instanceof Uint8Array && !isShared(image.pixels) ? mapped?.take(image.pixels.length) : undefined;
  const sent = imageForMessage(image, into);
  return Comlink.transfer(sent, movable(sent.pixels));
}

/**
 * The analysis and learn workers get a photo's image with the factors so far, once there are
 * factors (they have nothing to measure before) and the first preview is shown, so that copy
 * does not compete with the first stage for the processor.
 */
function imageToLaterPeers(state: Loaded): void {
  for (const role of LATER_PEERS) {
    const peer = peers.get(role);
    if (!peer || state.withImage.has(role)) continue;
    state.withImage.add(role);
    void seed(peer, state, role).catch(() => {});
  }
}

/** The image and every factor so far, posted in that order at once (a later sendFactors() posts after them). */
async function seed(peer: Comlink.Remote<ImageHolder>, state: Loaded, role: PeerRole): Promise<void> {
  const calls = [peer.setImage(state.id, imageForPeer(state.image), state.stored)];
  for (const [key, entry] of state.codings) {
    if (!wants(role, state.image, key)) continue;
    for (const [plane, svd] of entry.factors.entries()) if (svd) calls.push(peer.setFactors(state.id, key, plane, svd));
  }
  await Promise.all(calls);
}

/**
 * Whether a peer is sent a coding's factors: the learn worker works on the whole image's channels
 * only (a patch coding's U alone is ~50 MB per plane of a 12 MP photo); the others take every coding.
 */
function wants(role: PeerRole, image: PixelImage, coding: string): boolean {
  return role !== 'learn' || coding === codingKey(codingFor(image, WHOLE_RGB));
}

/**
 * The planes of a 1024 × 768 8-bit RGB image, made by the workers from its channels as a photo's
 * are: their rank-32 decompositions start coarse as a photo's first stage does (the shrunk plane,
 * its own block-Krylov run, the one 32-column step through the 8-bit kernels), enough work (tens
 * of ms a run; warmPool() runs it WARM_RUNS times) for that JavaScript and WebAssembly to be
 * optimised before a photo comes. (After a warm-up on float planes, which a photo's channels are
 * not, the first rank-32 job on a 12 MP channel took 300–420 ms in Node against about 205 ms for
 * the next; after an 8-bit one, about 255 ms. A 256 × 192 image, too small to start coarse, left the coarse path's code cold: the
 * photo's first stage then compiled it, 130–200 ms more of the compiler threads.)
 */
function warmPlanes(): Matrix[] {
  const image = warmImage(1024, 768);
  return imagePlanes(image, codingLayout(image, WHOLE_RGB));
}

/**
 * How many times warmPool() runs its decomposition: V8 compiles the engine's long JavaScript functions
 * (blockLanczosSvd, and tridiagonalize and diagonalize, the small eigenproblem's) for their
 * loops while they run the first time (on-stack replacement), and for themselves only when they
 * are called again. Run once, the photo's first stage called them again and the compiler threads
 * compiled them then, while the three rank-32 jobs needed the two cores (about 1.1 s of compile
 * jobs' wall time against 0.3 s after three runs; first preview − decode on the 12 MP photo
 * 0.68 → 0.49 s, 2 cores, medians of 5 alternating). V8 (Chromium 156, with its Maglev tier) compiles
 * blockLanczosSvd for itself (Maglev, 15–30 ms of compiler time in each SVD worker) and upperInverse
 * (TurboFan, up to 25 ms) in the fourth or fifth run (traced with --trace-opt): after three, the
 * photo's first stage did, 137 ms of compile jobs between the decoded pixels and the first preview
 * against 65 ms after six, and with one core kept busy first preview − decode was 0.56 s against
 * 0.48 s (medians of 6, alternating); 'studio:warm' comes 0.96 → 1.11 s after loading.
 */
const WARM_RUNS = 6;
/** Photos chosen so far (startWorkers): a warm-up runs no further decomposition once one is, which its first jobs would wait behind. */
let photosChosen = 0;
/** photosChosen when the current pool was made: its warm-up ends for good once a photo is chosen since. */
let chosenBeforePool = 0;

/**
 * The current pool's first jobs (warmPool()'s runs, or startPool()'s), once started: a pool spawns its
 * workers lazily otherwise. What waits for it: prepareFor's reserve, and a decomposition's jobs.
 */
let poolStarted: Promise<unknown> | null = null;

/**
 * The current pool's warm-up runs. The person changing a control, or work the person waits for
 * (a measurement, a Learn view's task, an export), holds them (holdWarmUp): they take both cores
 * for about half a second, and a slider drag in them missed frames.
 */
let warmUp = new WarmUp(WARM_RUNS);

/**
 * Runs warmPlanes' decomposition until the current pool has had WARM_RUNS runs (a job per worker
 * each time), fewer if meanwhile a photo is chosen, a decomposition waits for the pool (decompose
 * awaits poolStarted), the warm-up is held or the pool is replaced.
 */
async function warmPool(): Promise<void> {
  const warmed = pool;
  const chosen = chosenBeforePool;
  // One image for every run: a worker that has made a plane of it keeps it for the next run (fresh
  // planes each run left some 20 MB more of the browser's memory in use after six runs).
  const planes = warmPlanes();
  await warmUp.run(
    // Keeping the space, as a photo's first stage does for the later ones: V8 then has seen
    // that code too (unseen, it threw blockLanczosSvd's optimised code away in each photo's first job).
    () => warmed.decompose(planes, { stages: [32], coarseStart: true, keepKrylov: true }),
    () => pool !== warmed || photosChosen !== chosen || running !== null,
  );
}

/** Starts the pool's workers (module load, WebAssembly compile) with a tiny job each, once per pool. */
function startPool(): void {
  if (poolStarted) return;
  const tiny = (): Matrix => ({ rows: 4, cols: 4, data: new Float32Array(16).fill(1) });
  poolStarted = pool.decompose([tiny(), tiny(), tiny()], { stages: [1] }).catch(() => {});
}

/** Fresh SVD workers in place of the current ones, whose planes and WebAssembly memory (it never shrinks) go with them. */
function replacePool(): void {
  const old = pool;
  pool = createWebSvdPool();
  poolStarted = null;
  warmUp = new WarmUp(WARM_RUNS);
  chosenBeforePool = photosChosen;
  reservedPool = null;
  old.close();
}

/**
 * What prepareFor() is told of a photo that is decoding: the main thread's number for it, its
 * size (8-bit samples), its decomposition's first rank and whether its colour planes come with
 * its pixels (load()'s `planes`).
 */
export interface PhotoToCome {
  id: number;
  width: number;
  height: number;
  rank: number;
  planes: boolean;
}

/** Whether `planes` are an image's colour planes as load() takes them: an RGB image's three, of 8-bit samples, each of the image's size. */
function planesFit(planes: Uint8Array[], image: PixelImage): boolean {
  const count = image.width * image.height;
  return (
    image.bitDepth === 8 &&
    image.channels === 3 &&
    planes.length === 3 &&
    planes.every((plane) => plane instanceof Uint8Array && plane.length === count)
  );
}

/**
 * The photo being prepared for (prepareFor()) and the buffers mapped for it, until the document
 * loaded next takes them (endPreparation()); ended after PREPARED_KEEP_MS should nothing take it.
 */
let preparing: Preparation | null = null;
interface Preparation {
  id: number;
  mapped: MappedBuffers;
  timer: ReturnType<typeof setTimeout>;
}
const PREPARED_KEEP_MS = 30_000;
/** The pool whose workers reserved workspaces for a photo (pool.reserve), until it is replaced. */
let reservedPool: SvdPool | null = null;
/** The reserve in flight, if any: a later one waits for it, so one thread maps at a time. */
let reserving: Promise<unknown> = Promise.resolve();

/** Ends the preparation (the caller drops or takes its buffers) and returns it. */
function endPreparation(): Preparation | null {
  const prepared = preparing;
  preparing = null;
  if (prepared) clearTimeout(prepared.timer);
  return prepared;
}

const api = {
  /**
   * Starts the SVD workers and warms them (warmPool), before the first photo. The pools that
   * replace them after each decomposition start when the next photo is chosen (startWorkers) or
   * when the studio has nothing else to do (warmWorkers), not at once: starting three workers
   * then would compete with the person's first slider moves.
   */
  async warm(): Promise<void> {
    poolStarted = warmPool().catch(() => {});
    await poolStarted;
  },

  /**
   * The studio is idle (a photo's decomposition, its measurements and other work done): the pool that replaced
   * the decomposition's starts and is warmed as the first one was, so the next photo's first jobs
   * run compiled code rather than start cold workers while it decodes; a warm-up held since
   * (holdWarmUp) goes on. Nothing when a decomposition or warm-up runs, a photo has been chosen
   * since the pool was made, or the pool has been warmed or started otherwise (startPool).
   * Resolves once the warm-up it started ends: whether the pool has had all its runs.
   */
  async warmWorkers(): Promise<boolean> {
    if (running || warmUp.running || warmUp.done || photosChosen !== chosenBeforePool || (poolStarted && warmUp.runs === 0)) return false;
    const warming = warmUp;
    poolStarted = warmPool().catch(() => {});
    await poolStarted;
    return warming.complete;
  },

  /** The person changed a control or work started (Studio.beginWork): the warm-up running (warmPool) runs no further decomposition after its current one. */
  holdWarmUp(): void {
    warmUp.hold();
  },

  /**
   * A photo is being opened: the SVD workers start now (startPool), while it decodes, if they
   * have not; a warm-up starts no further run.
   */
  startWorkers(): void {
    photosChosen++;
    startPool();
  },

  /**
   * A photo of 8-bit samples is decoding (its header gave the size), and its decomposition will
   * start at rank `photo.rank`: while the decoder has one core and the other is idle, the SVD
   * workers map their first jobs' workspaces (pool.reserve, when no decomposition is running)
   * and, unless the pixels come shared, this worker the buffers it fills next (MappedBuffers): an
   * RGB photo's three channels and its copy (a gray or RGBA photo takes what fits). The document
   * loaded next takes them; the channels only where the photo's colour planes do not come with
   * its pixels (`photo.planes`).
   */
  prepareFor(photo: PhotoToCome): void {
    endPreparation()?.mapped.drop();
    const { id, width, height, rank } = photo;
    const prepared: Preparation = { id, mapped: new MappedBuffers(), timer: setTimeout(() => api.unprepare(id), PREPARED_KEEP_MS) };
    preparing = prepared;
    // An RGB photo's three channels (the header does not say how many the decoded pixels keep).
    const channels = 3;
    // Unshared pixels: those channels' copies and the preview worker's. Shared pixels need none
    // (the SVD workers take their channels from them, the preview worker reads them as they are).
    const copies = canShare() ? [] : [...new Array<number>(photo.planes ? 0 : channels).fill(width * height), channels * width * height];
    // One thread maps at a time — the SVD workers one after another, then this worker — so the decoder keeps its core.
    if (!running) {
      const current = pool;
      startPool();
      reserving = Promise.all([reserving, poolStarted]).then(() => {
        if (preparing !== prepared || pool !== current || running) return;
        reservedPool = pool;
        return pool.reserve(height, width, rank, true, channels, !photo.planes);
      });
    }
    void reserving.then(() => {
      if (preparing === prepared) prepared.mapped.map(copies);
    });
  },

  /**
   * Photo `id` (prepareFor()) will not be loaded (cancelled, failed, too large): what was mapped
   * for it goes, and workers that reserved workspaces for it are replaced (their memory stays
   * otherwise). Nothing when another photo is being prepared for by now.
   */
  unprepare(id: number): void {
    if (preparing?.id !== id) return;
    endPreparation()?.mapped.drop();
    if (reservedPool === pool && !running) {
      // Started already (a photo being opened now asked for it): the fresh pool starts too.
      const started = poolStarted !== null;
      replacePool();
      if (started) startPool();
    }
  },

  /**
   * After this worker was restarted (the one before stopped): document `id` again, from the
   * preview worker's copies of its image and factors (asked over its port: attach it first), and
   * `stored`, the .svd file it was opened from. The analysis and learn workers are sent them again
   * (one may not have had this image yet: it comes after the first stage is shown), and an attach
   * that arrives meanwhile waits for the restore. A decomposition started next computes the stages
   * the main thread asks for. Returns whether the preview worker held the document (false also
   * when it did not answer within RESTORE_WAIT_MS: it stopped).
   */
  async restore(id: number, stored: StoredFile | null): Promise<boolean> {
    const work = (async () => {
      const preview = peers.get('preview') as Comlink.Remote<ImageHolder & HeldDocument> | undefined;
      if (!preview) return false;
      const held = await Promise.race([
        preview.heldDocument(id),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), RESTORE_WAIT_MS)),
      ]);
      if (!held) return false;
      const state: Loaded = { id, image: held.image, stored, codings: new Map(), withImage: new Set(), mapped: null, planes: null };
      for (const { coding, plane, svd } of held.factors) {
        const entry = decompositionOf(state, parseCodingKey(coding));
        if (plane >= 0 && plane < entry.factors.length) entry.factors[plane] = svd;
      }
      openDocument(state);
      imageToLaterPeers(state);
      return true;
    })();
    restoring = work;
    try {
      return await work;
    } finally {
      if (restoring === work) restoring = null;
    }
  },

  /** Connects the preview or analysis worker (again, after a restart) and gives it the current image and factors. */
  async attach(role: PeerRole, port: MessagePort): Promise<void> {
    const peer = Comlink.wrap<ImageHolder>(port);
    peers.set(role, peer);
    if (restoring) {
      await restoring.catch(() => {});
      // The restore sent the document to the analysis and learn workers attached when it ended.
      if (role !== 'preview' || peers.get(role) !== peer) return;
    }
    const state = loaded;
    if (!state) return;
    if (role !== 'preview') {
      state.withImage.add(role);
      void seed(peer, state, role).catch(() => {});
    } else await seed(peer, state, role);
  },

  /** Forgets an analysis or learn worker that ended (released when idle, cut short, Learn mode closed): no more copies for it. */
  detach(role: LaterPeer): void {
    peers.delete(role);
    loaded?.withImage.delete(role);
  },

  /**
   * A new document. `stored`: a .svd file and its factors (no decomposition needed; the file's
   * coding says what the planes are); their spectra are returned once the preview worker has
   * them. `planes`: a photo's colour planes made with its pixels (PhotoToCome), ignored unless they
   * fit it (planesFit). Any decomposition in flight is cancelled.
   */
  async load(
    id: number,
    loadedImage: PixelImage,
    stored?: { file: StoredFile; svds: TruncatedSvd[] },
    planes?: Uint8Array[],
  ): Promise<StageReport[]> {
    // Pixels that came unshared on a page that can share them (the desktop host's, a .svd file's,
    // a reduced photo's) are copied into shared memory once, here, rather than once for each peer.
    const image = sharedImage(loadedImage);
    // A photo takes what was prepared for it (if it is that photo, the sizes fit).
    const prepared = endPreparation();
    const mapped = stored ? null : (prepared?.mapped ?? null);
    if (stored) prepared?.mapped.drop();
    const state: Loaded = {
      id,
      image,
      stored: stored?.file ?? null,
      codings: new Map(),
      withImage: new Set(),
      mapped,
      planes: !stored && planes && planesFit(planes, image) ? [...planes] : null,
    };
    openDocument(state);
    const preview = peers.get('preview');
    const sendImage = () => {
      if (loaded !== state) return;
      if (stored) imageToLaterPeers(state);
      // The first decomposition's jobs have taken their buffers by now (it sends the image after posting them).
      const copy = imageForPeer(image, state.mapped);
      state.mapped?.drop();
      state.mapped = null;
      return preview?.setImage(id, copy);
    };
    if (!stored) {
      // A photo: its decomposition (requested right after this) goes first — its jobs are sent
      // to the SVD workers, then the image goes to the preview worker (unless shared, a copy:
      // tens to hundreds of ms for 12 MP), and to the analysis worker with the first factors.
      // Messages on a port keep their order, so each peer still gets the image before any
      // factors; the preview worker waits for it. Should no decomposition come (cancelled at once), the preview worker gets
      // it after a moment anyway.
      let sent = false;
      const send = () => {
        if (sent) return;
        sent = true;
        if (imageForPeers === send) imageForPeers = null;
        void sendImage();
      };
      imageForPeers = send;
      setTimeout(send, PEERS_WAIT_MS);
      return [];
    }
    await sendImage();
    const coding = stored.file.coding;
    const key = codingKey(coding);
    const entry = decompositionOf(state, coding);
    const reports: StageReport[] = [];
    for (const [plane, storedSvd] of stored.svds.entries()) {
      // Shared once here, as the SVD workers share the factors they compute (shared-memory.ts).
      const svd = sharedFactors(storedSvd);
      entry.factors[plane] = svd;
      await sendFactors(id, key, plane, svd);
      reports.push(report(key, coding.model, plane, 0, svd));
    }
    return reports;
  },

  /**
   * Decomposes the loaded image's planes under `coding`, stage by stage (the patch model's
   * matrices have p² columns: one stage, all of them). Resolves when done; rejects with an
   * AbortError when cancelled, replaced by another decomposition or by another image.
   * `showsFirst`: the main thread will paint the first stage and call shown() (see firstStage).
   * `oneWorker`: a decomposition for a comparison (the size panel's), not the one on screen. It
   * runs plane after plane on one SVD worker of its own, ended with it, so it holds one plane's
   * memory at a time (the patch model's luma matrix and its U are ~49 MB each for a 12 MP photo)
   * and leaves a core to the window; the pool stays as it was.
   */
  async decompose(
    id: number,
    coding: Coding,
    stages: number[],
    onProgress: (fraction: number) => void,
    onStage: (report: StageReport) => void | Promise<void>,
    showsFirst = false,
    oneWorker = false,
  ): Promise<void> {
    const state = loaded;
    if (!state || state.id !== id) throw new DOMException('That image is no longer open', 'AbortError');
    running?.abort();
    const controller = new AbortController();
    running = controller;
    if (!oneWorker && poolStarted) {
      // The pool's first jobs (a warm-up run, or a fresh pool's start) may still hold its workers:
      // this decomposition's jobs would otherwise start cold workers of their own beside them.
      await poolStarted;
      controller.signal.throwIfAborted();
    }
    const key = codingKey(coding);
    const entry = decompositionOf(state, coding);
    entry.planes ??= imagePlanes(state.image, entry.layout, state.mapped, key === codingKey(WHOLE_RGB) ? state.planes : null);
    let reported = 0;
    let delivered = Promise.resolve();
    // The first stage is to be shown: later stages wait until it is (see firstStage).
    let laterStagesAfter: Promise<void> | undefined;
    let openLaterStages = () => {};
    if (showsFirst && stages.length > 1) {
      laterStagesAfter = new Promise<void>((resolve) => {
        const gate = {
          state,
          open: () => {
            if (firstStage === gate) firstStage = null;
            resolve();
            if (loaded === state && entry.factors.some(Boolean)) imageToLaterPeers(state);
          },
        };
        firstStage?.open();
        firstStage = gate;
        openLaterStages = gate.open;
      });
    }
    let firstStageDelivered = 0;
    const workers = oneWorker ? createWebSvdPool(1) : pool;
    try {
      // A space kept from an earlier, lower working rank continues only if its stage is still the last one delivered.
      const resume = entry.krylov;
      entry.krylov = [];
      const decomposed = workers.decompose(entry.planes, {
        stages,
        laterStagesAfter,
        seed: 1,
        signal: controller.signal,
        krylov: resume.length && resume.every((space, plane) => space && entry.factors[plane]) ? resume : undefined,
        keepKrylov: true,
        // A first stage to be shown starts coarse: a third of its products.
        coarseStart: showsFirst,
        onKrylov: (plane, space) => {
          if (!controller.signal.aborted) entry.krylov[plane] = space;
        },
        onProgress: (fraction) => {
          // Ten updates a second are plenty for a progress bar (each is a message and a render).
          const now = performance.now();
          if (now - reported < 100) return;
          reported = now;
          onProgress(fraction);
        },
        onStage: (plane, stage, svd) => {
          if (controller.signal.aborted) return;
          entry.factors[plane] = svd;
          // In order: the preview worker first, then the main thread.
          delivered = delivered.then(async () => {
            await sendFactors(id, key, plane, svd);
            // Awaited (a round trip through the proxy): the main thread has every stage before
            // the result of decompose() arrives (their ports do not keep each other's order).
            if (!controller.signal.aborted) await onStage(report(key, coding.model, plane, stage, svd));
            if (stage === 0 && ++firstStageDelivered === entry.layout.planes.length) setTimeout(openLaterStages, SHOWN_WAIT_MS);
          });
        },
      });
      // The jobs are on their way (posted synchronously): now the image to the peers.
      imageForPeers?.();
      await decomposed;
      await delivered;
      // Done: the SVD workers' planes, and their WebAssembly memory
      // (which never shrinks: a 12 MP plane's workspace is ~100 MB), are not needed any more.
      // Fresh workers take their place, started when the next photo is chosen (startWorkers,
      // prepareFor), when the studio is idle (warmWorkers) or by the next decomposition's jobs.
      if (!oneWorker && stages.length && loaded === state && running === controller) replacePool();
    } catch (error) {
      if (controller.signal.aborted) throw new DOMException('The decomposition was cancelled', 'AbortError');
      throw error;
    } finally {
      if (oneWorker) workers.close();
      // Colour planes not sent by now (cancelled before its jobs went out) go: a later job takes its plane from the pixels.
      state.planes?.fill(null);
      openLaterStages();
      if (running === controller) running = null;
    }
  },

  /**
   * What half-resolution chroma loses before any truncation, for a YCbCr coding: the squared
   * error summed over R, G, B (core's chromaSubsamplingError); 0 for the others. The instant
   * metrics add it to the planes' truncation error.
   */
  chromaFloor(id: number, coding: Coding): number {
    const state = loaded;
    if (!state || state.id !== id) return 0;
    const layout = decompositionOf(state, coding).layout;
    if (layout.colorSpace !== 'ycbcr' || layout.chroma !== 'half') return 0;
    return chromaSubsamplingError(state.image, layout);
  },

  /**
   * The main thread has painted a reconstruction of image `id`: the first stage's wait (see
   * firstStage) is over.
   */
  shown(id: number): void {
    if (firstStage?.state.id === id) firstStage.open();
  },

  /** Stops the decomposition in flight (what is done stays). */
  cancel(): void {
    running?.abort();
    running = null;
  },
};

export type EngineWorkerApi = typeof api;
Comlink.expose(api);
