/**
 * A comlink bridge to one worker, after Squoosh's: started lazily on first use, every call may
 * take an AbortSignal, and aborting terminates the worker (running WebAssembly cannot be
 * interrupted otherwise) — the next call starts a fresh one, after `onStart` has handed it
 * whatever state it needs.
 *
 * Other calls in flight on the worker that an abort terminated are not theirs to lose: they
 * are run again on the fresh worker. A worker that crashes (an uncaught error, out of memory)
 * fails every call in flight with an Error saying so, rather than leaving them pending.
 *
 * A worker whose memory is worth more than its start (WebAssembly memory never shrinks) can be
 * ended when it has nothing to do: release() now, or `idleMs` after its last call settled; the
 * next call starts a fresh one, as after an abort.
 */
import * as Comlink from 'comlink';

export function abortError(reason?: unknown): DOMException {
  return reason instanceof DOMException && reason.name === 'AbortError' ? reason : new DOMException('The work was cancelled', 'AbortError');
}

export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** A call failed because its worker stopped (an uncaught error, or killed): trying again starts a fresh worker. */
export class WorkerStoppedError extends Error {
  override readonly name = 'WorkerStoppedError';
}

interface PendingCall {
  /** (Re)starts the call on the current worker. */
  start(): void;
  fail(error: unknown): void;
}

export interface WorkerBridgeOptions<Api> {
  /**
   * Hands a fresh worker the state it needs before its first call. `stopped` aborts (with a
   * WorkerStoppedError) when that worker stops, so a start need not wait for a stopped worker's
   * answer.
   */
  onStart?: (remote: Comlink.Remote<Api>, stopped: AbortSignal) => Promise<void>;
  /** Called whenever the worker is ended or found stopped (abort, crash, release), before any replacement starts. */
  onStop?: () => void;
  /** The worker's name in error messages. */
  name?: string;
  /** End the worker this long after its last call settled, when no other call has started since (none: keep it). */
  idleMs?: number;
}

export class WorkerBridge<Api> {
  readonly #create: () => Worker;
  readonly #onStart: ((remote: Comlink.Remote<Api>, stopped: AbortSignal) => Promise<void>) | undefined;
  readonly #onStop: (() => void) | undefined;
  readonly #name: string;
  readonly #idleMs: number | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  #worker: Worker | null = null;
  #ready: Promise<Comlink.Remote<Api>> | null = null;
  /** Bumped whenever the worker is replaced: results from an older worker are ignored. */
  #generation = 0;
  #pending = new Set<PendingCall>();
  /** Calls waiting for the current worker to start (their `fn` not yet run); emptied when it stops. */
  #waiting = new Set<object>();
  /** The current worker's API once it has started (onStart done); null before and after it stops. */
  #live: Comlink.Remote<Api> | null = null;
  /** Aborted when the current worker stops; null when there is none. */
  #stopped: AbortController | null = null;

  constructor(create: () => Worker, options: WorkerBridgeOptions<Api> = {}) {
    this.#create = create;
    this.#onStart = options.onStart;
    this.#onStop = options.onStop;
    this.#name = options.name ?? 'background';
    this.#idleMs = options.idleMs;
  }

  /** The worker's API, starting the worker if needed. */
  remote(): Promise<Comlink.Remote<Api>> {
    if (!this.#ready) {
      const worker = this.#create();
      const stopped = new AbortController();
      this.#worker = worker;
      this.#stopped = stopped;
      worker.addEventListener('error', (event) => {
        if (this.#worker !== worker) return;
        event.preventDefault();
        this.#fail(new WorkerStoppedError(`The ${this.#name} worker stopped${event.message ? `: ${event.message}` : ''}`));
      });
      const remote = Comlink.wrap<Api>(worker);
      this.#ready = (this.#onStart ? this.#onStart(remote, stopped.signal) : Promise.resolve()).then(() => {
        if (this.#worker === worker) this.#live = remote;
        return remote;
      });
      this.#ready.catch((error: unknown) => {
        if (this.#worker === worker) this.#fail(error instanceof Error ? error : new Error(String(error)));
      });
    }
    return this.#ready;
  }

  /** The worker's API if it is running now (started, not stopped), without starting one. */
  get running(): Comlink.Remote<Api> | null {
    return this.#live;
  }

  /** Aborted (with a WorkerStoppedError) when the worker running or starting now stops; null when there is none. */
  get stopped(): AbortSignal | null {
    return this.#stopped?.signal ?? null;
  }

  /** The worker's API once it has started, if one is running or starting now (none is started here); null otherwise. */
  get starting(): Promise<Comlink.Remote<Api>> | null {
    return this.#worker ? this.#ready : null;
  }

  /**
   * Runs `fn` on the worker: at once when it is running, else once it has started. On abort the
   * worker is terminated and the call rejects at once.
   */
  call<T>(fn: (remote: Comlink.Remote<Api>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const settle = (outcome: () => void) => {
        if (done) return;
        done = true;
        this.#pending.delete(call);
        signal?.removeEventListener('abort', onAbort);
        if (this.#pending.size === 0) this.#armIdle();
        outcome();
      };
      const call: PendingCall = {
        start: () => {
          const generation = this.#generation;
          // A running worker is sent the call now, in the caller's task, ahead of the microtasks
          // queued before it there (the page's own updates, when a photo has decoded); a starting
          // one once it has started, as are all calls while earlier ones still wait for it (so
          // calls reach the worker in the order they were made).
          const live = this.#waiting.size === 0 ? this.#live : null;
          let answer: Promise<T>;
          if (live) answer = new Promise<T>((resolveNow) => resolveNow(fn(live)));
          else {
            const token = {};
            this.#waiting.add(token);
            answer = this.remote().then(
              (remote) => {
                this.#waiting.delete(token);
                return fn(remote);
              },
              (error: unknown) => {
                this.#waiting.delete(token);
                throw error;
              },
            );
          }
          answer.then(
            (value) => {
              if (generation === this.#generation) settle(() => resolve(value));
            },
            (error) => {
              if (generation === this.#generation) settle(() => reject(error));
            },
          );
        },
        fail: (error) => settle(() => reject(error)),
      };
      const onAbort = () => {
        settle(() => reject(abortError(signal!.reason)));
        this.#restart();
      };
      this.#pending.add(call);
      this.#disarmIdle();
      signal?.addEventListener('abort', onAbort, { once: true });
      call.start();
    });
  }

  /** Stops the worker now; calls in flight reject with an AbortError. */
  terminate(): void {
    this.#stop();
    const pending = [...this.#pending];
    for (const call of pending) call.fail(abortError());
  }

  /**
   * Ends the worker if no call is in flight, so that its memory is given back; the next call
   * starts a fresh one. Returns whether it ended one.
   */
  release(): boolean {
    if (this.#pending.size > 0 || !this.#worker) return false;
    this.#stop();
    return true;
  }

  #armIdle(): void {
    this.#disarmIdle();
    if (this.#idleMs === undefined || !this.#worker) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      this.release();
    }, this.#idleMs);
  }

  #disarmIdle(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  #stop(): void {
    this.#disarmIdle();
    const had = this.#worker !== null;
    this.#worker?.terminate();
    this.#worker = null;
    this.#live = null;
    this.#ready = null;
    this.#waiting.clear();
    this.#stopped?.abort(new WorkerStoppedError(`The ${this.#name} worker stopped`));
    this.#stopped = null;
    this.#generation++;
    if (had) this.#onStop?.();
  }

  /** Terminates the worker for one aborted call; the others start again on a fresh worker. */
  #restart(): void {
    this.#stop();
    for (const call of [...this.#pending]) call.start();
  }

  #fail(error: Error): void {
    this.#stop();
    for (const call of [...this.#pending]) call.fail(error);
  }
}
