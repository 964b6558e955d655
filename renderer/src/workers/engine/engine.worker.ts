/**
 * The engine worker: owns the open image and its decomposition, so the main thread never copies
 * (or even holds) tens of megabytes. The main thread hands it the decoded pixels (transferred,
 * no copy); it splits the colour planes, runs the SVD pool (its own nested Web Workers, one
 * channel job each), and sends copies of the image and of each stage's factors straight to the
 * preview and analysis workers over their own MessagePorts (attach()); the SVD workers extract
 * their channels from the pixels themselves. The main thread gets only
 * what it shows: progress and each stage's spectrum (σ), after the preview worker has the factors.
 */
import * as Comlink from 'comlink';
import { colorChannelCount, type Matrix, type PixelImage, type TruncatedSvd } from '../../../../core/index.js';
import { createWebSvdPool, imageChannels, releaseAll } from './web-svd-pool.js';

/** What the peers (preview and analysis workers) accept from the engine. */
export interface ImageHolder {
  setImage(imageId: number, image: PixelImage): void | Promise<void>;
  setFactors(imageId: number, channel: number, svd: TruncatedSvd): void | Promise<void>;
}

export type PeerRole = 'preview' | 'analysis';

/** One stage of one channel, as the main thread needs it: the spectrum, not the vectors. */
export interface StageReport {
  channel: number;
  stage: number;
  rank: number;
  sigma: Float64Array;
  frobeniusNormSquared: number;
  rows: number;
  cols: number;
}

interface Loaded {
  id: number;
  image: PixelImage;
  planes: Matrix[] | null;
  factors: (TruncatedSvd | null)[];
}

let pool = createWebSvdPool();
const peers = new Map<PeerRole, Comlink.Remote<ImageHolder>>();
let loaded: Loaded | null = null;
let running: AbortController | null = null;

function report(channel: number, stage: number, svd: TruncatedSvd): StageReport {
  return {
    channel,
    stage,
    rank: svd.rank,
    sigma: svd.sigma.slice(),
    frobeniusNormSquared: svd.frobeniusNormSquared,
    rows: svd.u.rows,
    cols: svd.v.rows,
  };
}

/**
 * Sends the factors to the peers. The preview worker is awaited (it lives as long as the page,
 * and the main thread must not show ranks it cannot render); the analysis worker is not (it may
 * be terminated at any time to cut a measurement short; it waits for factors it lacks).
 */
async function share(id: number, channel: number, svd: TruncatedSvd): Promise<void> {
  void peers.get('analysis')?.setFactors(id, channel, svd);
  await peers.get('preview')?.setFactors(id, channel, svd);
}

async function seed(peer: Comlink.Remote<ImageHolder>, state: Loaded): Promise<void> {
  await peer.setImage(state.id, state.image);
  for (const [channel, svd] of state.factors.entries()) if (svd) await peer.setFactors(state.id, channel, svd);
}

const api = {
  /** Starts the SVD workers now (module load, WebAssembly compile), before the first photo. */
  async warm(): Promise<void> {
    const warm = (): Matrix => ({ rows: 4, cols: 4, data: new Float32Array(16).fill(1) });
    await pool.decompose([warm(), warm(), warm()], { stages: [1] }).catch(() => {});
  },

  /** Connects the preview or analysis worker (again, after a restart) and gives it the current image and factors. */
  async attach(role: PeerRole, port: MessagePort): Promise<void> {
    const peer = Comlink.wrap<ImageHolder>(port);
    peers.set(role, peer);
    const state = loaded;
    if (!state) return;
    if (role === 'analysis') void seed(peer, state).catch(() => {});
    else await seed(peer, state);
  },

  /**
   * A new document. `svds`: the factors of a .svd file (no decomposition needed); their spectra
   * are returned once the preview worker has them. Any decomposition in flight is cancelled.
   */
  async load(id: number, image: PixelImage, svds?: TruncatedSvd[]): Promise<StageReport[]> {
    running?.abort();
    running = null;
    releaseAll();
    const state: Loaded = { id, image, planes: null, factors: new Array(colorChannelCount(image.channels)).fill(null) };
    loaded = state;
    const analysis = peers.get('analysis');
    const preview = peers.get('preview');
    const sendImage = () => {
      if (loaded !== state) return;
      if (analysis) void analysis.setImage(id, image).catch(() => {});
      return preview?.setImage(id, image);
    };
    if (!svds) {
      // A photo: its decomposition (requested right after this) goes first; copying the image to
      // the peers (tens of ms each) waits a task. Messages on a port keep their order, so each
      // peer still gets the image before any factors; the preview worker waits for it.
      setTimeout(() => void sendImage(), 0);
      return [];
    }
    await sendImage();
    const reports: StageReport[] = [];
    for (const [channel, svd] of svds.entries()) {
      state.factors[channel] = svd;
      await share(id, channel, svd);
      reports.push(report(channel, 0, svd));
    }
    return reports;
  },

  /**
   * Decomposes the loaded image's colour channels, stage by stage. Resolves when done; rejects
   * with an AbortError when cancelled or replaced by another image.
   */
  async decompose(
    id: number,
    stages: number[],
    onProgress: (fraction: number) => void,
    onStage: (report: StageReport) => void,
  ): Promise<void> {
    const state = loaded;
    if (!state || state.id !== id) throw new DOMException('That image is no longer open', 'AbortError');
    running?.abort();
    const controller = new AbortController();
    running = controller;
    state.planes ??= imageChannels(state.image);
    let reported = 0;
    let delivered = Promise.resolve();
    try {
      await pool.decompose(state.planes, {
        stages,
        seed: 1,
        signal: controller.signal,
        onProgress: (fraction) => {
          // Ten updates a second are plenty for a progress bar (each is a message and a render).
          const now = performance.now();
          if (now - reported < 100) return;
          reported = now;
          onProgress(fraction);
        },
        onStage: (channel, stage, svd) => {
          if (controller.signal.aborted) return;
          state.factors[channel] = svd;
          // In order: the preview worker first, then the main thread.
          delivered = delivered.then(async () => {
            await share(id, channel, svd);
            if (!controller.signal.aborted) onStage(report(channel, stage, svd));
          });
        },
      });
      await delivered;
      // Done: the SVD workers' copies of the image and channels, and their WebAssembly memory
      // (which never shrinks: a 12 MP channel's workspace is ~100 MB), are not needed any more.
      // Fresh workers take their place, warmed in the background for the next photo.
      if (stages.length && loaded === state && running === controller) {
        const old = pool;
        pool = createWebSvdPool();
        old.close();
        void api.warm();
      }
    } catch (error) {
      if (controller.signal.aborted) throw new DOMException('The decomposition was cancelled', 'AbortError');
      throw error;
    } finally {
      if (running === controller) running = null;
    }
  },

  /** Stops the decomposition in flight (what is done stays). */
  cancel(): void {
    running?.abort();
    running = null;
  },
};

export type EngineWorkerApi = typeof api;
Comlink.expose(api);
