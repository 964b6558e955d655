/**
 * A comlink bridge to one worker, after Squoosh's: started lazily on first use, every call may
 * take an AbortSignal, and aborting terminates the worker (running WebAssembly cannot be
 * interrupted otherwise) — the next call starts a fresh one, after `onStart` has handed it
 * whatever state it needs. Calls in flight when the worker is terminated reject with an AbortError.
 */
import * as Comlink from 'comlink';

export function abortError(reason?: unknown): DOMException {
  return reason instanceof DOMException && reason.name === 'AbortError' ? reason : new DOMException('The work was cancelled', 'AbortError');
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export class WorkerBridge<Api> {
  readonly #create: () => Worker;
  readonly #onStart: ((remote: Comlink.Remote<Api>) => Promise<void>) | undefined;
  #worker: Worker | null = null;
  #ready: Promise<Comlink.Remote<Api>> | null = null;
  #pending = new Set<(error: unknown) => void>();

  constructor(create: () => Worker, onStart?: (remote: Comlink.Remote<Api>) => Promise<void>) {
    this.#create = create;
    this.#onStart = onStart;
  }

  /** The worker's API, starting the worker if needed. */
  remote(): Promise<Comlink.Remote<Api>> {
    if (!this.#ready) {
      const worker = this.#create();
      this.#worker = worker;
      const remote = Comlink.wrap<Api>(worker);
      this.#ready = (this.#onStart ? this.#onStart(remote) : Promise.resolve()).then(() => remote);
      this.#ready.catch(() => {
        if (this.#worker === worker) this.terminate();
      });
    }
    return this.#ready;
  }

  /** Runs `fn` on the worker; on abort the worker is terminated and the call rejects at once. */
  call<T>(fn: (remote: Comlink.Remote<Api>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    return new Promise<T>((resolve, reject) => {
      const fail = (error: unknown) => {
        cleanup();
        reject(error);
      };
      const onAbort = () => {
        fail(abortError(signal!.reason));
        this.terminate();
      };
      const cleanup = () => {
        this.#pending.delete(fail);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#pending.add(fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.remote()
        .then((remote) => fn(remote))
        .then(
          (value) => {
            if (!this.#pending.has(fail)) return;
            cleanup();
            resolve(value);
          },
          (error) => {
            if (this.#pending.has(fail)) fail(error);
          },
        );
    });
  }

  /** Stops the worker now; calls in flight reject with an AbortError. */
  terminate(): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.#ready = null;
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const fail of pending) fail(abortError());
  }

  get running(): boolean {
    return this.#worker !== null;
  }
}
