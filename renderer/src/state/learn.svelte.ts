/**
 * Learn mode: the linear algebra behind the picture for one channel of the open photo. Its
 * numbers come from the learn worker (workers/learn), started when the mode opens and
 * terminated when it closes (it holds a copy of the image, or the shared pixels). A is the whole image's channel in
 * RGB (or gray) whatever coding the window shows: opening the mode makes sure that
 * decomposition exists (Studio.ensureDecomposed). Each view's result is a Task, loaded by the
 * view when its inputs change.
 */
import * as Comlink from 'comlink';
import { untrack } from 'svelte';
import { colorChannelCount } from '../../../core/index.js';
import { peerWorker } from '../bridge/peer-worker.js';
import { isAbortError, type WorkerBridge } from '../bridge/worker-bridge.js';
import { WHOLE_RGB, codingFor, codingKey } from '../shared/coding.js';
import type { EngineWorkerApi } from '../workers/engine/engine.worker.js';
import type { LearnWorkerApi } from '../workers/learn/learn.worker.js';
import type { Studio } from './studio.svelte.js';

export interface Task<T> {
  /** What the result is for; a newer request replaces an older one. */
  key: string;
  state: 'loading' | 'ready' | 'error';
  value: T | null;
  error: string | null;
  /** 0…1 while loading, when the work reports it. */
  progress: number | null;
  /** When the request started (performance.now()), for the "appears within" measures. */
  started: number;
}

export class Learn {
  readonly studio: Studio;
  open = $state(false);
  /** The channel A is (0 for gray; R, G, B = 0, 1, 2). */
  channel = $state(0);
  /** The component views 2 shows (1-based). */
  component = $state(1);
  #bridge: WorkerBridge<LearnWorkerApi> | null = null;

  constructor(studio: Studio) {
    this.studio = studio;
  }

  /** The whole image's decomposition (Learn mode's A), as the studio has it. */
  get decomposition() {
    const doc = this.studio.document;
    if (!doc) return null;
    return this.studio.decompositions[codingKey(codingFor(doc, WHOLE_RGB))] ?? null;
  }

  toggle(): void {
    if (this.open) this.close();
    else this.show();
  }

  show(): void {
    this.open = true;
    const doc = this.studio.document;
    if (doc) this.channel = Math.min(this.channel, colorChannelCount(doc.channels) - 1);
    this.ensureDecomposition();
  }

  /** Starts the whole image's decomposition when the window shows another coding and it does not exist yet. */
  ensureDecomposition(): void {
    const doc = this.studio.document;
    if (!this.open || !doc || doc.storedRank !== null) return;
    if (codingKey(codingFor(doc, this.studio.coding)) === codingKey(codingFor(doc, WHOLE_RGB))) return;
    if (this.decomposition?.complete) return;
    void this.studio.ensureDecomposed(WHOLE_RGB);
  }

  close(): void {
    this.open = false;
    // Ending it also makes the engine forget it (peerWorker's onStop).
    this.#bridge?.terminate();
    this.#bridge = null;
  }

  /** The learn worker, started (and attached to the engine, which sends it the image and factors) on first use. */
  get worker(): WorkerBridge<LearnWorkerApi> {
    this.#bridge ??= peerWorker<LearnWorkerApi, EngineWorkerApi>(
      'learn',
      () => new Worker(new URL('../workers/learn/learn.worker.ts', import.meta.url), { type: 'module', name: 'learn' }),
      this.studio.engine,
    );
    return this.#bridge;
  }

  /**
   * Runs `work` on the learn worker for `key` and reports into `set`: loading (with progress
   * where `work` reports it), then the value or a one-line error. A result for an older key is
   * dropped; `signal` cancels (the view's effect aborts when its inputs change).
   */
  async load<T>(
    key: string,
    set: (task: Task<T>) => void,
    work: (api: Comlink.Remote<LearnWorkerApi>, onProgress: (fraction: number) => void) => Promise<T>,
    signal: AbortSignal,
  ): Promise<void> {
    const started = performance.now();
    let task: Task<T> = { key, state: 'loading', value: null, error: null, progress: null, started };
    // Called from views' effects: the setter may read what it replaces, which must not become a dependency.
    untrack(() => set(task));
    // Progress comes over its own port: a report may arrive after the result, and must not undo it.
    let settled = false;
    const onProgress = Comlink.proxy((fraction: number) => {
      if (signal.aborted || settled) return;
      task = { ...task, progress: fraction };
      set(task);
    });
    // The idle warm-up of the SVD workers holds while it runs (Studio.beginWork); untracked as above.
    const end = untrack(() => this.studio.beginWork());
    try {
      const value = await this.worker.call((api) => work(api, onProgress));
      settled = true;
      if (!signal.aborted) set({ ...task, state: 'ready', value, progress: null });
    } catch (error) {
      settled = true;
      if (signal.aborted || isAbortError(error)) return;
      set({ ...task, state: 'error', error: error instanceof Error ? error.message : String(error), progress: null });
    } finally {
      end();
    }
  }
}

/**
 * For a Learn view's script: a Task that (re)loads whenever `key()` changes — null: nothing to
 * load yet — and is cancelled when it changes again or the view goes. `dispose` releases a value
 * a newer one replaced (bitmaps).
 */
export function learnTask<T>(
  learn: Learn,
  key: () => string | null,
  work: (api: Comlink.Remote<LearnWorkerApi>, onProgress: (fraction: number) => void) => Promise<T>,
  dispose?: (value: T) => void,
): { readonly current: Task<T> | null } {
  let task = $state.raw<Task<T> | null>(null);
  $effect(() => {
    const current = key();
    if (current === null) return;
    const controller = new AbortController();
    void learn.load<T>(
      current,
      (next) => {
        const old = task?.value;
        task = next;
        if (dispose && old != null && old !== next.value && next.state !== 'loading') dispose(old);
      },
      work,
      controller.signal,
    );
    return () => controller.abort();
  });
  return {
    get current() {
      return task;
    },
  };
}
